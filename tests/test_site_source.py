"""A `site` source: only a homepage URL. Its feeds and robots.txt sitemaps are found, recorded and polled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from crawler import config, fixturesite, outcomes
from crawler.fixturesite import jobfile
from crawler.run import crawl

FOUND = {"/feed.rss": "feed", "/atom.xml": "feed", "/sitemap.xml": "sitemap", "/news-sitemap.xml": "sitemap",
         "/sitemap-old.xml.gz": "sitemap"}


@pytest.fixture(scope="module")
def sites() -> Iterator[fixturesite.Sites]:
    with fixturesite.start_sites(slow_seconds=3.0) as s:
        yield s


@pytest.fixture(scope="module")
def db_url(module_db_url: str) -> str:
    return module_db_url


@pytest.fixture(scope="module")
def job_file(sites: fixturesite.Sites, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("job") / "gazette.toml"
    path.write_text(f"""name = "gazette"
[limits]
delay_seconds = 0
timeout_seconds = 2
min_text_chars = 400
{jobfile.TOPICS}
[[sources]]
name = "gazette"
kind = "site"
url = "{sites.a}/"
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(sites: fixturesite.Sites, job_file: Path, db_url: str) -> dict[str, object]:
    settings = config.Settings(workers=1)
    sites.reset_counts()
    first = crawl.run_job(job_file, settings, db_url=db_url)
    first_log = sites.request_log("a")
    sites.reset_counts()
    second = crawl.run_job(job_file, settings, db_url=db_url)
    return {"first": first, "first_log": first_log, "second": second, "second_log": sites.request_log("a")}


def test_site_finds_feeds_and_sitemaps_and_records_them(runs: dict[str, object], sites: fixturesite.Sites,
                                                        conn: psycopg.Connection) -> None:
    rows = conn.execute(
        "SELECT c.url, c.kind FROM sources c JOIN sources p ON p.id = c.parent_id WHERE p.kind = 'site'"
    ).fetchall()
    assert {url.removeprefix(sites.a): kind for url, kind in rows} == FOUND


def test_site_articles_are_stored_from_what_it_found(runs: dict[str, object], sites: fixturesite.Sites) -> None:
    first = runs["first"]
    assert isinstance(first, crawl.RunSummary) and first.status == "succeeded"
    # everything the job's declared feeds and sitemaps would store, minus the listing-only articles
    reachable = [a for a in sites.manifest.expecting(outcomes.STORED)
                 if a.site == "a" and {"rss", "atom", "news-sitemap", "old-sitemap"} & set(a.links)]
    assert first.counters.get(outcomes.STORED) == len(reachable)


def test_homepage_is_rediscovered_weekly_not_every_run(runs: dict[str, object]) -> None:
    assert [r.path for r in runs["first_log"]].count("/") == 1  # type: ignore[attr-defined]
    assert [r.path for r in runs["second_log"]].count("/") == 0  # type: ignore[attr-defined]


def test_found_documents_are_polled_on_their_own(runs: dict[str, object]) -> None:
    log = {r.path: r.status for r in runs["second_log"] if r.path in FOUND}  # type: ignore[attr-defined]
    assert log == dict.fromkeys(FOUND, 304)
