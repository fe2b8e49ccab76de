"""The HTTP side of the fake Robinhood: a real server on 127.0.0.1, routes, scripted faults.

Routes are registered per module (``auth``, ``account``, ``market``, ``orders``)
with :meth:`Router.route`; a handler takes a :class:`Request` and returns
``(status, json)``. Faults are queued per method and path and played on the
next matching request: an error status with a body, a delay before the
answer, or a dropped connection (closed without a byte).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, Any]
Handler = Callable[["Request"], Answer]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    headers: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        return value.split(" ", 1)[1] if value.lower().startswith("bearer ") else None


@dataclass
class Fault:
    method: str
    path: str  # a regular expression matched against the whole path
    status: int = 503
    body: Any = None
    delay: float = 0.0  # seconds before answering (the handler still runs after it)
    drop: bool = False  # close the connection without answering
    after_handler: bool = False  # with drop or delay: run the handler first (the action happened)
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)  # sent with the fault's answer


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        compiled = re.compile(pattern.rstrip("/") + "/?$")

        def register(handler: Handler) -> Handler:
            self._routes.append((method, compiled, handler))
            return handler

        return register

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self.route(method, pattern)(handler)

    def find(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for verb, pattern, handler in self._routes:
            match = pattern.match(path)
            if verb == method and match:
                return handler, match.groupdict()
        return None


class HttpServer:
    """Serves ``router`` on 127.0.0.1 (an ephemeral port) in a daemon thread."""

    def __init__(self, router: Router, lock: threading.RLock) -> None:
        self.router = router
        self.lock = lock
        self.faults: list[Fault] = []
        self.log: list[Request] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _serve(self) -> None:
                outer.handle(self)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and re.fullmatch(fault.path, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def handle(self, http: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        body: dict[str, Any] = {}
        if raw:
            if "json" in (http.headers.get("Content-Type") or ""):
                body = json.loads(raw)
            else:
                body = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        request = Request(
            http.command, parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()},
            body, {k.lower(): v for k, v in http.headers.items()},
        )  # fmt: skip
        with self.lock:
            self.log.append(request)
        fault = self._take_fault(request.method, request.path)
        if fault is not None and fault.delay and not fault.after_handler:
            time.sleep(fault.delay)
        if fault is not None and fault.drop:
            if fault.after_handler:
                self._answer(request)
            http.close_connection = True
            http.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.status:
            status, data = fault.status, fault.body if fault.body is not None else {}
        else:
            status, data = self._answer(request)
            if fault is not None and fault.delay and fault.after_handler:
                time.sleep(fault.delay)  # the action happened; the answer comes late
        payload = json.dumps(data).encode()
        try:
            http.send_response(status)
            http.send_header("Content-Type", "application/json")
            http.send_header("Content-Length", str(len(payload)))
            extra = fault.headers if fault is not None and fault.status else {}
            for name, value in extra.items():
                http.send_header(name, value)
            http.end_headers()
            http.wfile.write(payload)
        except OSError:  # the client gave up (timed out) before the answer
            http.close_connection = True

    def _answer(self, request: Request) -> Answer:
        found = self.router.find(request.method, request.path)
        if found is None:
            return 404, {"detail": "Not found."}
        handler, request.params = found
        with self.lock:
            return handler(request)
