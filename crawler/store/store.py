"""Every crawl-time read and write, by named query (sql/queries/store.sql).

A batch is one transaction; each item inside it runs under its own savepoint, so a row the database
rejects is rolled back alone, recorded as ``error_db`` with its URL, and the rest of the batch is kept.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.types.json import Jsonb

from crawler import models, outcomes
from crawler.extract import dates
from crawler.fetch import urls
from crawler.store import outbox as alerts_outbox
from crawler.store import sqlfiles

if TYPE_CHECKING:  # the dedup stage itself is imported late (see _assign_story)
    from crawler.store.dedup import Signature

log = logging.getLogger(__name__)


def _q(name: str) -> str:
    return sqlfiles.load_queries("store")[name]


# --- sources -------------------------------------------------------------------------------------


def upsert_sources(conn: psycopg.Connection, job: str, sources: Iterable[Any]) -> dict[str, int]:
    """Register the job's sources; return {source url: id}."""
    ids = {}
    with conn.transaction():
        for src in sources:
            row = conn.execute(
                _q("upsert_source"),
                {"job": job, "name": src.name, "kind": src.kind, "url": src.url, "host": urls.host(src.url)},
            ).fetchone()
            assert row is not None
            ids[src.url] = row[0]
    return ids


def update_source(conn: psycopg.Connection, source_id: int, *, status: str, error: str | None = None) -> None:
    with conn.transaction():
        conn.execute(_q("update_source"), {"id": source_id, "status": status, "error": error})


# --- known URLs ----------------------------------------------------------------------------------


def known_urls(conn: psycopg.Connection, job: str, candidates: Sequence[str]) -> set[str]:
    """The subset of `candidates` (canonicalised) that this job already finished in an earlier run."""
    if not candidates:
        return set()
    rows = conn.execute(_q("known_urls"), {"job": job, "urls": list(candidates)}).fetchall()
    conn.commit()
    return {r[0] for r in rows}


# --- runs ----------------------------------------------------------------------------------------



def start_run(conn: psycopg.Connection, job: str, *, trigger: str = "cli", status: str = "running") -> int:
    with conn.transaction():
        row = conn.execute(
            _q("start_run"),
            {"job": job, "trigger": trigger, "pid": os.getpid(), "host": socket.gethostname(), "status": status},
        ).fetchone()
    assert row is not None
    return int(row[0])


def record_skipped_run(conn: psycopg.Connection, job: str, *, trigger: str, message: str) -> int:
    """A run that did not happen (the job was already running): one finished 'skipped' row, written whole."""
    with conn.transaction():
        run_id = start_run(conn, job, trigger=trigger, status="skipped")
        finish_run(conn, run_id, status="skipped", counters={}, message=message)
    return run_id


def _counter_params(counters: dict[str, int]) -> dict[str, Any]:
    """Every non-zero outcome counter by name: the one place a run's counters live (the summary columns
    of crawl_runs are generated from it, migration 0017)."""
    return {"counters": Jsonb({k: v for k, v in sorted(counters.items()) if v})}


def finish_run(
    conn: psycopg.Connection, run_id: int, *, status: str, counters: dict[str, int], message: str | None = None
) -> None:
    """Close a run with its status and every outcome counter."""
    params = {"id": run_id, "status": status, "message": message, **_counter_params(counters)}
    with conn.transaction():
        conn.execute(_q("finish_run"), params)


def progress_run(conn: psycopg.Connection, run_id: int, counters: dict[str, int]) -> None:
    """Write a running run's counters: a killed run's row shows its last flush."""
    with conn.transaction():
        conn.execute(_q("progress_run"), {"id": run_id, **_counter_params(counters)})


def fail_stale_runs(conn: psycopg.Connection, job: str, message: str) -> list[int]:
    """Close every 'running' row of `job` as failed; call only while holding the job's lease (then
    no live process can own one). Their counters stay as their last progress write left them."""
    with conn.transaction():
        rows = conn.execute(_q("fail_stale_runs"), {"job": job, "message": message}).fetchall()
    return [int(r[0]) for r in rows]


def record_error(conn: psycopg.Connection, run_id: int | None, job: str, url: str, outcome: str, detail: str) -> None:
    with conn.transaction():
        conn.execute(
            _q("record_error"), {"run_id": run_id, "job": job, "url": url, "outcome": outcome, "detail": detail[:2000]}
        )


# --- articles ------------------------------------------------------------------------------------


def _article_params(page: models.Page) -> dict[str, Any]:
    a = page.article
    return {
        "canonical_url": page.canonical_url,
        "host": urls.host(page.canonical_url),
        "title": a.title,
        "text": a.text,
        "authors": list(a.authors),
        "published_at": a.published_at,
        "published_offset": dates.stated_offset(a.published_at),
        "date_source": a.date_source,
        "modified_at": a.modified_at,
        "language": a.language,
        "site_name": a.site_name,
        "description": a.description,
        "image_url": a.image,
        "content_hash": page.content_hash,
        "source_id": page.source_id,
    }


def _save_page(conn: psycopg.Connection, job: str, page: models.Page) -> tuple[str, int]:
    """Store one page (inside the caller's savepoint); return (outcome, article id)."""
    all_urls = [page.canonical_url] + [u for u, _ in page.urls]
    row = conn.execute(_q("article_by_urls"), {"urls": all_urls, "canonical_url": page.canonical_url}).fetchone()
    via_extra = None
    if row is not None:
        article_id, old_hash = row
        outcome = outcomes.DUPLICATE_URL if old_hash == page.content_hash else outcomes.UPDATED
        if outcome == outcomes.UPDATED and not _revise(conn, article_id, page):
            outcome = outcomes.DUPLICATE_CONTENT  # the new text is already stored as another article
        conn.execute(_q("touch_article"), {"id": article_id})
    else:
        inserted = conn.execute(_q("insert_article"), _article_params(page)).fetchone()
        if inserted is not None:
            article_id, outcome = inserted[0], outcomes.STORED
        else:
            same = conn.execute(_q("article_by_content_hash"), {"content_hash": page.content_hash}).fetchone()
            if same is None:  # lost a race on canonical_url with a concurrent writer: that row is ours now
                again = conn.execute(_q("article_by_urls"), {"urls": all_urls, "canonical_url": page.canonical_url})
                same = again.fetchone()
                if same is None:
                    raise psycopg.errors.UniqueViolation("article conflicts on an unknown key")
            article_id, outcome = same[0], outcomes.DUPLICATE_CONTENT
            via_extra = "same_content"
            conn.execute(_q("touch_article"), {"id": article_id})
            if _promote_if_earlier(conn, article_id, page) or _promote_if_named(conn, article_id, page):
                via_extra = None  # this copy is now the canonical one; its own URLs keep their roles
    aliases = [(page.canonical_url, via_extra or "canonical")] + [(u, via_extra or via) for u, via in page.urls]
    conn.cursor().executemany(
        _q("insert_alias"),
        [{"url": u, "article_id": article_id, "host": urls.host(u), "via": via} for u, via in aliases],
    )
    if page.topics:
        conn.cursor().executemany(
            _q("upsert_topic"),
            [
                {
                    "article_id": article_id,
                    "job": job,
                    "topic": t.topic,
                    "terms": list(t.terms),
                    "score": t.score,
                    "matched_in": list(t.where),
                }
                for t in page.topics
            ],
        )
    if outcome == outcomes.UPDATED:  # revised text: this job's topics are what the new text matches
        conn.execute(_q("drop_stale_topics"), {"article_id": article_id, "job": job,
                                               "topics": [t.topic for t in page.topics]})
    if outcome == outcomes.STORED and page.signature is not None:
        _assign_story(conn, article_id, page, page.signature)
    _record_appearance(conn, article_id, page)
    return outcome, article_id


def _record_appearance(conn: psycopg.Connection, article_id: int, page: models.Page) -> None:
    """This outlet's appearance of the article's text: its URL, outlet, title and date (migration 0012)."""
    a = page.article
    host = urls.host(page.canonical_url)
    conn.execute(_q("upsert_appearance"), {
        "article_id": article_id, "url": page.canonical_url, "host": host, "outlet": a.site_name or host,
        "title": a.title, "published_at": a.published_at, "published_offset": dates.stated_offset(a.published_at),
        "date_source": a.date_source,
        "named_canonical": urls.canonical_url(a.canonical_url) if a.canonical_url else None,
    })


def _promote_if_named(conn: psycopg.Connection, article_id: int, page: models.Page) -> bool:
    """The stored copy names this page's URL as its canonical: this copy becomes the article's identity."""
    row = conn.execute(_q("names_as_canonical"), {"id": article_id, "url": page.canonical_url}).fetchone()
    if row is None:
        return False
    _promote_copy(conn, article_id, page, row[0], row[1])
    return True


def _promote_if_earlier(conn: psycopg.Connection, article_id: int, page: models.Page) -> bool:
    """Identical text from another URL that was published earlier becomes the article's identity.

    Otherwise whichever copy a crawl happened to fetch first would pose as the original publisher.
    """
    row = conn.execute(
        _q("copy_is_earlier"),
        {"id": article_id, "published_at": page.article.published_at, "date_source": page.article.date_source},
    ).fetchone()
    if row is None or not row[0]:
        return False
    _promote_copy(conn, article_id, page, row[1], row[2])
    return True


def _promote_copy(
    conn: psycopg.Connection, article_id: int, page: models.Page, old_canonical: str, story_id: int | None
) -> None:
    """Make this copy's URL and metadata the article's identity; the old canonical URL becomes an alias."""
    conn.execute(_q("promote_copy"), {"id": article_id, **_article_params(page)})
    conn.execute(_q("set_alias_via"), {"url": old_canonical, "via": "same_content"})
    if story_id is not None:
        from crawler.store import stories

        stories.refresh(conn, story_id)


def _revise(conn: psycopg.Connection, article_id: int, page: models.Page) -> bool:
    """A known article came back with different text: keep the old text as a revision (crawler.store.stories).

    False when nothing was written because the new text already belongs to another article.
    """
    from crawler.store import (
        stories,  # late: it pulls in the dedup stage, which CLI commands without a crawl never need
    )

    return stories.record_revision(conn, article_id, page)


def _assign_story(conn: psycopg.Connection, article_id: int, page: models.Page, signature: Signature) -> None:
    from crawler.store import stories

    stories.assign_story(
        conn,
        article_id,
        signature,
        published_at=page.article.published_at,
        host=urls.host(page.canonical_url),
        title=page.article.title,
    )


def _alias_of_known(conn: psycopg.Connection, item: models.Ended) -> int | None:
    """`urls[0]` redirected to `urls[1:]`: make it an alias of that article if it is stored already.

    When the target is still in flight, the spider has put the old URL among the target's aliases.
    """
    row = conn.execute(_q("article_by_urls"), {"urls": list(item.urls[1:]), "canonical_url": item.urls[1]}).fetchone()
    if row is None:
        return None
    conn.execute(_q("insert_alias"), {"url": item.urls[0], "article_id": row[0], "host": urls.host(item.urls[0]),
                                      "via": "redirect"})
    return int(row[0])


def save_batch(
    conn: psycopg.Connection, job: str, run_id: int | None, items: Sequence[models.Page | models.Ended]
) -> list[tuple[str, str, str]]:
    """Store a batch in one transaction; return (url, outcome, detail) per item, in order.

    Each item (its article, aliases, topics and seen-marks) runs under its own savepoint: a row the
    database rejects (e.g. a key too long for its index) is rolled back alone and ends ``error_db``
    with its URL. A connection-class failure (`db.classify`) raises: then nothing of the batch was
    written (and no URL marked seen), so a retry or the next run does it again.
    """
    from crawler.store import db  # late: keeps this module importable without the connection settings

    results: list[tuple[str, str, str]] = []
    stored: list[int] = []  # new articles: their alert events are written in this same transaction
    copies: list[int] = []  # known articles that gained an identical copy (alert "story grew" updates)
    with conn.transaction():
        for item in items:
            first_url = item.urls[0] if isinstance(item, models.Ended) else (
                item.urls[0][0] if item.urls else item.canonical_url)
            try:
                with conn.transaction():  # savepoint: one bad row costs only itself
                    url, outcome, detail, article_id = _save_item(conn, job, run_id, item)
            except psycopg.Error as exc:
                if db.classify(exc) != "row":
                    raise
                detail = f"{type(exc).__name__}: {str(exc).strip()}"[:2000]
                log.warning("row rejected by database", extra={"job": job, "url": first_url[:300], "error": detail})
                conn.execute(
                    _q("record_error"),
                    {"run_id": run_id, "job": job, "url": first_url, "outcome": outcomes.ERROR_DB, "detail": detail},
                )
                results.append((first_url, outcomes.ERROR_DB, detail))
                continue
            results.append((url, outcome, detail))
            if isinstance(item, models.Page) and article_id is not None:
                if outcome == outcomes.STORED:
                    stored.append(article_id)
                elif outcome == outcomes.DUPLICATE_CONTENT:
                    copies.append(article_id)
        alerts_outbox.enqueue(conn, job, stored, copies=copies)
    return results


def _save_item(
    conn: psycopg.Connection, job: str, run_id: int | None, item: models.Page | models.Ended
) -> tuple[str, str, str, int | None]:
    """One item of a batch, inside its savepoint: (url, outcome, detail, article id)."""
    seen: list[dict[str, Any]] = []
    if isinstance(item, models.Ended):
        if item.outcome in outcomes.ERRORS:
            conn.execute(
                _q("record_error"),
                {"run_id": run_id, "job": job, "url": item.urls[0], "outcome": item.outcome,
                 "detail": item.detail[:2000]},
            )
        article_id = _alias_of_known(conn, item) if item.outcome == outcomes.DUPLICATE_URL else None
        if item.outcome in outcomes.FINAL:
            seen.extend({"job": job, "url": u, "outcome": item.outcome, "article_id": article_id} for u in item.urls)
        if seen:
            conn.cursor().executemany(_q("mark_seen"), seen)
        return (item.urls[0], item.outcome, item.detail, article_id)
    first_url = item.urls[0][0] if item.urls else item.canonical_url
    outcome, article_id = _save_page(conn, job, item)
    for problem in item.article.date_problems:  # the article is stored; the operator sees the bad date
        conn.execute(_q("record_error"), {"run_id": run_id, "job": job, "url": first_url,
                                          "outcome": outcomes.DATE_REJECTED, "detail": problem})
    urls_done = {item.canonical_url, *(u for u, _ in item.urls)}
    seen.extend({"job": job, "url": u, "outcome": outcome, "article_id": article_id} for u in sorted(urls_done))
    conn.cursor().executemany(_q("mark_seen"), seen)
    return (first_url, outcome, "", article_id)


def fail_if_running(conn: psycopg.Connection, run_id: int, message: str) -> None:
    """Mark a run failed unless it already closed itself (its process died)."""
    close_if_running(conn, run_id, "failed", message)


def close_if_running(conn: psycopg.Connection, run_id: int, status: str, message: str) -> None:
    """Close a run its process could not close, unless it already did."""
    with conn.transaction():
        conn.execute(_q("close_if_running"), {"id": run_id, "status": status, "message": message})


def run_status(conn: psycopg.Connection, run_id: int) -> tuple[str, dict[str, int], str | None]:
    row = conn.execute(_q("run_status"), {"id": run_id}).fetchone()
    conn.commit()
    if row is None:
        raise LookupError(f"no crawl run {run_id}")
    return row[0], dict(row[1]), row[2]


def run_errors(conn: psycopg.Connection, run_id: int, limit: int = 50) -> list[tuple[str, str, str]]:
    rows = conn.execute(_q("run_errors"), {"id": run_id, "limit": limit}).fetchall()
    conn.commit()
    return [(r[0], r[1], r[2] or "") for r in rows]


def recent_articles(conn: psycopg.Connection, limit: int = 20) -> list[tuple[Any, ...]]:
    rows = conn.execute(_q("recent_articles"), {"limit": limit}).fetchall()
    conn.commit()
    return rows


def run_counters(conn: psycopg.Connection, run_id: int) -> dict[str, int]:
    row = conn.execute(_q("run_counters"), {"id": run_id}).fetchone()
    conn.commit()
    return dict(row[0]) if row else {}
