"""A real TCP proxy on 127.0.0.1 that can cut, reset or hang the connections it carries.

Put between mediamon and PostgreSQL by the fault tests (tests/test_faults.py):

- `cut()`: reset every carried connection and refuse (reset) new ones until `restore()`;
- `reset()`: reset every carried connection once; new ones are carried normally;
- `hang()`: stop forwarding, both ways, on every connection, old and new, without closing anything
  (a black-hole: the client's TCP stack sees a live peer, nothing answers) until `restore()`.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from types import TracebackType


def _rst(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed peer or a firewall would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class Proxy:
    def __init__(self, target: tuple[str, int] | str) -> None:
        """`target`: (host, port), or the path of a Unix socket (PostgreSQL's ``.s.PGSQL.<port>``)."""
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mode = "pass"  # pass | cut | hang
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.accepted = 0
        threading.Thread(target=self._accept, name="faultproxy", daemon=True).start()

    # -- control

    def cut(self) -> None:
        self.mode = "cut"
        self._reset_all()

    def reset(self) -> None:
        self._reset_all()

    def hang(self) -> None:
        self.mode = "hang"

    def restore(self) -> None:
        self.mode = "pass"

    def _reset_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for a, b in pairs:
            _rst(a)
            _rst(b)

    def close(self) -> None:
        self._stopped.set()
        self.listener.close()
        self._reset_all()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- plumbing

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.mode == "cut":
                _rst(client)
                continue
            try:
                if isinstance(self.target, str):
                    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    server.connect(self.target)
                else:
                    server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _rst(client)
                continue
            pair = (client, server)
            with self._lock:
                self._pairs.add(pair)
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        client, server = pair
        peer = {client: server, server: client}
        try:
            while not self._stopped.is_set():
                with self._lock:
                    if pair not in self._pairs:
                        return
                if self.mode == "hang":  # read nothing: data waits in the kernel buffers
                    self._stopped.wait(0.05)
                    continue
                ready, _, _ = select.select([client, server], [], [], 0.1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        raise OSError("closed")
                    peer[sock].sendall(data)
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._pairs.discard(pair)
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()
