"""Monitoring between runs, end to end on the fixture sites: conditional polls and change capture.

One database and one pair of fixture sites for the module: run 1 crawls, run 2 sees an unchanged site,
run 3 sees one revised article and one whose feed date moved without a change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from crawler import config, fixturesite, outcomes
from crawler.fetch import urls
from crawler.fixturesite import server
from crawler.run import crawl

#: the documents the fixture job polls: declared feeds, listing and sitemap index, and the index's sitemaps
DOCUMENTS_A = ("/feed.rss", "/atom.xml", "/broken.rss", "/sitemap.xml", "/news-sitemap.xml", "/sitemap-old.xml.gz",
               "/en/latest")
DOCUMENTS_B = ("/feed.xml",)
REVISED_KEY = "es-remesas"  # in the Atom feed only; on topic "cuba"
TOUCHED_KEY = "es-maduro-dialogo"  # in the Atom feed only; its entry's date moves, its page does not
ADDED = "Venezuela también recortó sus envíos de petróleo a la isla, según fuentes oficiales."


@pytest.fixture(scope="module")
def sites() -> Iterator[fixturesite.Sites]:
    with fixturesite.start_sites(slow_seconds=3.0) as s:
        s.set_validators("b", server.NONE)  # site B sends no validators: unchanged = same body hash
        yield s


@pytest.fixture(scope="module")
def job_file(sites: fixturesite.Sites, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("job") / "fixture-news.toml"
    path.write_text(fixturesite.job_toml(sites), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def settings() -> config.Settings:
    return config.Settings(workers=1)


@pytest.fixture(scope="module")
def db_url(module_db_url: str) -> str:
    return module_db_url


@pytest.fixture(scope="module")
def runs(sites: fixturesite.Sites, job_file: Path, settings: config.Settings, db_url: str) -> dict[str, object]:
    """Run 1 (first crawl), run 2 (nothing changed), run 3 (one article revised, one feed date moved)."""
    out: dict[str, object] = {"first": crawl.run_job(job_file, settings, db_url=db_url)}
    sites.reset_counts()
    out["second"] = crawl.run_job(job_file, settings, db_url=db_url)
    out["second_log"] = {h: sites.request_log(h) for h in ("a", "b")}
    with psycopg.connect(db_url) as conn:
        out["topics_before"] = _topics(conn, sites.manifest.article(REVISED_KEY).url)
    _revise_article(sites, REVISED_KEY)
    _move_atom_date(sites, REVISED_KEY)
    _move_atom_date(sites, TOUCHED_KEY)
    sites.reset_counts()
    out["third"] = crawl.run_job(job_file, settings, db_url=db_url)
    out["third_log"] = sites.request_log("a")
    return out


def _revise_article(sites: fixturesite.Sites, key: str) -> None:
    spec = sites.manifest.article(key)
    page = sites.route("a", spec.path)
    marker = b'<div class="article-body">\n'
    body = page.body.replace(marker, marker + f"<p>{ADDED}</p>\n".encode(), 1)
    assert body != page.body
    sites.set_route("a", spec.path, replace(page, body=body))


def _move_atom_date(sites: fixturesite.Sites, key: str) -> None:
    """The Atom entry of an article gets a newer <updated>, as a publisher does when it edits a story."""
    spec = sites.manifest.article(key)
    feed = sites.route("a", "/atom.xml")
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    entry = rb"(<id>" + re.escape(spec.url.encode()) + rb"</id><published>[^<]*</published><updated>)[^<]*"
    pattern = re.compile(entry)
    body, n = pattern.subn(rb"\g<1>" + stamp.encode(), feed.body)
    assert n == 1
    sites.set_route("a", "/atom.xml", replace(feed, body=body))


def _topics(conn: psycopg.Connection, url: str) -> set[str]:
    rows = conn.execute(
        "SELECT t.topic FROM article_topics t JOIN article_urls u ON u.article_id = t.article_id WHERE u.url = %s",
        (urls.canonical_url(url),),
    ).fetchall()
    return {r[0] for r in rows}


def _article_paths(sites: fixturesite.Sites) -> set[str]:
    return {a.path for a in sites.manifest.articles}


def test_first_run_stores_articles(runs: dict[str, object], sites: fixturesite.Sites) -> None:
    first = runs["first"]
    # partial: the job declares the fixture's broken feed on purpose
    assert isinstance(first, crawl.RunSummary) and first.status == "partial"
    assert first.counters.get(outcomes.STORED) == len(sites.manifest.expecting(outcomes.STORED))


def test_second_run_gets_304_for_every_document_with_validators(runs: dict[str, object]) -> None:
    log = runs["second_log"]["a"]  # type: ignore[index]
    documents = [r for r in log if r.path in DOCUMENTS_A]
    assert sorted(r.path for r in documents) == sorted(DOCUMENTS_A)  # each polled once
    assert {r.path: r.status for r in documents} == dict.fromkeys(DOCUMENTS_A, 304)
    assert all(r.if_none_match for r in documents)


def test_second_run_skips_unchanged_bodies_without_validators(runs: dict[str, object]) -> None:
    log = runs["second_log"]["b"]  # type: ignore[index]
    feed = [r for r in log if r.path in DOCUMENTS_B]
    assert [(r.status, r.if_none_match, r.if_modified_since) for r in feed] == [(200, None, None)]
    second = runs["second"]
    assert isinstance(second, crawl.RunSummary)
    assert second.counters.get(outcomes.NOT_MODIFIED) == len(DOCUMENTS_A) + len(DOCUMENTS_B)


def test_second_run_fetches_no_article_page(runs: dict[str, object], sites: fixturesite.Sites) -> None:
    articles = _article_paths(sites)
    for host in ("a", "b"):
        log = runs["second_log"][host]  # type: ignore[index]
        assert [r.path for r in log if r.path.split("?")[0] in articles] == []
    second = runs["second"]
    assert isinstance(second, crawl.RunSummary)
    assert second.counters.get(outcomes.FETCHED, 0) == 0


def test_revised_article_is_fetched_exactly_once(runs: dict[str, object], sites: fixturesite.Sites) -> None:
    path = sites.manifest.article(REVISED_KEY).path
    hits = [r for r in runs["third_log"] if r.path == path]  # type: ignore[attr-defined]
    assert [(r.status, bool(r.if_none_match)) for r in hits] == [(200, True)]


def test_revised_article_gets_one_revision_and_new_text(
    runs: dict[str, object], sites: fixturesite.Sites, conn: psycopg.Connection
) -> None:
    url = urls.canonical_url(sites.manifest.article(REVISED_KEY).url)
    article_id, text = conn.execute(
        "SELECT a.id, a.text FROM articles a JOIN article_urls u ON u.article_id = a.id WHERE u.url = %s", (url,)
    ).fetchone()  # type: ignore[misc]
    assert ADDED in text
    revisions = conn.execute("SELECT text FROM article_revisions WHERE article_id = %s", (article_id,)).fetchall()
    assert len(revisions) == 1 and ADDED not in revisions[0][0]
    assert conn.execute("SELECT count(*) FROM article_revisions").fetchone() == (1,)
    third = runs["third"]
    assert isinstance(third, crawl.RunSummary) and third.counters.get(outcomes.REVISED) == 1


def test_revised_article_search_vector_follows_the_text(
    runs: dict[str, object], sites: fixturesite.Sites, conn: psycopg.Connection
) -> None:
    url = urls.canonical_url(sites.manifest.article(REVISED_KEY).url)
    row = conn.execute(
        "SELECT a.search @@ mm_search_query('es', 'recortó petróleo') FROM articles a "
        "JOIN article_urls u ON u.article_id = a.id WHERE u.url = %s", (url,),
    ).fetchone()
    assert row == (True,)


def test_revised_article_topics_are_matched_again(runs: dict[str, object], sites: fixturesite.Sites,
                                                  conn: psycopg.Connection) -> None:
    before = runs["topics_before"]
    assert isinstance(before, set) and "venezuela" not in before
    assert _topics(conn, sites.manifest.article(REVISED_KEY).url) == before | {"venezuela"}


def test_moved_feed_date_without_change_is_revisited_unchanged(
    runs: dict[str, object], sites: fixturesite.Sites, conn: psycopg.Connection
) -> None:
    spec = sites.manifest.article(TOUCHED_KEY)
    hits = [r for r in runs["third_log"] if r.path == spec.path]  # type: ignore[attr-defined]
    assert [(r.status, bool(r.if_none_match)) for r in hits] == [(304, True)]
    third = runs["third"]
    assert isinstance(third, crawl.RunSummary) and third.counters.get(outcomes.REVISITED_UNCHANGED) == 1
    checks = conn.execute("SELECT checks FROM page_checks WHERE url = %s", (urls.canonical_url(spec.url),)).fetchone()
    assert checks == (2,)  # first fetch, then the conditional check


def test_third_run_fetches_no_other_article(runs: dict[str, object], sites: fixturesite.Sites) -> None:
    changed = {sites.manifest.article(REVISED_KEY).path, sites.manifest.article(TOUCHED_KEY).path}
    others = _article_paths(sites) - changed
    assert [r.path for r in runs["third_log"] if r.path.split("?")[0] in others] == []  # type: ignore[attr-defined]


def test_young_article_is_revisited_on_schedule(
    runs: dict[str, object], sites: fixturesite.Sites, job_file: Path, settings: config.Settings, db_url: str,
    conn: psycopg.Connection,
) -> None:
    """Last in the module (it runs a fourth crawl): an article first seen 2 h ago, last checked at first
    sight, is due for its 1 h revisit; it is asked for with its own validators, and nothing else is."""
    spec = sites.manifest.article("en-pdvsa-exports")
    url = urls.canonical_url(spec.url)
    conn.execute("UPDATE crawl_seen SET first_seen_at = first_seen_at - interval '2 hours' WHERE url = %s", (url,))
    conn.execute("UPDATE page_checks SET last_checked_at = last_checked_at - interval '2 hours' WHERE url = %s",
                 (url,))
    conn.commit()
    sites.reset_counts()
    fourth = crawl.run_job(job_file, settings, db_url=db_url)
    log = sites.request_log("a")
    assert [(r.status, bool(r.if_none_match)) for r in log if r.path == spec.path] == [(304, True)]
    assert [r.path for r in log if r.path in _article_paths(sites) - {spec.path}] == []
    assert fourth.counters.get(outcomes.REVISITED_UNCHANGED) == 1
