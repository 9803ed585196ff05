"""Real receivers for alert tests: an SMTP server (aiosmtpd) and an HTTP webhook receiver, on loopback."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 requiring AUTH LOGIN/PLAIN with one user (no TLS: loopback only)."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.inbox = _Inbox()
        self.port = free_port()
        self.logins: list[str] = []

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
            self.logins.append("ok" if ok else "refused")
            return AuthResult(success=ok)

        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, authenticator=authenticate,
                                     auth_required=True, auth_require_tls=False)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self.inbox.lock:
            return list(self.inbox.messages)

    def url(self, to: str = "desk@example.org", password_var: str = "SMTP_PASSWORD") -> str:
        """The apprise URL, with the password as an environment reference."""
        return (f"mailto://{self.user}:${{{password_var}}}@127.0.0.1:{self.port}"
                f"?from=mediamon@example.org&to={to}&mode=insecure")


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class _State:
    mode: str = "ok"  # "ok" | "error" (answers 500)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Hook(BaseHTTPRequestHandler):
    server: _HookServer

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        state = self.server.state
        if state.mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        with state.lock:
            state.received.append(Received(body, {k.lower(): v for k, v in self.headers.items()}))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _HookServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, state: _State) -> None:
        super().__init__(("127.0.0.1", port), _Hook)
        self.state = state


class WebhookReceiver:
    """An HTTP receiver that can be down (connection refused), failing (500) or up, on one fixed port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.state = _State()
        self._server: _HookServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self, mode: str = "ok") -> None:
        self.state.mode = mode
        if self._server is None:
            self._server = _HookServer(self.port, self.state)
            threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def received(self) -> list[Received]:
        with self.state.lock:
            return list(self.state.received)

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()
