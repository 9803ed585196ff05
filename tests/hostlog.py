"""A loopback HTTP host for politeness and bad-page tests: fixed routes and its own request log.

Each request is logged with the server's monotonic clock when its request line has been read, so
gaps between requests are measured by the server, not by the crawler under test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Answer:
    """One response. `content_length=False` sends no Content-Length and closes the connection after."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)
    content_length: bool = True
    delay: float = 0.0  # seconds the server takes before answering


Route = Answer | Callable[[int], Answer]  # a callable gets the 1-based count of requests to its path


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: str, routes: dict[str, Route]) -> None:
        super().__init__((address, 0), _Handler)
        self.routes = routes
        self.log: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # most requests being answered at once


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        arrived = time.monotonic()
        with self.server.lock:
            self.server.log.append((arrived, self.path))
            count = sum(1 for _, p in self.server.log if p == self.path)
            self.server.in_flight += 1
            self.server.max_in_flight = max(self.server.max_in_flight, self.server.in_flight)
        try:
            self._answer(count)
        finally:
            with self.server.lock:
                self.server.in_flight -= 1

    def _answer(self, count: int) -> None:
        route = self.server.routes.get(self.path)
        if route is None:
            answer = Answer(404, b"not found", (("Content-Type", "text/plain"),))
        else:
            answer = route(count) if callable(route) else route
        if answer.delay:
            time.sleep(answer.delay)
        head = [f"HTTP/1.1 {answer.status} X"] + [f"{k}: {v}" for k, v in answer.headers]
        if answer.content_length:
            head.append(f"Content-Length: {len(answer.body)}")
        else:
            head.append("Connection: close")
            self.close_connection = True
        try:
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + answer.body)
        except (BrokenPipeError, ConnectionResetError):  # the crawler gave up on it (e.g. over its size cap)
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        pass


class Host:
    """A running loopback host (127.0.0.x on an ephemeral port) with its routes and request log."""

    def __init__(self, routes: dict[str, Route], address: str = "127.0.0.1") -> None:
        self._server = _Server(address, routes)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.base = f"http://{host}:{port}"
        self.routes = routes  # served live: a route added later is answered

    def log(self) -> list[tuple[float, str]]:
        """(server monotonic time, request target) of every request so far, in arrival order."""
        with self._server.lock:
            return list(self._server.log)

    def clear(self) -> None:
        with self._server.lock:
            self._server.log.clear()
            self._server.max_in_flight = 0

    @property
    def max_in_flight(self) -> int:
        """The most requests this host was answering at the same time since the last clear()."""
        with self._server.lock:
            return self._server.max_in_flight

    def requested(self, path: str) -> int:
        return sum(1 for _, p in self.log() if p == path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Host:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def gaps(log: list[tuple[float, str]]) -> list[float]:
    """Seconds between consecutive requests of a log."""
    times = [t for t, _ in log]
    return [b - a for a, b in zip(times, times[1:], strict=False)]
