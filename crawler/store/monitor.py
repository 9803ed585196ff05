"""Monitoring state in PostgreSQL, by named query (sql/queries/monitor.sql).

Polled documents (declared sources and the child sitemaps / feeds they announced) with their validators,
body hash and adaptive polling state; hosts whose validators lie; per-article validators and hints that
decide when a known article is fetched again. `due_sources(conn, job, now)` is the entry point for running
"the sources that are due" (a run, or a task per source).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg

from crawler.fetch import conditional, docstate, polling, urls
from crawler.store import sqlfiles


def _q(name: str) -> str:
    return sqlfiles.load_queries("monitor")[name]


def documents(conn: psycopg.Connection, job: str) -> list[docstate.Document]:
    """Every document of a job (declared first), with its polling state."""
    rows = conn.execute(_q("documents"), {"job": job}).fetchall()
    conn.commit()
    return [docstate.Document.from_row(r) for r in rows]


def due_sources(conn: psycopg.Connection, job: Any, now: datetime) -> list[docstate.Document]:
    """The documents of `job` to poll in a run at `now`.

    Documents of sources no longer in the job file are left out. With adaptive polling off, every document
    is due (the job's cron decides); a `site` source is rediscovered only every `monitor.rediscover`.
    """
    return due_among(documents(conn, job.name), job, now)


def due_among(docs: Sequence[docstate.Document], job: Any, now: datetime) -> list[docstate.Document]:
    """`due_sources` on documents already read (`documents(conn, job.name)`)."""
    declared = {s.url for s in job.sources}
    adaptive = job.monitor.adaptive
    due = []
    for doc in docs:
        if doc.root_url not in declared:
            continue
        if (doc.kind == "site" or adaptive) and not polling.due(doc.poll, now):
            continue
        due.append(doc)
    return due


def add_child(conn: psycopg.Connection, job: str, parent_id: int, url: str, kind: str) -> int:
    """Register a document a source announced; return its id."""
    with conn.transaction():
        row = conn.execute(
            _q("add_child"),
            {"job": job, "name": url, "kind": kind, "url": url, "host": urls.host(url), "parent_id": parent_id},
        ).fetchone()
    assert row is not None
    return int(row[0])


def _poll_params(doc_id: int, poll: docstate.Poll) -> dict[str, Any]:
    state = poll.state
    return {"id": doc_id, "etag": poll.validators.etag, "last_modified": poll.validators.last_modified,
            "body_hash": poll.body_hash, "audited": poll.audited, "rate_items": state.items,
            "rate_hours": state.hours, "rate_profile": list(state.profile), "error_streak": state.errors,
            "last_polled_at": state.last_polled_at,
            "last_new_at": state.last_new_at, "next_poll_at": state.next_poll_at, "status": poll.status,
            "error": poll.error}


def record_poll(conn: psycopg.Connection, doc_id: int, poll: docstate.Poll) -> None:
    record_polls(conn, {doc_id: poll})


def record_polls(conn: psycopg.Connection, polls: Mapping[int, docstate.Poll]) -> None:
    """Write polls (document id -> what its poll showed) in one transaction."""
    if not polls:
        return
    with conn.transaction():
        conn.cursor().executemany(_q("record_poll"), [_poll_params(i, p) for i, p in polls.items()])


def set_host_verdict(conn: psycopg.Connection, host: str, verdict: str, detail: str, url: str) -> None:
    with conn.transaction():
        conn.execute(_q("set_host_verdict"), {"host": host, "verdict": verdict, "detail": detail, "url": url})


def known_pages(conn: psycopg.Connection, job: str, candidates: Sequence[str]) -> dict[str, docstate.KnownPage]:
    """The subset of `candidates` (canonicalised) this job already finished, by URL."""
    if not candidates:
        return {}
    rows = conn.execute(_q("known_pages"), {"job": job, "urls": list(candidates)}).fetchall()
    conn.commit()
    return {
        r[0]: docstate.KnownPage(r[0], r[1], r[2], r[3], r[4], conditional.Validators(r[5], r[6])) for r in rows
    }


def record_check(conn: psycopg.Connection, job: str, url: str, validators: conditional.Validators,
                 hinted_at: datetime | None, now: datetime) -> None:
    """An article page was fetched or checked at `now`: keep its validators and the newest hint date."""
    record_checks(conn, job, [(url, validators, hinted_at, now)])


def record_checks(conn: psycopg.Connection, job: str,
                  checks: Sequence[tuple[str, conditional.Validators, datetime | None, datetime]]) -> None:
    """`record_check` for many pages in one transaction (the spider buffers them)."""
    with conn.transaction():
        conn.cursor().executemany(
            _q("record_check"),
            [{"job": job, "url": url, "etag": v.etag, "last_modified": v.last_modified, "hinted_at": hinted,
              "now": now} for url, v, hinted, now in checks],
        )


def due_revisits(conn: psycopg.Connection, job: str, now: datetime, offsets: Sequence[timedelta],
                 limit: int) -> list[docstate.KnownPage]:
    """Young articles of the job whose next revisit (an offset after first sight) has come."""
    if not offsets:
        return []
    rows = conn.execute(
        _q("due_revisits"),
        {"job": job, "now": now, "offsets": list(offsets), "horizon": max(offsets) + timedelta(days=1),
         "limit": limit},
    ).fetchall()
    conn.commit()
    return [docstate.KnownPage(r[0], r[1], now, None, None, conditional.Validators(r[2], r[3])) for r in rows]


def retry_urls(conn: psycopg.Connection, job: str, since: datetime, limit: int) -> list[str]:
    """Article URLs that failed recently and never finished: retried whether or not a feed lists them."""
    rows = conn.execute(_q("retry_urls"), {"job": job, "since": since, "limit": limit}).fetchall()
    conn.commit()
    return [r[0] for r in rows]


def polling_status(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    rows = conn.execute(_q("polling_status")).fetchall()
    conn.commit()
    return rows
