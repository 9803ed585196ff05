"""The leader queues a host task only for hosts with work due (per-source polling decides, with an injected clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from crawler.fetch import conditional, docstate, polling
from crawler.jobs import jobs
from crawler.scale import queue
from crawler.store import monitor, store

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LIMITS: dict[str, Any] = {"revisits": 500, "retries": 200}


def _job(adaptive: bool = True) -> jobs.Job:
    return jobs.Job.model_validate({
        "name": "watch",
        "monitor": {"adaptive": adaptive, "revisit": "off"},
        "topics": [{"name": "cuba", "terms": {"any": ["Cuba"]}}],
        "sources": [
            {"name": "a1", "kind": "feed", "url": "https://a.example/one.rss"},
            {"name": "a2", "kind": "feed", "url": "https://a.example/two.rss"},
            {"name": "b", "kind": "feed", "url": "https://b.example/news.rss"},
            {"name": "c", "kind": "feed", "url": "https://c.example/news.rss"},
        ],
    })


def _polled(conn: psycopg.Connection, doc_id: int, next_at: datetime) -> None:
    state = polling.PollState(last_polled_at=T0 - timedelta(hours=1), next_poll_at=next_at)
    monitor.record_poll(conn, doc_id, docstate.Poll(conditional.Validators(), None, True, state, "ok"))


def _all_polled_until(conn: psycopg.Connection, job: jobs.Job, next_at: datetime) -> dict[str, int]:
    ids = store.upsert_sources(conn, job.name, job.sources)
    for doc_id in ids.values():
        _polled(conn, doc_id, next_at)
    return ids


def test_every_host_is_due_before_its_sources_were_ever_polled(conn: psycopg.Connection) -> None:
    due = queue.due_hosts(conn, _job(), T0, **LIMITS)
    assert due == {"a.example": queue.NEW_SOURCE, "b.example": queue.NEW_SOURCE, "c.example": queue.NEW_SOURCE}


def test_a_host_whose_documents_are_not_due_gets_no_task(conn: psycopg.Connection) -> None:
    job = _job()
    ids = _all_polled_until(conn, job, T0 + timedelta(hours=2))
    _polled(conn, ids["https://a.example/two.rss"], T0 - timedelta(minutes=5))  # one of a's two feeds is due
    tasks, idle = queue.due_tasks(conn, job, "toml", T0, **LIMITS)
    assert [t.host for t in tasks] == ["a.example"]
    assert idle == 2


def test_nothing_is_queued_when_no_document_is_due(conn: psycopg.Connection) -> None:
    job = _job()
    _all_polled_until(conn, job, T0 + timedelta(hours=2))
    assert queue.due_tasks(conn, job, "toml", T0, **LIMITS) == ([], 3)


def test_the_clock_makes_the_hosts_due(conn: psycopg.Connection) -> None:
    job = _job()
    _all_polled_until(conn, job, T0 + timedelta(hours=2))
    assert set(queue.due_hosts(conn, job, T0 + timedelta(hours=3), **LIMITS)) == {"a.example", "b.example",
                                                                                   "c.example"}


def test_without_adaptive_polling_every_fire_polls_every_host(conn: psycopg.Connection) -> None:
    job = _job(adaptive=False)
    _all_polled_until(conn, job, T0 + timedelta(hours=2))
    assert queue.due_hosts(conn, job, T0, **LIMITS) == dict.fromkeys(("a.example", "b.example", "c.example"),
                                                                      queue.DOCUMENTS_DUE)


def test_a_failed_article_fetch_makes_its_host_due(conn: psycopg.Connection) -> None:
    job = _job()
    now = datetime.now(UTC)  # crawl_errors.at is the database's clock
    _all_polled_until(conn, job, now + timedelta(hours=2))
    run_id = store.start_run(conn, job.name)
    store.record_error(conn, run_id, job.name, "https://c.example/2026/03/story.html", "error_timeout", "timed out")
    conn.commit()
    assert queue.due_hosts(conn, job, now, **LIMITS) == {"c.example": queue.PAGES_DUE}


def test_a_host_the_job_does_not_have_is_refused() -> None:
    with pytest.raises(queue.NoSuchHost, match="no source on host 'd.example'"):
        queue.host_job(_job(), "d.example")
