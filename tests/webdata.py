"""Data for the web view's tests: a crawl of the fixture sites, and rows written directly (as the owner)."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import psycopg

from crawler import config, fixturesite
from crawler.run import crawl

_seq = iter(range(1, 10_000_000))


def crawl_fixture_sites(db_url: str) -> fixturesite.Sites:
    """Crawl the fixture sites once into `db_url` (a real crawl: feeds, sitemaps, aliases, stories)."""
    sites = fixturesite.start_sites(slow_seconds=3.0)
    with tempfile.TemporaryDirectory(prefix="mediamon-web-") as tmp:
        job = Path(tmp) / "fixture-news.toml"
        job.write_text(fixturesite.job_toml(sites), encoding="utf-8")
        summary = crawl.run_job(job, config.Settings(workers=2), db_url=db_url)
    # partial: the fixture site has one broken source on purpose; everything else is read
    assert summary.status in ("succeeded", "partial"), summary.message
    return sites


def add_article(
    conn: psycopg.Connection,
    title: str,
    text: str,
    *,
    host: str = "news.example",
    language: str | None = "en",
    published_at: datetime | None = None,
    story_id: int | None = None,
    topics: tuple[str, ...] = (),
    job: str = "watch",
    description: str | None = None,
) -> int:
    """One article (its own story unless `story_id`), tagged with `topics`; returns its id."""
    n = next(_seq)
    row = conn.execute(
        "INSERT INTO articles (canonical_url, host, title, text, content_hash, language, published_at, date_source,"
        " description) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (f"https://{host}/a/{n}", host, title, text, f"hash-{n}", language, published_at,
         "jsonld" if published_at else None, description),
    ).fetchone()
    assert row is not None
    article_id = int(row[0])
    conn.execute("INSERT INTO article_urls (url, article_id, host, via) VALUES (%s, %s, %s, 'canonical')",
                 (f"https://{host}/a/{n}", article_id, host))
    if story_id is None:
        story_id = conn.execute(
            "INSERT INTO stories (title, first_article_id, first_published_at, first_host, member_count)"
            " VALUES (%s, %s, coalesce(%s, now()), %s, 1) RETURNING id", (title, article_id, published_at, host)
        ).fetchone()[0]  # type: ignore[index]
    else:
        conn.execute("UPDATE stories SET member_count = member_count + 1, updated_at = now() WHERE id = %s",
                     (story_id,))
    conn.execute("UPDATE articles SET story_id = %s WHERE id = %s", (story_id, article_id))
    for topic in topics:
        conn.execute(
            "INSERT INTO article_topics (article_id, job, topic, terms, score, matched_in)"
            " VALUES (%s, %s, %s, %s, 3, %s)", (article_id, job, topic, [topic], ["title"])
        )
    conn.commit()
    return article_id


def story_of(conn: psycopg.Connection, article_id: int) -> int:
    row = conn.execute("SELECT story_id FROM articles WHERE id = %s", (article_id,)).fetchone()
    assert row is not None
    return int(row[0])


def add_revision(conn: psycopg.Connection, article_id: int, old_title: str, old_text: str, age: timedelta) -> None:
    """Record that the article's current text replaced `old_text`."""
    conn.execute(
        "INSERT INTO article_revisions (article_id, title, text, content_hash, fetched_at, diff_chars)"
        " VALUES (%s, %s, %s, %s, now() - %s, 10)", (article_id, old_title, old_text, f"old-{next(_seq)}", age)
    )
    conn.commit()
