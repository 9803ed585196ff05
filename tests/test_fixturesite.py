"""The fixture news sites: routes, traps, counters and the manifest, checked over real HTTP on loopback."""

from __future__ import annotations

import gzip
import html as html_lib
import json
import re
import signal
import subprocess
import sys
import threading
import tomllib
import unicodedata
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

from crawler import fixturesite
from crawler.fixturesite import catalog
from crawler.jobs import jobs

NOW = datetime.fromisoformat("2026-03-10T15:30:00+00:00")


@pytest.fixture(scope="module")
def sites() -> Iterator[fixturesite.Sites]:
    with fixturesite.start_sites(slow_seconds=3.0, now=NOW, extra_articles=4) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_counts(sites: fixturesite.Sites) -> None:
    sites.reset_counts()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, *, follow: bool = True, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a GET; HTTP errors are answers, not exceptions."""
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_hosts_are_three_loopback_addresses(sites: fixturesite.Sites) -> None:
    assert [urlsplit(u).hostname for u in (sites.a, sites.b, sites.offsite)] == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/", 200, "text/html"),
        ("/en/latest", 200, "text/html"),
        ("/en/americas", 200, "text/html"),
        ("/feed.rss", 200, "application/xml"),
        ("/atom.xml", 200, "application/atom+xml"),
        ("/broken.rss", 200, "application/xml"),
        ("/sitemap.xml", 200, "application/xml"),
        ("/news-sitemap.xml", 200, "application/xml"),
        ("/sitemap-old.xml.gz", 200, "application/x-gzip"),
        ("/bench-sitemap.xml", 200, "application/xml"),
        ("/robots.txt", 200, "text/plain"),
        (catalog.PDF_PATH, 200, "application/pdf"),
        (catalog.SOFT_404_PATH, 200, "text/html"),
        (catalog.SECTION_TRAP_PATH, 200, "text/html"),
        (catalog.ERROR_PATH, 500, "text/html"),
        (catalog.NOT_FOUND_PATH, 404, "text/html"),
        ("/no/such/page", 404, "text/html"),
        (catalog.OLD_PATH, 301, "text/html"),
        (catalog.OFFSITE_REDIRECT_PATH, 302, "text/html"),
    ],
)
def test_site_a_route(sites: fixturesite.Sites, path: str, status: int, content_type: str) -> None:
    got, headers, _ = fetch(sites.a + path, follow=False)
    assert (got, headers["Content-Type"].split(";")[0]) == (status, content_type)


@pytest.mark.parametrize(("path", "status"), [("/", 200), ("/feed.xml", 200), ("/robots.txt", 200), ("/nope", 404)])
def test_site_b_route(sites: fixturesite.Sites, path: str, status: int) -> None:
    assert fetch(sites.b + path)[0] == status


def test_pdf_is_a_pdf(sites: fixturesite.Sites) -> None:
    body = fetch(sites.a + catalog.PDF_PATH)[2]
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")


def test_old_path_redirects_to_the_alias_article(sites: fixturesite.Sites) -> None:
    alias = sites.manifest.article(catalog.ALIAS_KEY)
    _, headers, _ = fetch(sites.a + catalog.OLD_PATH, follow=False)
    assert headers["Location"] == alias.url
    assert sites.a + catalog.OLD_PATH in alias.aliases


def test_redirect_chain_ends_at_the_article(sites: fixturesite.Sites) -> None:
    alias = sites.manifest.article(catalog.ALIAS_KEY)
    status, _, body = fetch(sites.a + catalog.OLD_PATH)
    assert status == 200 and alias.title in body.decode()
    assert sites.requests("a") == {catalog.OLD_PATH: 1, alias.path: 1}


def test_offsite_redirect_points_at_the_offsite_host(sites: fixturesite.Sites) -> None:
    _, headers, _ = fetch(sites.a + catalog.OFFSITE_REDIRECT_PATH, follow=False)
    assert headers["Location"].startswith(sites.offsite + "/")
    assert sites.total_requests("offsite") == 0


def test_offsite_host_counts_every_request(sites: fixturesite.Sites) -> None:
    assert sites.total_requests("offsite") == 0
    fetch(sites.offsite + "/anything")
    fetch(sites.offsite + "/robots.txt")
    assert sites.requests("offsite") == {"/anything": 1, "/robots.txt": 1}


def test_counts_by_path_add_up_tracking_variants(sites: fixturesite.Sites) -> None:
    alias = sites.manifest.article(catalog.ALIAS_KEY)
    for url in (alias.url, *alias.aliases[:2]):
        assert fetch(url)[0] == 200
    assert sites.requests("a")[alias.path] == 3
    assert len([t for t in sites.requests(sites.a, with_query=True) if t.startswith(alias.path)]) == 3


def test_unknown_host_name_is_an_error(sites: fixturesite.Sites) -> None:
    with pytest.raises(KeyError):
        sites.requests("c")


def test_robots_txt_disallows_private_and_sets_crawl_delay(sites: fixturesite.Sites) -> None:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(fetch(sites.a + "/robots.txt")[2].decode().splitlines())
    robots_article = next(a for a in sites.manifest.articles if "robots" in a.traps)
    assert not parser.can_fetch("mediamon", robots_article.url)
    assert all(
        parser.can_fetch("mediamon", a.url)
        for a in sites.manifest.articles
        if a.site == "a" and "robots" not in a.traps
    )
    assert parser.crawl_delay("mediamon") == 0
    assert parser.site_maps() == [sites.a + "/sitemap.xml"]


def test_sitemap_index_lists_news_and_gzip_children(sites: fixturesite.Sites) -> None:
    root = etree.fromstring(fetch(sites.a + "/sitemap.xml")[2])
    locs = [e.text for e in root.iter("{*}loc")]
    assert locs == [sites.a + "/news-sitemap.xml", sites.a + "/sitemap-old.xml.gz"]


def test_gzip_sitemap_decompresses_with_an_old_entry(sites: fixturesite.Sites) -> None:
    root = etree.fromstring(gzip.decompress(fetch(sites.a + "/sitemap-old.xml.gz")[2]))
    lastmod = {u.findtext("{*}loc"): datetime.fromisoformat(u.findtext("{*}lastmod")) for u in root.iter("{*}url")}
    expected = {a.url: a.published_at for a in sites.manifest.articles if "old-sitemap" in a.links}
    assert lastmod == expected
    assert min(lastmod.values()) == NOW - timedelta(days=60)


def test_news_sitemap_dates_and_titles_match_the_manifest(sites: fixturesite.Sites) -> None:
    root = etree.fromstring(fetch(sites.a + "/news-sitemap.xml")[2])
    got = {
        u.findtext("{*}loc"): (u.findtext(".//{*}title"), datetime.fromisoformat(u.findtext(".//{*}publication_date")))
        for u in root.iter("{*}url")
    }
    expected = {a.url: (a.title, a.published_at) for a in sites.manifest.articles if "news-sitemap" in a.links}
    assert got == expected


def test_rss_feed_links_and_dates(sites: fixturesite.Sites) -> None:
    feed = feedparser.parse(fetch(sites.a + "/feed.rss")[2])
    dates = {e.link: parsedate_to_datetime(e.published) for e in feed.entries}
    alias = sites.manifest.article(catalog.ALIAS_KEY)
    havana = sites.manifest.article("en-havana-tourism")
    assert not feed.bozo
    assert alias.aliases[0] in dates and alias.url not in dates
    assert dates[havana.url] == havana.published_at
    assert sites.offsite + catalog.OFFSITE_FEED_PATH in dates
    assert {sites.a + p for p in (catalog.NOT_FOUND_PATH, catalog.SLOW_PATH, catalog.PDF_PATH)} <= dates.keys()


def test_atom_feed_parses(sites: fixturesite.Sites) -> None:
    feed = feedparser.parse(fetch(sites.a + "/atom.xml")[2])
    links = {e.link for e in feed.entries}
    assert not feed.bozo and feed.version == "atom10"
    assert {a.url for a in sites.manifest.articles if "atom" in a.links} | {sites.a + catalog.ERROR_PATH} == links


def test_broken_feed_is_malformed_xml(sites: fixturesite.Sites) -> None:
    body = fetch(sites.a + "/broken.rss")[2]
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(body)
    assert feedparser.parse(body).bozo


def test_listing_links_every_listing_article_and_trap(sites: fixturesite.Sites) -> None:
    html = fetch(sites.a + "/en/latest")[2].decode()
    hrefs = {html_lib.unescape(h) for h in re.findall(r'href="([^"]+)"', html)}
    listed = {a.url for a in sites.manifest.articles if "listing" in a.links and a.key != catalog.ALIAS_KEY}
    traps = {t.url for t in sites.manifest.traps if "listing" in t.linked_from}
    absolute = {h if h.startswith("http") else sites.a + h for h in hrefs}
    assert listed | traps | {sites.manifest.article(catalog.ALIAS_KEY).aliases[1]} <= absolute


def test_listing_pattern_selects_articles_not_navigation(sites: fixturesite.Sites) -> None:
    pattern = re.compile(fixturesite.jobfile.ARTICLE_PATTERN)
    assert not any(pattern.search(sites.a + p) for p in ("/", "/en/latest", "/en/americas", "/en/latest?page=2"))
    assert all(pattern.search(a.url) for a in sites.manifest.articles if "listing" in a.links)


def test_every_article_is_served_with_its_title_canonical_and_language(sites: fixturesite.Sites) -> None:
    for spec in sites.manifest.articles:
        status, _, body = fetch(spec.url)
        html = body.decode()
        assert status == 200, spec.key
        assert f"<h1>{spec.title}</h1>".replace("'", "&#x27;") in html, spec.key
        assert f'<link rel="canonical" href="{spec.canonical_url}">' in html, spec.key
        assert f'<html lang="{spec.language}">' in html, spec.key


def test_article_dates_are_recent_except_the_old_one(sites: fixturesite.Sites) -> None:
    ages = {a.key: NOW - a.published_at for a in sites.manifest.articles}
    old = [k for k, age in ages.items() if age > timedelta(days=7)]
    assert old == [a.key for a in sites.manifest.expecting("skipped_old")] == ["en-currency-old"]
    assert all(timedelta(0) < age for age in ages.values())
    assert all(a.published_at.tzinfo is not None for a in sites.manifest.articles)


def _jsonld(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def _meta_date(html: str) -> str | None:
    match = re.search(r'<meta property="article:published_time" content="([^"]+)">', html)
    return match.group(1) if match else None


def test_each_page_carries_the_date_its_manifest_source_names(sites: fixturesite.Sites) -> None:
    for spec in sites.manifest.articles:
        html = fetch(spec.url)[2].decode()
        jsonld, meta = _jsonld(html).get("datePublished"), _meta_date(html)
        if spec.date_source == "jsonld":
            assert datetime.fromisoformat(str(jsonld)) == spec.published_at, spec.key
        elif spec.date_source == "meta":
            assert jsonld is None and datetime.fromisoformat(str(meta)) == spec.published_at, spec.key
        else:
            assert jsonld is None and meta is None and "<time" not in html, spec.key


def test_bad_meta_date_page_has_month_46_and_a_valid_jsonld_date(sites: fixturesite.Sites) -> None:
    spec = next(a for a in sites.manifest.articles if "bad_meta_date" in a.traps)
    html = fetch(spec.url)[2].decode()
    assert _meta_date(html).startswith(f"{NOW.year}-46-21")
    assert datetime.fromisoformat(_jsonld(html)["datePublished"]) == spec.published_at


def _body_paragraphs(html: str) -> list[str]:
    body = html.split('<div class="article-body">', 1)[1].split("</div>", 1)[0]
    return re.findall(r"<p>(.*?)</p>", body)


def test_syndicated_copy_has_identical_body_on_site_b(sites: fixturesite.Sites) -> None:
    copy = next(a for a in sites.manifest.articles if a.duplicate_of)
    original = sites.manifest.article(copy.duplicate_of)
    html_a, html_b = fetch(original.url)[2].decode(), fetch(copy.url)[2].decode()
    assert urlsplit(copy.url).hostname == "127.0.0.2"
    assert _body_paragraphs(html_a) == _body_paragraphs(html_b) and copy.text == original.text
    assert "Diario del Caribe" in html_b and "Diario del Caribe" not in html_a


def test_soft_404_says_page_not_found(sites: fixturesite.Sites) -> None:
    assert "<h1>Page not found</h1>" in fetch(sites.a + catalog.SOFT_404_PATH)[2].decode()


def test_slow_page_times_out_without_blocking_other_requests(sites: fixturesite.Sites) -> None:
    outcome: list[str] = []

    def slow() -> None:
        try:
            fetch(sites.a + catalog.SLOW_PATH, timeout=1.0)
            outcome.append("answered")
        except TimeoutError:
            outcome.append("timeout")

    thread = threading.Thread(target=slow)
    thread.start()
    fast = fetch(sites.a + "/feed.rss")[0]
    still_waiting = thread.is_alive()
    thread.join()
    assert (fast, still_waiting, outcome) == (200, True, ["timeout"])


def _words(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return " " + re.sub(r"[^a-z0-9*]+", " ", "".join(c for c in folded if not unicodedata.combining(c))) + " "


def _matches(term: str, text: str) -> bool:
    term = _words(term).strip()
    if term.endswith("*"):
        return re.search(r" " + re.escape(term[:-1]) + r"[a-z0-9]*", text) is not None
    return f" {term} " in text


def test_topic_expectations_follow_from_the_job_terms(sites: fixturesite.Sites) -> None:
    job = tomllib.loads(fixturesite.job_toml(sites))
    for spec in sites.manifest.articles:
        text = _words(spec.title + " " + spec.text)
        found = tuple(
            t["name"]
            for t in job["topics"]
            if any(_matches(term, text) for term in t["terms"][spec.language])
            and not any(_matches(term, text) for term in t.get("exclude", ()))
        )
        assert found == spec.topics, spec.key


def test_manifest_expected_outcomes(sites: fixturesite.Sites) -> None:
    m = sites.manifest
    counts = {
        o: len(m.expecting(o)) for o in ("stored", "off_topic", "skipped_old", "skipped_robots", "duplicate_content")
    }
    assert counts == {"stored": 18, "off_topic": 7, "skipped_old": 1, "skipped_robots": 1, "duplicate_content": 1}
    assert {a.language for a in m.articles} == {"en", "es"}
    assert {a.date_source for a in m.expecting("stored")} == {"jsonld", "meta", "feed", "sitemap"}
    assert len({a.url for a in m.articles}) == len(m.articles)


@pytest.mark.parametrize("make", [fixturesite.job_toml, fixturesite.bench_job_toml])
def test_job_files_validate(sites: fixturesite.Sites, tmp_path: Path, make: object) -> None:
    path = tmp_path / "job.toml"
    path.write_text(make(sites), encoding="utf-8")  # type: ignore[operator]
    job = jobs.load_job(path)
    assert job.limits.delay_seconds == 0 and {"127.0.0.1"} <= job.hosts and "127.0.0.3" not in job.hosts


def test_bench_pages_are_listed_large_and_distinct(sites: fixturesite.Sites) -> None:
    root = etree.fromstring(fetch(sites.a + "/bench-sitemap.xml")[2])
    locs = [e.text for e in root.iter("{*}loc")]
    assert locs == [b.url for b in sites.manifest.bench] and len(locs) == 4
    for spec in sites.manifest.bench:
        body = fetch(spec.url)[2]
        assert 20_000 <= len(body) <= 60_000 and 600 <= len(spec.text.split()) <= 1100
    assert len({b.text for b in sites.manifest.bench}) == 4


def test_stop_closes_the_ports() -> None:
    with fixturesite.start_sites() as running:
        url = running.a + "/"
        assert fetch(url)[0] == 200
    with pytest.raises(urllib.error.URLError):
        fetch(url, timeout=2)


def test_module_main_serves_until_interrupted() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "crawler.fixturesite"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    ) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert url and fetch(url.group(0) + "/robots.txt")[0] == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
