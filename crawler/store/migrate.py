"""Forward-only, checksummed migrations (sql/migrations, installed as crawler/sql), applied under an advisory lock."""

from __future__ import annotations

import hashlib
import logging
from importlib.resources.abc import Traversable

import psycopg

from crawler.errors import MediamonError
from crawler.store import sqlfiles

log = logging.getLogger(__name__)

# Arbitrary constant: the advisory-lock key every mediamon process uses for migrations.
MIGRATION_LOCK = 0x6D6D_0001

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(MediamonError):
    """A migration failed or an applied migration file was edited."""


def checksum(sql: str) -> str:
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def _up_to_date(conn: psycopg.Connection, pending: list[tuple[int, str, str]]) -> bool:
    """Every migration file is applied, unchanged (read without the lock; a miss falls back to the locked path)."""
    if conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,):
        return False
    done = {v: c for v, c in conn.execute("SELECT version, checksum FROM schema_migrations")}
    return all(done.get(version) == checksum(sql) for version, _name, sql in pending)


def migrate(conn: psycopg.Connection, folder: Traversable | None = None) -> list[int]:
    """Apply pending migrations; return the versions applied. Safe to run twice and concurrently.

    `folder` holds the NNNN_name.sql files (default: the installed ones); finding none is an error.
    """
    pending = sqlfiles.migrations(folder)
    if not conn.autocommit:
        conn.commit()
    conn.autocommit = True
    applied_now: list[int] = []
    if _up_to_date(conn, pending):
        # The common case (every crawl migrates first) takes no lock: an advisory lock can be taken by any
        # role, so a session holding this key (the read-only analyst role included) would otherwise
        # block every crawl. Only a real schema change waits for the lock.
        return applied_now
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        conn.execute(_BOOKKEEPING)
        done = {v: c for v, c in conn.execute("SELECT version, checksum FROM schema_migrations")}
        for version, name, sql in pending:
            digest = checksum(sql)
            if version in done:
                if done[version] != digest:
                    raise MigrationError(
                        f"migration {version:04d}_{name}.sql was changed after it was applied; "
                        "add a new migration instead"
                    )
                continue
            log.info("applying migration", extra={"version": version, "migration": name})
            try:
                with conn.transaction():
                    conn.execute(sql)  # no parameters: simple protocol, many statements in one call
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (version, name, digest),
                    )
            except psycopg.Error as exc:
                raise MigrationError(f"migration {version:04d}_{name}.sql failed: {exc}") from exc
            applied_now.append(version)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
    return applied_now
