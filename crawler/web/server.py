"""uvicorn for `mediamon web`, returning normally on SIGTERM/SIGINT so that exit handlers run."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette


class Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, which ends the process before
    atexit handlers run and would leave the embedded PostgreSQL running; this one just returns."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve(app: Starlette, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then return after a graceful shutdown."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False)
    Server(config).run()
