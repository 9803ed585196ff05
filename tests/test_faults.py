"""Faults during a crawl: database connections cut mid-run lose nothing and write nothing twice."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from crawler import config, fixturesite, outcomes
from crawler.run import crawl

PAGES = 60  # paced below: the run lasts ~10 s, the first batch is stored after ~2 s


@pytest.fixture(scope="module")
def sites() -> Iterator[fixturesite.Sites]:
    with fixturesite.start_sites(extra_articles=PAGES, slow_seconds=1.0) as s:
        yield s


def _paced_job(sites: fixturesite.Sites, directory: Path) -> Path:
    """The benchmark job, paced (one request at a time, 0.1 s apart) so the run is surely still going
    when the fault is injected: ~15 s for the pages instead of ~2 s."""
    text = fixturesite.bench_job_toml(sites)
    paced = re.sub(r"(?m)^concurrency_per_host = .*$", "concurrency_per_host = 1", text)
    paced = re.sub(r"(?m)^delay_seconds = .*$", "delay_seconds = 0.1", paced)
    assert "concurrency_per_host = 1\n" in paced and "delay_seconds = 0.1\n" in paced
    path = directory / "paced.toml"
    path.write_text(paced, encoding="utf-8")
    return path


def _dbname(db_url: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(db_url)["dbname"])


def _cut_crawler_connections(admin_url: str, db_url: str) -> int:
    """Terminate every mediamon connection to the test database, as a database restart would."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = 'mediamon'",
            (_dbname(db_url),),
        ).fetchall()
    return len(rows)


def _fetched(db_url: str) -> int:
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT (counters->>'fetched')::int FROM crawl_runs WHERE status = 'running'").fetchone()
    return int(row[0]) if row and row[0] else 0


def test_connections_cut_mid_run_lose_nothing(
    sites: fixturesite.Sites, db_url: str, pg_server_url: str, tmp_path: Path
) -> None:
    job = _paced_job(sites, tmp_path)
    result: dict[str, crawl.RunSummary] = {}
    runner = threading.Thread(
        target=lambda: result.setdefault("run", crawl.run_job(job, config.Settings(workers=2), db_url=db_url))
    )
    runner.start()
    cuts = 0
    deadline = time.monotonic() + 120
    while runner.is_alive() and _fetched(db_url) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    for _ in range(3):  # cut while batches are being written
        cuts += _cut_crawler_connections(pg_server_url, db_url)
        time.sleep(0.4)
    runner.join(timeout=180)
    assert not runner.is_alive()
    assert cuts > 0, "the crawl finished before any connection could be cut"
    summary = result["run"]
    assert summary.status == "succeeded", summary.message
    with psycopg.connect(db_url) as conn:
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        incomplete = conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_urls u WHERE u.article_id = a.id)"
            " OR NOT EXISTS (SELECT 1 FROM crawl_seen s WHERE s.article_id = a.id)"
        ).fetchone()[0]
    assert stored == PAGES  # every page stored exactly once (unique keys make a second copy impossible)
    assert incomplete == 0  # no article without its aliases and its seen-marks
    assert summary.counters.get(outcomes.STORED) == PAGES
    assert summary.counters.get(outcomes.ERROR_DB, 0) == 0


def _allow_connections(admin_url: str, db_url: str, allow: bool) -> None:
    name = _dbname(db_url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(
            psycopg.sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                psycopg.sql.Identifier(name), psycopg.sql.SQL("true" if allow else "false")
            )
        )


def test_database_down_for_good_stops_the_run_without_half_written_rows(
    sites: fixturesite.Sites, db_url: str, pg_server_url: str, tmp_path: Path
) -> None:
    from crawler.service import staleruns
    from crawler.store import db

    job = _paced_job(sites, tmp_path)
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["summary"] = crawl.run_job(job, config.Settings(workers=2), db_url=db_url)
        except db.DatabaseUnavailable as exc:
            outcome["error"] = exc

    runner = threading.Thread(target=run)
    runner.start()
    deadline = time.monotonic() + 120
    while runner.is_alive() and _fetched(db_url) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    _allow_connections(pg_server_url, db_url, False)
    try:
        _cut_crawler_connections(pg_server_url, db_url)
        runner.join(timeout=180)  # retries with backoff, then gives up: bounded, never hangs
        assert not runner.is_alive()
    finally:
        _allow_connections(pg_server_url, db_url, True)
    # the run could not close its own row while the database was gone: a clear error, not a hang
    assert isinstance(outcome.get("error"), db.DatabaseUnavailable), outcome
    with psycopg.connect(db_url) as conn:
        incomplete = conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_urls u WHERE u.article_id = a.id)"
            " OR NOT EXISTS (SELECT 1 FROM crawl_seen s WHERE s.article_id = a.id)"
        ).fetchone()[0]
        seen_without_article = conn.execute(
            "SELECT count(*) FROM crawl_seen WHERE outcome = %s AND article_id IS NULL", (outcomes.STORED,)
        ).fetchone()[0]
    assert incomplete == 0  # whole batches or nothing
    assert seen_without_article == 0  # a page is marked done only together with its article
    # the next service start finds the orphaned 'running' row and closes it
    assert len(staleruns.recover_stale(db_url)) == 1
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT status FROM crawl_runs").fetchall() == [("failed",)]
