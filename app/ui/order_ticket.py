"""The order ticket: symbol, live bid/ask, big BUY (at ask) and SELL (at bid) buttons.

Quantity in shares or dollars, market or limit, estimated cost and buying
power, extended hours, a confirmation toggle. Inputs are checked by
:func:`app.ui.ticket_validation.validate_ticket` plus the risk service's
read-only ``validate_order``; a problem is shown under its field and nothing
is sent. A denied order shows its reason. No business logic lives here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import InvalidOrder
from app.core.models import Order, OrderRequest, OrderStatus, OrderType, Quote, Side
from app.core.money import round_price
from app.ui import theme
from app.ui.bridge import schedule
from app.ui.tables.base import money, price
from app.ui.ticket_validation import DOLLARS, SHARES, TicketInput, validate_ticket

log = logging.getLogger("sherwood.ui.ticket")

Confirm = Callable[[str], bool]


def ask_confirmation(parent: QWidget) -> Confirm:
    def confirm(text: str) -> bool:
        answer = QMessageBox.question(parent, "Confirm order", text)
        return answer == QMessageBox.StandardButton.Yes

    return confirm


def _error_label() -> QLabel:
    label = QLabel("")
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.hide()
    return label


class OrderTicket(QWidget):
    """Sends BUY/SELL commands to the execution service."""

    orderSent = Signal(object)  # Order, whatever its status

    def __init__(
        self,
        ctx: Any,
        *,
        session_regular: Callable[[], bool],
        confirm: Confirm | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session_regular = session_regular
        self.confirm = confirm or ask_confirmation(self)
        self.quote: Quote | None = None
        self.sent: list[Order] = []
        self._build()
        self.set_symbol(ctx.settings.symbol)
        self.confirm_box.setChecked(ctx.settings.confirm_before_sending)

    # --- layout ---
    def _build(self) -> None:
        self.symbol_edit = QLineEdit()
        self.symbol_edit.setObjectName("ticketSymbol")
        self.symbol_edit.editingFinished.connect(lambda: self.set_symbol(self.symbol_edit.text()))
        self.bid_label = QLabel("—")
        self.ask_label = QLabel("—")
        for label in (self.bid_label, self.ask_label):
            label.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.buy_button = QPushButton("BUY")
        self.buy_button.setObjectName("buyButton")
        self.sell_button = QPushButton("SELL")
        self.sell_button.setObjectName("sellButton")
        self.buy_button.clicked.connect(lambda: self.submit(Side.BUY))
        self.sell_button.clicked.connect(lambda: self.submit(Side.SELL))
        # The first click must be an order the limits allow: MAX_INVESTMENT in dollars
        # (one share of a $50 ETF is more than the default $20 limit).
        self.amount_edit = QLineEdit(f"{self.ctx.settings.max_investment:.2f}")
        self.amount_edit.setObjectName("ticketAmount")
        self.unit_combo = QComboBox()
        self.unit_combo.addItem("Shares", SHARES)
        self.unit_combo.addItem("Dollars", DOLLARS)
        self.unit_combo.setCurrentIndex(self.unit_combo.findData(DOLLARS))
        self.type_combo = QComboBox()
        self.type_combo.addItem("Market", OrderType.MARKET)
        self.type_combo.addItem("Limit", OrderType.LIMIT)
        self.limit_edit = QLineEdit()
        self.limit_edit.setPlaceholderText("limit price")
        self.limit_edit.setEnabled(False)
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self.extended_box = QCheckBox("Extended hours")
        self.confirm_box = QCheckBox("Confirm before sending")
        self.estimate_label = QLabel("—")
        self.power_label = QLabel("—")
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.errors = {
            "symbol": _error_label(),
            "amount": _error_label(),
            "limit_price": _error_label(),
        }
        for edit in (self.amount_edit, self.limit_edit):
            edit.textChanged.connect(self._refresh_estimate)
            edit.textEdited.connect(self.clear_messages)
        self.unit_combo.currentIndexChanged.connect(self._refresh_estimate)
        for combo in (self.unit_combo, self.type_combo):
            combo.activated.connect(self.clear_messages)
        self.symbol_edit.textEdited.connect(self.clear_messages)

        quotes = QHBoxLayout()
        quotes.addWidget(QLabel("Bid"))
        quotes.addWidget(self.bid_label)
        quotes.addStretch(1)
        quotes.addWidget(QLabel("Ask"))
        quotes.addWidget(self.ask_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sell_button)
        buttons.addWidget(self.buy_button)
        amount = QHBoxLayout()
        amount.addWidget(self.amount_edit, 1)
        amount.addWidget(self.unit_combo)
        order_type = QHBoxLayout()
        order_type.addWidget(self.type_combo)
        order_type.addWidget(self.limit_edit, 1)

        form = QFormLayout()
        form.addRow("Symbol", self.symbol_edit)
        form.addRow("", self.errors["symbol"])
        form.addRow("Amount", amount)
        form.addRow("", self.errors["amount"])
        form.addRow("Type", order_type)
        form.addRow("", self.errors["limit_price"])
        money_row = QHBoxLayout()  # one row: the window must fit a 768-pixel screen
        money_row.addWidget(self.estimate_label)
        money_row.addStretch(1)
        money_row.addWidget(QLabel("Buying power"))
        money_row.addWidget(self.power_label)
        form.addRow("Est. cost", money_row)
        boxes = QHBoxLayout()
        boxes.addWidget(self.extended_box)
        boxes.addWidget(self.confirm_box)
        boxes.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addLayout(quotes)
        layout.addLayout(buttons)
        layout.addLayout(form)
        layout.addLayout(boxes)
        layout.addWidget(self.result_label)
        layout.addStretch(1)

    def set_hotkeys(self, buy: str, sell: str) -> None:
        self.buy_button.setToolTip(f"Buy at the ask ({buy})")
        self.sell_button.setToolTip(f"Sell at the bid ({sell})")

    # --- state from outside ---
    @property
    def symbol(self) -> str:
        return self.symbol_edit.text().strip().upper()

    def set_symbol(self, symbol: str) -> None:
        self.symbol_edit.setText(symbol.strip().upper())
        latest = getattr(self.ctx.market_data, "latest_quote", None)
        quote = latest(self.symbol) if latest is not None else None
        self.quote = None
        self.bid_label.setText("—")
        self.ask_label.setText("—")
        if isinstance(quote, Quote):
            self.on_quote(quote)

    def on_quotes(self, quotes: dict[str, Quote]) -> None:
        quote = quotes.get(self.symbol)
        if quote is not None:
            self.on_quote(quote)

    def on_quote(self, quote: Quote) -> None:
        self.quote = quote
        self.bid_label.setText(price(quote.bid))
        self.ask_label.setText(price(quote.ask))
        self._refresh_estimate()

    def set_buying_power(self, value: Decimal | None) -> None:
        self.power_label.setText(money(value) if value is not None else "—")

    def prefill_limit(self, limit_price: Decimal) -> None:
        """Make the ticket a limit order at ``limit_price`` (rounded to the tick), keeping its
        amount; sending it is still :meth:`submit` with the usual checks and confirmation."""
        self.type_combo.setCurrentIndex(self.type_combo.findData(OrderType.LIMIT))
        self.limit_edit.setText(f"{round_price(limit_price)}")
        self.clear_messages()

    def _type_changed(self) -> None:
        is_limit = self.type_combo.currentData() == OrderType.LIMIT
        self.limit_edit.setEnabled(is_limit)
        if is_limit and not self.limit_edit.text() and self.quote is not None:
            self.limit_edit.setText(f"{self.quote.ask:.2f}")
        self._refresh_estimate()

    def _refresh_estimate(self) -> None:
        _problems, parsed = validate_ticket(self._input(Side.BUY, with_limits=False))
        if parsed is not None and parsed.estimated_cost is not None:
            self.estimate_label.setText(money(parsed.estimated_cost))
        else:
            self.estimate_label.setText("—")

    # --- sending ---
    def _input(self, side: Side, *, with_limits: bool = True) -> TicketInput:
        reference = None
        if self.quote is not None:
            reference = self.quote.ask if side is Side.BUY else self.quote.bid
        return TicketInput(
            symbol=self.symbol_edit.text(),
            side=side.value,
            amount=self.amount_edit.text(),
            unit=str(self.unit_combo.currentData()),
            limit=self.type_combo.currentData() == OrderType.LIMIT,
            limit_price=self.limit_edit.text(),
            regular_hours=self.session_regular(),
            reference_price=reference,
            max_investment=self.ctx.settings.max_investment if with_limits else None,
        )

    def show_errors(self, problems: dict[str, str]) -> None:
        for name, label in self.errors.items():
            message = problems.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        edits = {"symbol": self.symbol_edit, "amount": self.amount_edit,
                 "limit_price": self.limit_edit}  # fmt: skip
        for name, edit in edits.items():
            edit.setProperty("invalid", name in problems)
            edit.style().unpolish(edit)
            edit.style().polish(edit)

    def clear_messages(self) -> None:
        """Forget the last problems and result: the input changed, or trading resumed."""
        self.show_errors({})
        self._result("", None)

    def error_text(self, name: str) -> str:
        label = self.errors[name]
        return label.text() if not label.isHidden() else ""

    def submit(self, side: Side) -> bool:
        """Validate and send; returns whether an order went to the execution service."""
        problems, parsed = validate_ticket(self._input(side))
        request: OrderRequest | None = None
        if parsed is not None:
            try:
                request = OrderRequest(
                    symbol=parsed.symbol, side=side, quantity=parsed.quantity,
                    notional=parsed.notional, order_type=OrderType(self.type_combo.currentData()),
                    limit_price=parsed.limit_price,
                    extended_hours=self.extended_box.isChecked(),
                )  # fmt: skip
            except InvalidOrder as exc:
                problems["amount"] = str(exc)
        if request is not None and not problems:
            check = self.ctx.risk.validate_order(request, self.ctx.execution.open_orders())
            if not check.allowed:
                problems["amount"] = check.reason
        self.show_errors(problems)
        if problems or request is None:
            self._result("", None)
            return False
        if self.confirm_box.isChecked() and not self.confirm(self._describe(request)):
            self._result("Order not sent.", None)
            return False
        send = self.ctx.execution.buy if side is Side.BUY else self.ctx.execution.sell
        self._result(f"Sending {self._describe(request)}", theme.colors().muted)
        schedule(
            lambda: send(
                request.symbol,
                quantity=request.quantity,
                notional=request.notional,
                order_type=request.order_type,
                limit_price=request.limit_price,
                extended_hours=request.extended_hours,
            ),
            self._on_sent,
            lambda exc: self._result(f"Not sent: {exc}", theme.colors().loss),
        )
        return True

    def _describe(self, request: OrderRequest) -> str:
        amount = (
            f"{request.quantity.normalize():f} shares" if request.quantity is not None
            else f"${request.notional:,.2f}"
        )  # fmt: skip
        how = f"limit {request.limit_price}" if request.limit_price is not None else "market"
        return f"{request.side.value.upper()} {amount} of {request.symbol} ({how})"

    def _on_sent(self, order: Order) -> None:
        self.sent.append(order)
        self.orderSent.emit(order)
        if order.status is OrderStatus.DENIED:
            self._result(f"Denied: {order.reason}", theme.colors().loss)
        elif order.status is OrderStatus.REJECTED:
            self._result(f"Rejected by the broker: {order.reason}", theme.colors().loss)
        else:
            self._result(f"Sent: {self._describe(order.request)}", theme.colors().gain)

    def _result(self, text: str, color: str | None) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(f"color: {color};" if color else "")
