"""Every outlet's appearance of identical text (migration 0012): recorded, counted in story_overview, and the
canonical URL independent of fetch order (real PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import psycopg

from crawler import models, outcomes
from crawler.store import dedup, store

TEXT = ("Havana went dark again on Tuesday as the national grid failed for the third time this month, "
        "and officials said repairs at the Antonio Guiteras plant would take several days. ") * 12


def _page(url: str, *, title: str, site: str | None = None, named: str | None = None,
          published: datetime = datetime(2026, 11, 20, 8, tzinfo=UTC)) -> models.Page:
    article = models.Article(url=url, canonical_url=named, title=title, text=TEXT, published_at=published,
                             date_source="jsonld", language="en", site_name=site)
    return models.Page(article=article, canonical_url=url, urls=((url, "fetched"),),
                       content_hash=dedup.content_hash(TEXT), topics=(),
                       signature=dedup.signature(title, TEXT))


def test_each_outlet_of_identical_text_keeps_its_url_title_and_date(conn: psycopg.Connection) -> None:
    local = datetime(2026, 11, 20, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    results = store.save_batch(conn, "job1", None, [
        _page("http://wire.test/story", title="Grid fails again", site="Wire"),
        _page("http://paper.test/cuba-blackout", title="Cuba dark once more", site="The Paper", published=local),
    ])
    assert [r[1] for r in results] == [outcomes.STORED, outcomes.DUPLICATE_CONTENT]
    rows = conn.execute(
        "SELECT url, outlet, title, published_at, published_offset FROM article_appearances ORDER BY url").fetchall()
    assert rows == [
        ("http://paper.test/cuba-blackout", "The Paper", "Cuba dark once more", local, timedelta(hours=-5)),
        ("http://wire.test/story", "Wire", "Grid fails again", datetime(2026, 11, 20, 8, tzinfo=UTC), timedelta(0)),
    ]
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (1,)


def test_story_overview_counts_every_outlet_that_ran_identical_text(conn: psycopg.Connection) -> None:
    pages = [_page(f"http://outlet{i}.test/story", title="Grid fails again") for i in range(4)]
    store.save_batch(conn, "job1", None, pages)
    row = conn.execute("SELECT outlet_count, appearance_count, outlets FROM story_overview").fetchone()
    assert row == (4, 4, [f"outlet{i}.test" for i in range(4)])


def test_seeing_a_url_again_refreshes_its_appearance(conn: psycopg.Connection) -> None:
    store.save_batch(conn, "job1", None, [_page("http://wire.test/story", title="Grid fails")])
    store.save_batch(conn, "job1", None, [_page("http://wire.test/story", title="Grid fails again")])
    assert conn.execute("SELECT title FROM article_appearances").fetchall() == [("Grid fails again",)]


def test_an_amp_copy_fetched_first_gives_way_to_the_url_it_names(conn: psycopg.Connection) -> None:
    # the AMP copy lives on another host, so its rel=canonical could not be trusted when it was fetched alone
    amp = _page("http://amp.cdn.test/paper.test/story", title="Grid fails", named="http://paper.test/story",
                published=datetime(2026, 11, 20, 9, tzinfo=UTC))
    canonical = _page("http://paper.test/story", title="Grid fails", named="http://paper.test/story",
                      published=datetime(2026, 11, 20, 9, tzinfo=UTC))
    store.save_batch(conn, "job1", None, [amp, canonical])
    assert conn.execute("SELECT canonical_url FROM articles").fetchall() == [("http://paper.test/story",)]
    vias = dict(conn.execute("SELECT url, via FROM article_urls").fetchall())
    assert vias["http://amp.cdn.test/paper.test/story"] == "same_content"


def test_the_named_canonical_stays_when_fetched_first(conn: psycopg.Connection) -> None:
    canonical = _page("http://paper.test/story", title="Grid fails", named="http://paper.test/story")
    amp = _page("http://amp.cdn.test/paper.test/story", title="Grid fails", named="http://paper.test/story")
    store.save_batch(conn, "job1", None, [canonical, amp])
    assert conn.execute("SELECT canonical_url FROM articles").fetchall() == [("http://paper.test/story",)]


def test_an_appearance_with_a_very_long_url_is_stored(conn: psycopg.Connection) -> None:
    long_url = "http://paper.test/story?" + "x" * 5000
    results = store.save_batch(conn, "job1", None, [replace(_page(long_url, title="Grid fails"), urls=())])
    assert results[0][1] == outcomes.STORED
    assert conn.execute("SELECT length(url) FROM article_appearances").fetchone() == (len(long_url),)


def test_search_names_every_outlet_of_identical_text(conn: psycopg.Connection) -> None:
    from crawler.analyst import search

    store.save_batch(conn, "job1", None, [_page("http://wire.test/story", title="Grid fails again"),
                                          _page("http://paper.test/cuba", title="Cuba dark once more")])
    conn.commit()
    hits = search.search(conn, search.SearchRequest("Guiteras", language="en"))
    assert [h.outlets for h in hits] == [("paper.test", "wire.test")]


def test_export_lists_every_outlet_of_identical_text(conn: psycopg.Connection) -> None:
    import io
    import json

    from crawler.analyst import export

    store.save_batch(conn, "job1", None, [_page("http://wire.test/story", title="Grid fails again"),
                                          _page("http://paper.test/cuba", title="Cuba dark once more")])
    conn.commit()
    out = io.StringIO()
    export.export(conn, export.ExportRequest(format="jsonl"), out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["outlets"] for r in rows] == [["paper.test", "wire.test"]]


def test_export_writes_the_publication_time_in_the_publishers_offset(conn: psycopg.Connection) -> None:
    import io
    import json

    from crawler.analyst import export

    local = datetime(2026, 11, 20, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    store.save_batch(conn, "job1", None, [_page("http://paper.test/cuba", title="Cuba dark", published=local)])
    conn.commit()
    out = io.StringIO()
    export.export(conn, export.ExportRequest(format="jsonl"), out)
    (row,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert row["published_at"] == "2026-11-20T23:30:00-05:00"  # the publisher's day, not 2026-11-21 in UTC


def test_search_shows_the_publication_time_in_the_publishers_offset(conn: psycopg.Connection) -> None:
    from crawler.analyst import search

    local = datetime(2026, 11, 20, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    store.save_batch(conn, "job1", None, [_page("http://paper.test/cuba", title="Cuba dark", published=local)])
    conn.commit()
    (hit,) = search.search(conn, search.SearchRequest("Guiteras", language="en"))
    assert hit.published.date().isoformat() == "2026-11-20" and hit.published.utcoffset() == timedelta(hours=-5)
