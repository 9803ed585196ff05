"""URL canonicalization, offsite rules and rel=canonical choice (crawler.fetch.urls)."""

from __future__ import annotations

import pytest

from crawler.fetch import urls

CANONICAL_CASES = [
    # (input, expected)
    ("HTTP://WWW.Example.COM/a", "http://www.example.com/a"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com?", "https://example.com/"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("http://example.com:80/a", "http://example.com/a"),
    ("http://example.com:8080/a", "http://example.com:8080/a"),
    ("https://example.com:80/a", "https://example.com:80/a"),
    ("http://example.com./a", "http://example.com/a"),
    ("https://example.com/a#section-2", "https://example.com/a"),
    ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("https://example.com/a?utm_source=x&utm_medium=y&utm_campaign=z", "https://example.com/a"),
    ("https://example.com/a?UTM_Source=x&id=7", "https://example.com/a?id=7"),
    ("https://example.com/a?id=7&fbclid=IwAR0&gclid=abc&dclid=1&msclkid=2", "https://example.com/a?id=7"),
    ("https://example.com/a?mc_cid=1&mc_eid=2&_ga=3&igshid=4&yclid=5&ref_src=twsrc", "https://example.com/a"),
    ("https://example.com/a%7eb/%e2%82%ac", "https://example.com/a~b/%E2%82%AC"),
    ("https://example.com/ü", "https://example.com/%C3%BC"),
    ("https://Bücher.de/x", "https://xn--bcher-kva.de/x"),
    ("https://example.com/a?q=caf%E9", "https://example.com/a?q=caf%E9"),  # Latin-1 query kept byte-exact
    ("https://example.com/a?page=2&ref=home", "https://example.com/a?page=2&ref=home"),  # "ref" is not tracking
    ("http://example.com/a/./b/../c", "http://example.com/a/c"),
    ("  https://example.com/a  ", "https://example.com/a"),
]


@pytest.mark.parametrize(("url", "expected"), CANONICAL_CASES)
def test_canonical_url(url: str, expected: str) -> None:
    assert urls.canonical_url(url) == expected


@pytest.mark.parametrize("url", [case[0] for case in CANONICAL_CASES])
def test_canonical_url_is_idempotent(url: str) -> None:
    once = urls.canonical_url(url)
    assert urls.canonical_url(once) == once


@pytest.mark.parametrize(
    "variant",
    [
        "https://news.example.com/cuba/article-1?utm_source=twitter",
        "https://news.example.com/cuba/article-1?utm_source=rss&utm_medium=feed",
        "https://NEWS.example.com:443/cuba/article-1#top",
        "https://news.example.com/cuba/article-1?fbclid=xyz",
    ],
)
def test_tracking_variants_share_one_canonical(variant: str) -> None:
    assert urls.canonical_url(variant) == "https://news.example.com/cuba/article-1"


def test_scheme_is_kept_as_given() -> None:
    assert urls.canonical_url("http://example.com/a") != urls.canonical_url("https://example.com/a")


@pytest.mark.parametrize("url", ["javascript:void(0)", "mailto:a@example.com", "not a url", "http://example.com:abc/"])
def test_non_http_or_unparsable_input_comes_back_unchanged(url: str) -> None:
    assert urls.canonical_url(url) == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://WWW.Example.com:8443/a", "www.example.com"),
        ("http://example.com./", "example.com"),
        ("https://bücher.de/", "xn--bcher-kva.de"),
        ("mailto:a@example.com", ""),
    ],
)
def test_host(url: str, expected: str) -> None:
    assert urls.host(url) == expected


ALLOWED_CASES = [
    # (url, hosts, expected)
    ("https://example.com/a", {"example.com"}, True),
    ("https://www.example.com/a", {"example.com"}, True),
    ("https://example.com/a", {"www.example.com"}, True),
    ("https://news.example.com/a", {"example.com"}, True),
    ("https://EXAMPLE.com/a", {"Example.COM"}, True),
    ("https://example.com/a", {"https://example.com/feed.xml"}, True),  # a source URL works as an entry
    ("https://example.com.evil.net/a", {"example.com"}, False),
    ("https://notexample.com/a", {"example.com"}, False),
    ("https://example.com/a", {"news.example.com"}, False),  # parent of an allowed subdomain is offsite
    ("https://other.org/a", {"example.com", "example.net"}, False),
    ("ftp://example.com/a", {"example.com"}, False),
    ("javascript:alert(1)", {"example.com"}, False),
    ("https://example.com/a", set(), False),
    ("http://127.0.0.1:8001/a", {"127.0.0.1:8001"}, True),
    ("http://127.0.0.1:8002/a", {"127.0.0.1:8001"}, False),  # an entry with a port pins the port
    ("http://127.0.0.1:8002/a", {"127.0.0.1"}, True),  # an entry without a port allows any port
    ("https://example.com/a", {"example.com:443"}, True),
]


@pytest.mark.parametrize(("url", "hosts", "expected"), ALLOWED_CASES)
def test_allowed(url: str, hosts: set[str], expected: bool) -> None:
    assert urls.allowed(url, frozenset(hosts)) is expected


CHOOSE_CASES = [
    # (fetched, page canonical, expected)
    ("https://example.com/a?utm_source=x", None, "https://example.com/a"),
    ("https://example.com/a?utm_source=x", "  ", "https://example.com/a"),
    ("https://example.com/a?utm_source=x", "https://example.com/story/a", "https://example.com/story/a"),
    ("https://www.example.com/a", "https://example.com/a", "https://example.com/a"),
    ("http://example.com/a", "https://example.com/a", "https://example.com/a"),  # https upgrade on the same site
    ("https://amp.example.com/a", "https://www.example.com/a", "https://www.example.com/a"),
    ("https://example.com/a", "/story/a#x", "https://example.com/story/a"),  # relative canonical
    ("https://example.com/a", "https://example.com/story/a?utm_medium=x", "https://example.com/story/a"),
    ("https://example.com/a", "https://aggregator.net/a", "https://example.com/a"),  # offsite ignored
    ("https://example.com/a", "javascript:void(0)", "https://example.com/a"),
    ("https://example.com/a", "ftp://example.com/a", "https://example.com/a"),
    ("https://example.com/a", "https://example.com/", "https://example.com/a"),  # home-page canonical bug
    ("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a", "http://127.0.0.1:8001/a"),  # other port = other site
]


@pytest.mark.parametrize(("fetched", "page_canonical", "expected"), CHOOSE_CASES)
def test_choose_canonical(fetched: str, page_canonical: str | None, expected: str) -> None:
    assert urls.choose_canonical(fetched, page_canonical) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("utm_source", True), ("UTM_CAMPAIGN", True), ("fbclid", True), ("pk_kwd", True), ("id", False), ("page", False)],
)
def test_is_tracking_param(name: str, expected: bool) -> None:
    assert urls.is_tracking_param(name) is expected


@pytest.mark.parametrize(
    ("base", "href", "expected"),
    [
        ("https://example.com/news/", "a.html", "https://example.com/news/a.html"),
        ("https://example.com/news/", "//cdn.example.com/x", "https://cdn.example.com/x"),
        ("https://example.com/news/", "/b#frag", "https://example.com/b"),
        ("https://example.com/news/", "#top", None),
        ("https://example.com/news/", "javascript:void(0)", None),
        ("https://example.com/news/", "mailto:a@example.com", None),
        ("https://example.com/news/", "", None),
    ],
)
def test_absolute(base: str, href: str, expected: str | None) -> None:
    assert urls.absolute(base, href) == expected
