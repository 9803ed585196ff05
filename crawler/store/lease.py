"""Leases: a named claim that one process holds for a bounded time and renews while it works.

The job lock of a crawl is the lease ``job:<name>`` (`job_lease`). Unlike a session advisory lock it
lives in a row (table ``leases``), so it survives the connection that took it being cut, and the
read-only role cannot take it. The contract, which the scale-out queue reuses:

- `acquire(conn, name, seconds)` returns a `Lease` or None when another live holder has it. A lease
  whose holder ran on this host under a pid that no longer exists is taken over at once; otherwise a
  holding ends only by `release` or by expiring.
- `renew(conn, lease)` moves the expiry forward; False means the lease is no longer ours.
- `Keeper` renews from a thread (every third of the lease, on its own connections, with the watchdog
  on every call). `Keeper.expired` turns true a sixth of the lease *before* the database would let
  another process take it, measured on the local monotonic clock from the start of the last
  successful renewal: the holder stops its work then, so two holders never work at once.
- `release(conn, lease)` deletes it (only with the right token). A holder that cannot release (the
  database is gone) just lets it expire.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

import psycopg

from crawler.store import db, sqlfiles

log = logging.getLogger(__name__)


def _q(name: str) -> str:
    return sqlfiles.load_queries("lease")[name]


@dataclass(frozen=True)
class Lease:
    name: str
    token: uuid.UUID
    seconds: float


def job_lease(job: str) -> str:
    """The lease name that keeps two runs of one job apart."""
    return f"job:{job}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


def _dead_holder(conn: psycopg.Connection, name: str) -> uuid.UUID | None:
    """The token of the current holding when its process is provably gone (same host, pid gone)."""
    row = conn.execute(_q("holder"), {"name": name}).fetchone()
    if row is None:
        return None
    token, host, pid, _expired = row
    if host == socket.gethostname() and pid != os.getpid() and not _pid_alive(pid):
        return uuid.UUID(str(token))
    return None


def acquire(conn: psycopg.Connection, name: str, seconds: float) -> Lease | None:
    """Take the lease for `seconds` if it is free (absent, expired or held by a dead local process)."""
    token = uuid.uuid4()
    params = {"name": name, "token": token, "host": socket.gethostname(), "pid": os.getpid(), "seconds": seconds}
    with conn.transaction():
        row = conn.execute(_q("acquire"), {**params, "steal": None}).fetchone()
        if row is None:
            dead = _dead_holder(conn, name)
            if dead is not None:
                row = conn.execute(_q("acquire"), {**params, "steal": dead}).fetchone()
    return Lease(name, token, seconds) if row is not None else None


def is_free(conn: psycopg.Connection, name: str) -> bool:
    """Whether `acquire` would succeed now (absent, expired or held by a dead local process)."""
    row = conn.execute(_q("holder"), {"name": name}).fetchone()
    if not conn.autocommit:
        conn.commit()
    if row is None or row[3]:
        return True
    return _dead_holder(conn, name) is not None


def renew(conn: psycopg.Connection, lease: Lease) -> bool:
    with conn.transaction():
        row = conn.execute(_q("renew"), {"name": lease.name, "token": lease.token, "seconds": lease.seconds}).fetchone()
    return row is not None


def release(conn: psycopg.Connection, lease: Lease) -> None:
    with conn.transaction():
        conn.execute(_q("release"), {"name": lease.name, "token": lease.token})


#: pause between renewal attempts after a failed one (s)
RETRY_SECONDS = 1.0


class Keeper:
    """Renews a lease from a daemon thread until `stop`; see the module docstring for `expired`."""

    def __init__(self, url: str, lease: Lease, *, acquired_at: float) -> None:
        self.url, self.lease = url, lease
        self.every = lease.seconds / 3
        self._safe_until = acquired_at + lease.seconds - lease.seconds / 6
        self._lost = threading.Event()  # renew answered "not yours"
        self._stop = threading.Event()
        self._conn: psycopg.Connection | None = None
        # an attempt must end well inside one renewal period, whatever the network does
        self._timeouts = db.Timeouts(connect=max(1.0, self.every / 2), statement=max(1.0, self.every / 2))
        self._thread = threading.Thread(target=self._run, name=f"lease-{lease.name}", daemon=True)

    @property
    def expired(self) -> bool:
        """The holder must stop now: the lease could not be renewed in time, or was taken over."""
        return self._lost.is_set() or time.monotonic() >= self._safe_until

    def start(self) -> Keeper:
        self._thread.start()
        return self

    def _run(self) -> None:
        wait = self.every
        while not self._stop.wait(wait):
            started = time.monotonic()
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = db.connect(self.url, autocommit=True, timeouts=self._timeouts)
                with db.watchdog(self._conn, self._timeouts.statement):
                    ours = renew(self._conn, self.lease)
            except (psycopg.Error, db.DatabaseUnavailable, db.DatabaseConfigError) as exc:
                self._close()
                log.warning("lease not renewed", extra={"lease": self.lease.name, "error": str(exc).strip()})
                wait = min(self.every, RETRY_SECONDS)  # try again soon: the lease is running out
                continue
            wait = self.every
            if not ours:
                log.error("lease taken over", extra={"lease": self.lease.name})
                self._lost.set()
                return
            self._safe_until = started + self.lease.seconds - self.lease.seconds / 6

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None

    def stop(self, *, release_it: bool = True) -> None:
        """Stop renewing and release the lease (best effort: a lost database lets it expire instead)."""
        self._stop.set()
        self._thread.join()
        try:
            if release_it and not self._lost.is_set():
                conn = self._conn if self._conn is not None and not self._conn.closed else db.connect(
                    self.url, autocommit=True, timeouts=self._timeouts)
                self._conn = conn
                with db.watchdog(conn, self._timeouts.statement):
                    release(conn, self.lease)
        except (psycopg.Error, db.DatabaseUnavailable) as exc:
            log.warning("lease not released; it expires by itself",
                        extra={"lease": self.lease.name, "seconds": self.lease.seconds, "error": str(exc).strip()})
        finally:
            self._close()
