"""One vocabulary: the Outcome enum, the date sources and the SQL CHECKs name the same things; URL keys
survive URLs longer than a B-tree entry."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from crawler import models, outcomes
from crawler.extract import dates
from crawler.store import dedup, store


def test_sql_outcome_vocabulary_is_the_enum(conn: psycopg.Connection) -> None:
    (names,) = conn.execute("SELECT mm_outcomes()").fetchone()  # type: ignore[misc]
    assert names == [o.value for o in outcomes.Outcome]


def test_sql_date_sources_are_the_extractors(conn: psycopg.Connection) -> None:
    (names,) = conn.execute("SELECT mm_date_sources()").fetchone()  # type: ignore[misc]
    assert tuple(names) == dates.SOURCE_ORDER


def test_an_unknown_outcome_is_refused_by_the_database(conn: psycopg.Connection) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO crawl_seen (job, url, outcome) VALUES ('j', 'http://a.test/', 'stord')")


def test_an_unknown_date_source_is_refused_by_the_database(conn: psycopg.Connection) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO articles (canonical_url, host, title, text, content_hash, date_source)"
            " VALUES ('http://a.test/', 'a.test', 't', 'x', 'h', 'guess')"
        )


def test_an_unknown_run_status_is_refused_by_the_database(conn: psycopg.Connection) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO crawl_runs (job, status) VALUES ('j', 'sucess')")


def test_an_unknown_run_trigger_is_refused_by_the_database(conn: psycopg.Connection) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO crawl_runs (job, trigger) VALUES ('j', 'cron2')")


def test_outcome_members_are_their_names_as_strings() -> None:
    assert outcomes.STORED == "stored"
    assert f"{outcomes.ERROR_HTTP}" == "error_http"
    assert outcomes.stat_key(outcomes.NOT_MODIFIED) == "mediamon/not_modified"


def test_a_10_kb_url_is_stored_with_its_aliases_and_seen_row(conn: psycopg.Connection) -> None:
    # A B-tree entry holds ~2.7 kB: a unique index on the URL text made this insert fail.
    url = "http://a.test/story?" + "q=" + "x" * 10_000
    text = "Havana went dark again on Tuesday as the grid failed. " * 20
    article = models.Article(
        url=url, canonical_url=None, title="Cuba blackout", text=text,
        published_at=datetime(2026, 11, 20, tzinfo=UTC), date_source="jsonld", language="en",
    )
    page = models.Page(
        article=article, canonical_url=url, urls=((url, "fetched"), (url + "&v=2", "discovered")),
        content_hash=dedup.content_hash(text), topics=(),
    )
    assert store.save_batch(conn, "job1", None, [page])[0][1] == outcomes.STORED
    again = store.save_batch(conn, "job1", None, [page])
    assert again[0][1] == outcomes.DUPLICATE_URL  # the hash key still makes the URL unique
    assert conn.execute("SELECT count(*) FROM article_urls").fetchone() == (2,)
    assert store.known_urls(conn, "job1", [url, "http://a.test/other"]) == {url}


def test_run_summary_columns_are_derived_from_the_counters(conn: psycopg.Connection) -> None:
    run_id = store.start_run(conn, "job1")
    counters = {o.value: n for n, o in enumerate(outcomes.Outcome, start=1)}
    store.finish_run(conn, run_id, status="succeeded", counters=counters)
    row = conn.execute(
        "SELECT fetched, stored, duplicates, errors, errors_by_kind FROM crawl_runs WHERE id = %s", (run_id,)
    ).fetchone()
    errors = {o.value: counters[o.value] for o in outcomes.ERRORS}
    assert row == (
        counters["fetched"],
        counters["stored"],
        counters["duplicate_url"] + counters["duplicate_content"],
        sum(errors.values()),
        errors,
    )
