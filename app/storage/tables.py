"""The tables of Sherwood's database, as Peewee models.

Models are bound to a database at run time by :func:`app.storage.db.open_database`;
nothing here opens anything. Money, prices and quantities are exact Decimal
text; times are UTC ISO text; New York trade dates are ISO dates.
"""

from __future__ import annotations

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    IntegerField,
    Model,
    TextField,
)

from app.storage.fields import DecimalText, UtcDateTime


class BaseTable(Model):
    class Meta:
        legacy_table_names = False


class SchemaVersion(BaseTable):
    version = IntegerField()


class SettingRow(BaseTable):
    """A setting saved from the settings dialog, by its environment name."""

    name = CharField(primary_key=True)
    value = TextField()


class StateRow(BaseTable):
    """Small named state that must survive a restart (trading state, locks)."""

    key = CharField(primary_key=True)
    value = TextField()
    updated_at = UtcDateTime()


class OrderRow(BaseTable):
    """The order journal: written before the broker sees the order."""

    id = AutoField()
    client_order_id = CharField(unique=True)
    broker_order_id = CharField(null=True, index=True)
    symbol = CharField(index=True)
    side = CharField()
    order_type = CharField()
    quantity = DecimalText(null=True)  # requested shares (None for dollar orders until known)
    notional = DecimalText(null=True)  # requested dollars
    limit_price = DecimalText(null=True)
    time_in_force = CharField()
    extended_hours = BooleanField(default=False)
    source = CharField()
    status = CharField(index=True)
    filled_quantity = DecimalText(default="0")
    average_fill_price = DecimalText(null=True)
    reason = TextField(default="")
    created_at = UtcDateTime()
    updated_at = UtcDateTime(null=True)


class FillRow(BaseTable):
    id = AutoField()
    execution_id = CharField(unique=True)
    client_order_id = CharField(index=True)
    symbol = CharField(index=True)
    side = CharField()
    quantity = DecimalText()
    price = DecimalText()
    fee = DecimalText(default="0")
    time = UtcDateTime()
    trade_date = CharField(index=True)  # New York trade date (ISO)
    settlement_date = CharField(null=True)
    applied = BooleanField(default=False)  # folded into the portfolio


class PositionRow(BaseTable):
    symbol = CharField(primary_key=True)
    quantity = DecimalText()
    average_cost = DecimalText()
    realized_pnl = DecimalText(default="0")
    opened_at = UtcDateTime(null=True)
    updated_at = UtcDateTime()


class TransactionRow(BaseTable):
    """One line of the account history per fill (the original's transactions)."""

    id = AutoField()
    execution_id = CharField(unique=True)
    client_order_id = CharField(index=True)
    time = UtcDateTime(index=True)
    symbol = CharField(index=True)
    side = CharField()
    quantity = DecimalText()
    price = DecimalText()
    amount = DecimalText()  # cost of a buy or proceeds of a sell
    realized_pnl = DecimalText(null=True)
    realized_pnl_pct = DecimalText(null=True)


class DayTradeRow(BaseTable):
    id = AutoField()
    symbol = CharField(index=True)
    trade_date = CharField(index=True)
    sequence = IntegerField()  # nth day trade of this symbol on that date
    quantity = DecimalText()
    buy_price = DecimalText(null=True)
    sell_price = DecimalText(null=True)
    pnl = DecimalText(null=True)
    closing_execution_id = CharField(unique=True)
    recorded_at = UtcDateTime()

    class Meta:
        indexes = ((("symbol", "trade_date", "sequence"), True),)


class BarRow(BaseTable):
    id = AutoField()
    symbol = CharField()
    interval = CharField()
    start = UtcDateTime()
    open = DecimalText()
    high = DecimalText()
    low = DecimalText()
    close = DecimalText()
    volume = IntegerField()

    class Meta:
        indexes = ((("symbol", "interval", "start"), True),)


class AuditRow(BaseTable):
    """The audit trail: signal -> decision -> order -> fill, with reasons."""

    id = AutoField()
    time = UtcDateTime(index=True)
    kind = CharField(index=True)  # signal | decision | order | fill | denial | state | cancel
    symbol = CharField(null=True, index=True)
    client_order_id = CharField(null=True, index=True)
    outcome = CharField(default="")
    reason = TextField(default="")
    detail = TextField(default="{}")  # JSON


class EquitySnapshotRow(BaseTable):
    id = AutoField()
    time = UtcDateTime(index=True)
    equity = DecimalText()
    cash = DecimalText()
    positions_value = DecimalText()
    realized_pnl = DecimalText()
    unrealized_pnl = DecimalText()


class PaperAccountRow(BaseTable):
    """The paper broker's account (one row)."""

    id = AutoField()
    account_type = CharField()
    cash = DecimalText()  # all cash, settled or not
    starting_cash = DecimalText()
    created_at = UtcDateTime()


class PaperCashRow(BaseTable):
    """Sale proceeds waiting to settle in a paper cash account."""

    id = AutoField()
    execution_id = CharField(unique=True)
    amount = DecimalText()
    settlement_date = CharField(index=True)


class PaperOrderRow(BaseTable):
    """The paper broker's own view of an order (what a real broker would hold)."""

    id = AutoField()
    client_order_id = CharField(unique=True)
    broker_order_id = CharField(unique=True)
    symbol = CharField(index=True)
    side = CharField()
    order_type = CharField()
    quantity = DecimalText(null=True)
    notional = DecimalText(null=True)
    limit_price = DecimalText(null=True)
    time_in_force = CharField()
    extended_hours = BooleanField(default=False)
    status = CharField(index=True)
    filled_quantity = DecimalText(default="0")
    average_fill_price = DecimalText(null=True)
    reason = TextField(default="")
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class PaperFillRow(BaseTable):
    id = AutoField()
    execution_id = CharField(unique=True)
    client_order_id = CharField(index=True)
    symbol = CharField()
    side = CharField()
    quantity = DecimalText()
    price = DecimalText()
    time = UtcDateTime()


class PaperPositionRow(BaseTable):
    symbol = CharField(primary_key=True)
    quantity = DecimalText()
    average_cost = DecimalText()


ALL_TABLES: list[type[BaseTable]] = [
    SchemaVersion,
    SettingRow,
    StateRow,
    OrderRow,
    FillRow,
    PositionRow,
    TransactionRow,
    DayTradeRow,
    BarRow,
    AuditRow,
    EquitySnapshotRow,
    PaperAccountRow,
    PaperCashRow,
    PaperOrderRow,
    PaperFillRow,
    PaperPositionRow,
]
