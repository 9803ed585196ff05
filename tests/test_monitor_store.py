"""Monitoring state in PostgreSQL with an injected clock: which sources are due, which articles to revisit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from crawler.fetch import conditional, docstate, polling
from crawler.jobs import jobs
from crawler.store import monitor, store

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
BOUNDS = polling.Bounds()


def _job(adaptive: bool, *, revisit: Any = None) -> jobs.Job:
    monitor_settings: dict[str, Any] = {"adaptive": adaptive}
    if revisit is not None:
        monitor_settings["revisit"] = revisit
    return jobs.Job.model_validate({
        "name": "watch",
        "monitor": monitor_settings,
        "topics": [{"name": "cuba", "terms": {"any": ["Cuba"]}}],
        "sources": [
            {"name": "busy", "kind": "feed", "url": "https://e.com/busy.rss"},
            {"name": "quiet", "kind": "feed", "url": "https://e.com/quiet.rss"},
            {"name": "home", "kind": "site", "url": "https://f.com/"},
        ],
    })


def _poll(conn: psycopg.Connection, doc_id: int, state: polling.PollState) -> None:
    monitor.record_poll(conn, doc_id, docstate.Poll(conditional.Validators(), None, True, state, "ok"))


def _setup(conn: psycopg.Connection, job: jobs.Job) -> dict[str, Any]:
    ids = store.upsert_sources(conn, job.name, job.sources)
    busy = polling.observe(polling.PollState(), now=T0, new_items=0, ok=True, bounds=BOUNDS)
    for i in range(1, 13):  # 12 hours of 4 new items an hour, polled hourly
        busy = polling.observe(busy, now=T0 + i * H, new_items=4, ok=True, bounds=BOUNDS)
    quiet = polling.observe(polling.PollState(), now=T0 + 12 * H, new_items=0, ok=True, bounds=BOUNDS)
    _poll(conn, ids["https://e.com/busy.rss"], busy)
    _poll(conn, ids["https://e.com/quiet.rss"], quiet)
    _poll(conn, ids["https://f.com/"], polling.PollState(last_polled_at=T0, next_poll_at=T0 + timedelta(days=7)))
    return {**ids, "busy": busy, "quiet": quiet}


def _due(conn: psycopg.Connection, job: jobs.Job, now: datetime) -> set[str]:
    return {d.url for d in monitor.due_sources(conn, job, now)}


def test_adaptive_job_polls_only_the_sources_that_are_due(conn: psycopg.Connection) -> None:
    job = _job(adaptive=True)
    state = _setup(conn, job)
    busy, quiet = state["busy"].next_poll_at, state["quiet"].next_poll_at
    assert T0 + 12 * H < busy < quiet
    assert _due(conn, job, busy - timedelta(minutes=1)) == set()
    assert _due(conn, job, busy) == {"https://e.com/busy.rss"}
    assert _due(conn, job, quiet) == {"https://e.com/busy.rss", "https://e.com/quiet.rss"}


def test_without_adaptive_polling_every_run_polls_every_source_but_sites_weekly(conn: psycopg.Connection) -> None:
    job = _job(adaptive=False)
    _setup(conn, job)
    assert _due(conn, job, T0 + 12 * H) == {"https://e.com/busy.rss", "https://e.com/quiet.rss"}
    assert "https://f.com/" in _due(conn, job, T0 + timedelta(days=7))


def test_children_are_due_with_their_declared_source_and_dropped_with_it(conn: psycopg.Connection) -> None:
    job = _job(adaptive=False)
    ids = _setup(conn, job)
    monitor.add_child(conn, job.name, ids["https://f.com/"], "https://f.com/feed.xml", "feed")
    assert "https://f.com/feed.xml" in _due(conn, job, T0 + 12 * H)
    without_site = job.model_copy(update={"sources": job.sources[:2]})
    assert "https://f.com/feed.xml" not in _due(conn, without_site, T0 + 12 * H)


def _seen_article(conn: psycopg.Connection, url: str, first_seen: datetime) -> None:
    row = conn.execute(
        "INSERT INTO articles (canonical_url, host, title, text, content_hash) VALUES (%s, 'e.com', 't', 'x', %s) "
        "RETURNING id", (url, url)).fetchone()
    assert row is not None
    conn.execute("INSERT INTO crawl_seen (job, url, outcome, article_id, first_seen_at) "
                 "VALUES ('watch', %s, 'stored', %s, %s)", (url, row[0], first_seen))
    monitor.record_check(conn, "watch", url, conditional.Validators('"e"', None), None, first_seen)


def _revisits(conn: psycopg.Connection, now: datetime, offsets: tuple[timedelta, ...]) -> list[str]:
    return [p.url for p in monitor.due_revisits(conn, "watch", now, offsets, 100)]


def test_young_articles_are_revisited_on_schedule(conn: psycopg.Connection) -> None:
    offsets = _job(False).monitor.revisit_offsets
    _seen_article(conn, "https://e.com/a", T0)
    assert _revisits(conn, T0 + H / 2, offsets) == []
    assert _revisits(conn, T0 + H, offsets) == ["https://e.com/a"]
    monitor.record_check(conn, "watch", "https://e.com/a", conditional.Validators(), None, T0 + H)
    assert _revisits(conn, T0 + 5 * H, offsets) == []
    assert _revisits(conn, T0 + 6 * H, offsets) == ["https://e.com/a"]
    monitor.record_check(conn, "watch", "https://e.com/a", conditional.Validators(), None, T0 + 30 * H)
    assert _revisits(conn, T0 + 80 * H, offsets) == []  # past its last revisit: no longer young


def test_revisit_keeps_the_stored_validators(conn: psycopg.Connection) -> None:
    _seen_article(conn, "https://e.com/a", T0)
    monitor.record_check(conn, "watch", "https://e.com/a", conditional.Validators(), None, T0)
    [page] = monitor.due_revisits(conn, "watch", T0 + H, (H,), 10)
    assert page.validators.etag == '"e"'


def test_revisits_off(conn: psycopg.Connection) -> None:
    job = _job(False, revisit="off")
    _seen_article(conn, "https://e.com/a", T0)
    assert job.monitor.revisit_offsets == ()
    assert _revisits(conn, T0 + 2 * H, job.monitor.revisit_offsets) == []


def test_status_shows_each_sources_rate_last_change_and_next_poll(
    db_url: str, conn: psycopg.Connection, tmp_path: Any
) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    job = _job(adaptive=True)
    state = _setup(conn, job)
    monitor.set_host_verdict(conn, "e.com", conditional.STALE, "same ETag, new body", "https://e.com/quiet.rss")
    conn.commit()
    from jobfiles import write_job

    write_job(tmp_path, "watch", schedule='interval = "10m"')
    mediamon = str(Path(sys.executable).parent / "mediamon")
    done = subprocess.run([mediamon, "status", str(tmp_path)], env={**os.environ, "DATABASE_URL": db_url},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    [busy] = [line for line in done.stdout.splitlines() if "busy.rss" in line]
    rate = state["busy"].rate_per_hour() * 24
    assert f"{rate:.1f}" in busy and 80 < rate < 110  # ~4 new items an hour
    assert state["busy"].last_new_at.strftime("%Y-%m-%d %H:%M") in busy
    assert state["busy"].next_poll_at.strftime("%Y-%m-%d %H:%M") in busy
    assert "validators stale: hashed" in busy


def test_failed_fetches_are_retried_until_their_first_failure_is_too_old(conn: psycopg.Connection) -> None:
    for url, at in (("https://e.com/timeout", T0), ("https://e.com/done", T0), ("https://e.com/old", T0 - 9 * 24 * H)):
        conn.execute("INSERT INTO crawl_errors (job, url, outcome, detail, at) VALUES ('watch', %s, 'error_timeout', "
                     "'x', %s)", (url, at))
    conn.execute("INSERT INTO crawl_errors (job, url, outcome, detail, at) VALUES "
                 "('watch', 'https://e.com/old', 'error_timeout', 'x', %s)", (T0,))
    conn.execute("INSERT INTO crawl_seen (job, url, outcome) VALUES ('watch', 'https://e.com/done', 'stored')")
    assert monitor.retry_urls(conn, "watch", T0 - 7 * 24 * H, 10) == ["https://e.com/timeout"]


def _held_poll_after_finish(db_url: str, status: str) -> tuple[Any, ...]:
    """A run reads a feed (new ETag, Last-Modified, body hash), then ends with `status`: the feed's row."""
    from crawler.store import writer

    job = _job(adaptive=False)
    with psycopg.connect(db_url) as conn:
        ids = store.upsert_sources(conn, job.name, job.sources)
        run_id = store.start_run(conn, job.name)
    doc_id = ids["https://e.com/busy.rss"]
    state = polling.observe(polling.PollState(), now=T0, new_items=5, ok=True, bounds=BOUNDS)
    dbw = writer.Writer(db_url, job.name, run_id)
    dbw.hold_poll(doc_id, docstate.Poll(conditional.Validators('"v1"', "Mon, 02 Mar 2026 08:00:00 GMT"), "h1",
                                        True, state, "ok"))
    try:
        dbw.finish(status, {}, None)
    finally:
        dbw.close()
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT etag, last_modified, body_hash, last_polled_at FROM sources WHERE id = %s",
                           (doc_id,)).fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.parametrize("status", ["failed", "interrupted"])
def test_a_run_that_did_not_complete_leaves_no_validators_to_skip_by(db_url: str, status: str) -> None:
    assert _held_poll_after_finish(db_url, status) == (None, None, None, None)


@pytest.mark.parametrize("status", ["succeeded", "partial"])
def test_a_completed_run_saves_the_validators_it_read(db_url: str, status: str) -> None:
    assert _held_poll_after_finish(db_url, status) == ('"v1"', "Mon, 02 Mar 2026 08:00:00 GMT", "h1", T0)
