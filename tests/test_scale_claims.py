"""URL claims and queue figures on a real PostgreSQL (migration 0014 and procrastinate's schema)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from crawler.scale import claims, observe, queue

URLS = ["http://127.0.0.11/a", "http://127.0.0.11/b"]


@pytest.fixture
def conn(db_url: str):  # type: ignore[no-untyped-def]
    with psycopg.connect(db_url) as c:
        yield c


def test_a_free_url_is_claimed(conn: psycopg.Connection) -> None:
    assert claims.claim(conn, "job@h", "w:1", URLS) == set(URLS)


def test_a_url_claimed_by_another_task_is_not_given(conn: psycopg.Connection) -> None:
    claims.claim(conn, "job@h", "w:1", URLS[:1])
    assert claims.claim(conn, "other@h", "w:2", URLS) == {URLS[1]}


def test_the_same_task_takes_its_claims_back_after_a_crash(conn: psycopg.Connection) -> None:
    claims.claim(conn, "job@h", "w:dead", URLS)
    assert claims.claim(conn, "job@h", "w:retry", URLS) == set(URLS)
    workers = {r[0] for r in conn.execute("SELECT worker FROM url_claims")}
    assert workers == {"w:retry"}


def test_an_expired_claim_is_taken_over(conn: psycopg.Connection) -> None:
    claims.claim(conn, "job@h", "w:dead", URLS, ttl=0.0)
    assert claims.claim(conn, "other@h", "w:2", URLS) == set(URLS)


def test_release_frees_only_that_tasks_claims(conn: psycopg.Connection) -> None:
    claims.claim(conn, "job@h", "w:1", URLS[:1])
    claims.claim(conn, "other@h", "w:2", URLS[1:])
    assert claims.release(conn, "job@h") == 1
    assert claims.claim(conn, "third@h", "w:3", URLS) == {URLS[0]}


def test_a_database_without_a_queue_has_no_queue_figures(conn: psycopg.Connection) -> None:
    assert observe.figures(conn) is None


def test_queue_figures_count_waiting_tasks_and_one_per_job_and_host(db_url: str) -> None:
    queue.ensure_schema(db_url)
    app = queue.make_app(db_url)
    with app.open():
        task = queue.HostTask("farm", "127.0.0.11", 'name = "farm"')
        assert queue.defer(app, task) is not None
        assert queue.defer(app, task) is None  # queueing_lock: the same job@host is already waiting
        assert queue.defer(app, queue.HostTask("farm", "127.0.0.12", "")) is not None
    with psycopg.connect(db_url) as c:
        fig = observe.figures(c)
    assert fig is not None
    assert fig.depth == {queue.TASK: 2}


def _one_waiting_task(db_url: str) -> None:
    queue.ensure_schema(db_url)
    app = queue.make_app(db_url)
    with app.open():
        queue.defer(app, queue.HostTask("farm", "127.0.0.11", 'name = "farm"'))


def test_metrics_show_queue_depth_and_host_lock_figures(db_url: str) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    _one_waiting_task(db_url)
    registry = CollectorRegistry()
    registry.register(observe.QueueCollector(db_url))
    text = generate_latest(registry).decode()
    assert 'mediamon_queue_depth{task="crawl_host"} 1.0' in text
    for name in ("mediamon_tasks_running", "mediamon_tasks_retried_total", "mediamon_tasks_stalled_total",
                 "mediamon_host_lock_waiting"):
        assert name in text


def test_status_prints_the_queue_table(db_url: str, tmp_path: Path) -> None:
    _one_waiting_task(db_url)
    job = 'name = "farm"\n[[topics]]\nname = "t"\n[topics.terms]\nen = ["x"]\n'
    job += '[[sources]]\nname = "s"\nkind = "feed"\nurl = "http://127.0.0.11/f.xml"\n'
    (tmp_path / "farm.toml").write_text(job, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": db_url}
    done = subprocess.run([sys.executable, "-m", "crawler.cli", "status", str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "task queue" in done.stdout
    assert "host lock waits" in done.stdout
    line = next(ln for ln in done.stdout.splitlines() if "waiting" in ln and "crawl_host=1" in ln)
    assert line
