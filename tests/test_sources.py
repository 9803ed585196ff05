"""Source kinds are declared once (crawler.fetch.sources) and the job model, SQL and readers agree with them."""

from __future__ import annotations

import typing

import psycopg
import pytest

from crawler import outcomes
from crawler.fetch import discover, sources
from crawler.jobs import jobs

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>One</title><link>https://e.com/a/1</link><pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate></item>
</channel></rss>"""
SITEMAP_INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://e.com/news.xml</loc></sitemap></sitemapindex>"""
LISTING = b"""<html><body><a href="/a/1">One</a><a href="/about">About</a></body></html>"""
HOMEPAGE = b"""<html><head>
<link rel="alternate" type="application/rss+xml" href="/feed.rss">
<link rel="alternate" type="application/atom+xml; charset=utf-8" href="https://e.com/atom.xml">
<link rel="alternate" type="text/html" hreflang="es" href="/es/">
<link rel="stylesheet" href="/s.css">
</head><body></body></html>"""


def test_job_model_kinds_are_the_registered_kinds() -> None:
    field = jobs.Source.model_fields["kind"].annotation
    assert set(typing.get_args(field)) == set(sources.KINDS)


def test_sql_check_allows_exactly_the_registered_kinds(conn: psycopg.Connection) -> None:
    for name in sources.KINDS:
        conn.execute("INSERT INTO sources (job, name, kind, url, host) VALUES ('j', %s, %s, %s, 'e.com')",
                     (name, name, f"https://e.com/{name}"))
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO sources (job, name, kind, url, host) "
                     "VALUES ('j', 'x', 'podcast', 'https://e.com/p', 'e.com')")


def test_unknown_kind_is_refused_with_the_known_ones() -> None:
    with pytest.raises(sources.UnknownSourceKind, match="feed"):
        sources.kind("podcast")


def test_a_kind_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        sources.register(type("Again", (sources.Kind,), {"name": "feed"}))


@pytest.mark.parametrize(("name", "body", "links", "children"), [
    ("feed", RSS, ["https://e.com/a/1"], []),
    ("sitemap", SITEMAP_INDEX, [], ["https://e.com/news.xml"]),
    ("news_sitemap", SITEMAP_INDEX, [], ["https://e.com/news.xml"]),
    ("listing", LISTING, ["https://e.com/a/1"], []),
])
def test_each_kind_reads_its_document(name: str, body: bytes, links: list[str], children: list[str]) -> None:
    found = sources.kind(name).read(body, "https://e.com/x", patterns=(r"/a/\d+",))
    assert [link.url for link in found.links] == links
    assert list(found.sitemaps) == children


@pytest.mark.parametrize(("name", "date_source"), [
    ("feed", "feed"), ("sitemap", "sitemap"), ("news_sitemap", "sitemap"), ("listing", None), ("site", None),
])
def test_date_source_of_each_kind(name: str, date_source: str | None) -> None:
    assert sources.kind(name).date_source == date_source


def test_children_of_a_news_sitemap_index_are_news_sitemaps() -> None:
    assert sources.kind("news_sitemap").child_kind("sitemaps") == "news_sitemap"
    assert sources.kind("sitemap").child_kind("sitemaps") == "sitemap"
    assert sources.kind("site").child_kind("feeds") == "feed"


def test_every_kind_names_only_known_outcomes() -> None:
    for kind in sources.KINDS.values():
        assert kind.outcomes <= set(outcomes.Outcome)
        assert outcomes.NOT_MODIFIED in kind.outcomes


def test_site_reads_the_feeds_a_homepage_announces() -> None:
    found = sources.kind("site").read(HOMEPAGE, "https://e.com/")
    assert found.feeds == ("https://e.com/feed.rss", "https://e.com/atom.xml")
    assert found.links == () and found.error is None


def test_homepage_without_feeds_says_so() -> None:
    found = discover.parse_homepage(LISTING, "https://e.com/")
    assert found.feeds == () and found.error is not None and "no feed" in found.error


def test_robots_sitemap_lines() -> None:
    robots = b"User-agent: *\nDisallow: /private/\nSitemap: https://e.com/sitemap.xml\nsitemap:/news.xml\n" \
             b"Sitemap: https://e.com/sitemap.xml\n"
    assert discover.robots_sitemaps(robots, "https://e.com/robots.txt") == (
        "https://e.com/sitemap.xml", "https://e.com/news.xml")
