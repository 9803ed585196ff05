"""The store: batched upserts, aliases, idempotence, and one bad row costing only itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg

from crawler import models, outcomes
from crawler.extract import extract
from crawler.store import dedup, store


def _page(url: str, text: str, title: str = "Cuba blackout", **kw: object) -> models.Page:
    article = models.Article(
        url=url, canonical_url=None, title=title, text=text, published_at=datetime(2026, 11, 20, tzinfo=UTC),
        date_source="jsonld", language="en",
    )
    return models.Page(
        article=article, canonical_url=url, urls=((url, "fetched"),), content_hash=dedup.content_hash(text),
        topics=(models.TopicMatch("cuba", ("Cuba",), 3.0, ("title",)),), **kw,  # type: ignore[arg-type]
    )


TEXT = "Havana went dark again on Tuesday as the grid failed. " * 20


def test_new_page_is_stored_with_alias_topic_and_seen(conn: psycopg.Connection) -> None:
    results = store.save_batch(conn, "job1", None, [_page("http://a.test/1", TEXT)])
    assert results == [("http://a.test/1", outcomes.STORED, "")]
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (1,)
    assert conn.execute("SELECT via FROM article_urls").fetchall() == [("canonical",)]
    assert conn.execute("SELECT topic, terms FROM article_topics").fetchall() == [("cuba", ["Cuba"])]
    assert conn.execute("SELECT outcome FROM crawl_seen WHERE job = 'job1'").fetchall() == [(outcomes.STORED,)]


def test_saving_the_same_page_again_writes_no_new_article(conn: psycopg.Connection) -> None:
    store.save_batch(conn, "job1", None, [_page("http://a.test/1", TEXT)])
    again = store.save_batch(conn, "job1", None, [_page("http://a.test/1", TEXT)])
    assert again[0][1] == outcomes.DUPLICATE_URL
    assert conn.execute("SELECT count(*), count(DISTINCT canonical_url) FROM articles").fetchone() == (1, 1)
    assert conn.execute("SELECT count(*) FROM article_urls").fetchone() == (1,)


def test_identical_text_at_another_url_becomes_same_content_alias(conn: psycopg.Connection) -> None:
    results = store.save_batch(conn, "job1", None, [_page("http://a.test/1", TEXT), _page("http://b.test/x", TEXT)])
    assert [r[1] for r in results] == [outcomes.STORED, outcomes.DUPLICATE_CONTENT]
    rows = conn.execute("SELECT url, via FROM article_urls ORDER BY url").fetchall()
    assert rows == [("http://a.test/1", "canonical"), ("http://b.test/x", "same_content")]


def test_rejected_row_costs_only_itself(conn: psycopg.Connection) -> None:
    bad = _page("http://a.test/bad", "Text with a NUL \x00 byte that PostgreSQL refuses. " * 10, title="Bad\x00")
    good = _page("http://a.test/good", TEXT)
    run_id = store.start_run(conn, "job1")
    results = store.save_batch(conn, "job1", run_id, [bad, good])
    assert [r[1] for r in results] == [outcomes.ERROR_DB, outcomes.STORED]
    assert conn.execute("SELECT canonical_url FROM articles").fetchall() == [("http://a.test/good",)]
    error = conn.execute("SELECT url, outcome FROM crawl_errors").fetchall()
    assert error == [("http://a.test/bad", outcomes.ERROR_DB)]
    # the rejected URL is not marked seen: the next run tries it again
    assert conn.execute("SELECT url FROM crawl_seen").fetchall() == [("http://a.test/good",)]


def test_final_outcomes_are_remembered_and_errors_are_not(conn: psycopg.Connection) -> None:
    store.save_batch(conn, "job1", None, [
        models.Ended(("http://a.test/off",), outcomes.OFF_TOPIC),
        models.Ended(("http://a.test/500",), outcomes.ERROR_HTTP, "HTTP 500"),
    ])
    known = store.known_urls(conn, "job1", ["http://a.test/off", "http://a.test/500", "http://a.test/new"])
    assert known == {"http://a.test/off"}
    assert store.known_urls(conn, "other-job", ["http://a.test/off"]) == set()


def test_finish_run_sums_counters_into_columns(conn: psycopg.Connection) -> None:
    run_id = store.start_run(conn, "job1")
    counters = {"discovered": 5, "stored": 2, "duplicate_url": 1, "duplicate_content": 1, "error_http": 2}
    store.finish_run(conn, run_id, status="succeeded", counters=counters)
    row = conn.execute(
        "SELECT status, discovered, stored, duplicates, errors, errors_by_kind FROM crawl_runs WHERE id = %s", (run_id,)
    ).fetchone()
    assert row == ("succeeded", 5, 2, 2, 2, {"error_http": 2})


def test_earlier_identical_copy_becomes_the_canonical_article(conn: psycopg.Connection) -> None:
    late = _page("http://partner.test/copy", TEXT, title="Partner copy")
    late = replace(late, article=replace(late.article, published_at=datetime(2026, 11, 21, 12, tzinfo=UTC)))
    early = _page("http://origin.test/story", TEXT, title="Original")
    early = replace(early, article=replace(early.article, published_at=datetime(2026, 11, 21, 8, tzinfo=UTC)))
    results = store.save_batch(conn, "job1", None, [late, early])
    assert [r[1] for r in results] == [outcomes.STORED, outcomes.DUPLICATE_CONTENT]
    row = conn.execute("SELECT canonical_url, host, title, published_at FROM articles").fetchall()
    assert row == [("http://origin.test/story", "origin.test", "Original", datetime(2026, 11, 21, 8, tzinfo=UTC))]
    vias = dict(conn.execute("SELECT url, via FROM article_urls").fetchall())
    assert vias == {"http://origin.test/story": "canonical", "http://partner.test/copy": "same_content"}


def test_later_identical_copy_stays_an_alias(conn: psycopg.Connection) -> None:
    early = _page("http://origin.test/story", TEXT, title="Original")
    late = _page("http://partner.test/copy", TEXT, title="Partner copy")
    late = replace(late, article=replace(late.article, published_at=datetime(2026, 11, 22, tzinfo=UTC)))
    store.save_batch(conn, "job1", None, [early, late])
    assert conn.execute("SELECT canonical_url FROM articles").fetchall() == [("http://origin.test/story",)]


def _extracted_page(url: str, published_meta: str) -> models.Page:
    """A page through the real extractor, so the date carries exactly what the page stated."""
    body = (
        f'<html lang="en"><head><title>Grid fails again</title><meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="{published_meta}"></head>'
        f"<body><article><h1>Grid fails again</h1><p>{TEXT}</p></article></body></html>"
    ).encode()
    article = extract.extract_article(body, url, now=datetime(2026, 11, 25, tzinfo=UTC))
    assert isinstance(article, models.Article), article
    return models.Page(
        article=article, canonical_url=url, urls=((url, "fetched"),), content_hash=dedup.content_hash(article.text),
        topics=(),
    )


def test_stated_time_zone_is_kept_with_the_date(conn: psycopg.Connection) -> None:
    # late evening in Havana is already the next day in UTC: the offset keeps the publisher's day
    store.save_batch(conn, "job1", None, [_extracted_page("http://a.test/late", "2024-03-01T23:30:00-05:00")])
    row = conn.execute("SELECT published_at, published_offset, published_local FROM articles_latest").fetchone()
    assert row == (
        datetime(2024, 3, 2, 4, 30, tzinfo=UTC), timedelta(hours=-5), datetime(2024, 3, 1, 23, 30),
    )


def test_day_without_zone_stores_no_offset(conn: psycopg.Connection) -> None:
    store.save_batch(conn, "job1", None, [_extracted_page("http://a.test/day", "2024-03-01")])
    row = conn.execute("SELECT published_offset, published_local FROM articles_latest").fetchone()
    assert row == (None, datetime(2024, 3, 1, 0, 0))
