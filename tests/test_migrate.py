"""Migrations: from empty, idempotent, concurrent-safe, checksummed."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from crawler.store import migrate, sqlfiles


def test_template_has_every_migration(conn: psycopg.Connection) -> None:
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [v for v, _, _ in sqlfiles.migrations()]


def test_running_twice_applies_nothing(conn: psycopg.Connection) -> None:
    assert migrate.migrate(conn) == []


def test_concurrent_runs_apply_each_migration_once(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    results: list[list[int]] = []

    def worker() -> None:
        with psycopg.connect(db_url) as c:
            results.append(migrate.migrate(c))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    applied = sorted(v for r in results for v in r)
    assert applied == [v for v, _, _ in sqlfiles.migrations()]


def test_edited_migration_is_refused(conn: psycopg.Connection) -> None:
    conn.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
    conn.commit()
    with pytest.raises(migrate.MigrationError, match="changed after it was applied"):
        migrate.migrate(conn)


def test_no_migration_files_is_an_error(conn: psycopg.Connection, tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("not a migration", encoding="utf-8")
    with pytest.raises(sqlfiles.SqlFilesError, match="no migration files"):
        migrate.migrate(conn, tmp_path)


def test_migration_files_come_from_the_package() -> None:
    folder = sqlfiles.root() / "migrations"
    assert folder.is_dir()
    assert sqlfiles.migrations()[0][:2] == (1, "init")


def test_edited_migration_is_one_clean_line_from_the_cli(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
    done = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "migrate"], env={**os.environ, "DATABASE_URL": db_url},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "mediamon: migration 0001_init.sql was changed after it was applied; add a new migration instead"
    ]


def test_a_reader_holding_the_migration_lock_does_not_block_an_up_to_date_migrate(db_url: str) -> None:
    # Every crawl migrates first; the read-only role can take any advisory lock, so the up-to-date check
    # must not wait for it. lock_timeout makes a regression fail fast instead of hanging the test.
    with psycopg.connect(db_url, autocommit=True) as reader, psycopg.connect(db_url) as crawler:
        reader.execute("SET ROLE mediamon_reader")
        reader.execute("SELECT pg_advisory_lock(%s)", (migrate.MIGRATION_LOCK,))
        crawler.execute("SET lock_timeout = '2s'")
        assert migrate.migrate(crawler) == []
