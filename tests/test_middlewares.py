"""Scrapy components: redirect guards, the size cap as a typed failure."""

from __future__ import annotations

import gzip
from types import SimpleNamespace

import pytest
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler.fetch import failures, middlewares


def _redirect(location: str) -> Response:
    return Response("http://news.test/old", status=301, headers={"Location": location})


def test_redirect_to_another_host_is_refused_with_a_reason() -> None:
    crawler = get_crawler()
    crawler.spider = SimpleNamespace(job=SimpleNamespace(hosts=frozenset({"news.test"})))
    mw = middlewares.RedirectGuardMiddleware.from_crawler(crawler)
    with pytest.raises(IgnoreRequest, match="offsite redirect to 'elsewhere.test'"):
        mw.process_response(Request("http://news.test/old"), _redirect("http://elsewhere.test/x"))


def test_redirect_within_the_site_is_followed() -> None:
    crawler = get_crawler()
    crawler.spider = SimpleNamespace(job=SimpleNamespace(hosts=frozenset({"news.test"})))
    mw = middlewares.RedirectGuardMiddleware.from_crawler(crawler)
    response = _redirect("/new")
    assert mw.process_response(Request("http://news.test/old"), response) is response


def _guard() -> middlewares.RedirectGuardMiddleware:
    crawler = get_crawler(settings_dict={"REDIRECT_MAX_TIMES": 3})
    crawler.spider = SimpleNamespace(job=SimpleNamespace(hosts=frozenset({"news.test"})))
    return middlewares.RedirectGuardMiddleware.from_crawler(crawler)


def test_offsite_redirect_is_a_typed_refusal() -> None:
    with pytest.raises(failures.OffsiteRedirect):
        _guard().process_response(Request("http://news.test/old"), _redirect("http://elsewhere.test/x"))


def test_redirect_to_itself_is_a_loop() -> None:
    with pytest.raises(failures.RedirectLoop, match="redirect loop"):
        _guard().process_response(Request("http://news.test/old"), _redirect("/old"))


def test_redirect_back_into_its_chain_is_a_loop() -> None:
    request = Request("http://news.test/b", meta={"redirect_urls": ["http://news.test/a"]})
    with pytest.raises(failures.RedirectLoop):
        _guard().process_response(request, _redirect("http://news.test/a?utm_source=x"))  # same canonical URL


def test_one_redirect_too_many_is_refused() -> None:
    chain = ["http://news.test/1", "http://news.test/2", "http://news.test/3"]
    request = Request("http://news.test/4", meta={"redirect_urls": chain})
    with pytest.raises(failures.RedirectLoop, match="more than 3 redirects"):
        _guard().process_response(request, _redirect("http://news.test/5"))


def _size_cap(maxsize: int = 1000) -> middlewares.SizeCapMiddleware:
    return middlewares.SizeCapMiddleware.from_crawler(get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": maxsize}))


def test_announced_size_over_the_cap_ends_too_large() -> None:
    mw, request = _size_cap(), Request("http://news.test/big")
    with pytest.raises(StopDownload) as stop:
        mw.headers_received(headers={}, body_length=1001, request=request)
    with pytest.raises(failures.TooLarge, match="Content-Length 1001"):
        mw.process_exception(request, stop.value)


def test_received_bytes_over_the_cap_end_too_large_without_content_length() -> None:
    mw, request = _size_cap(), Request("http://news.test/big")
    mw.headers_received(headers={}, body_length="twisted.web.iweb.UNKNOWN_LENGTH", request=request)
    mw.bytes_received(data=b"x" * 600, request=request)
    with pytest.raises(StopDownload) as stop:
        mw.bytes_received(data=b"x" * 600, request=request)
    with pytest.raises(failures.TooLarge):
        mw.process_exception(request, stop.value)


def test_a_stop_that_is_not_ours_is_left_alone() -> None:
    assert _size_cap().process_exception(Request("http://news.test/x"), StopDownload(fail=True)) is None


def test_gzip_bomb_ends_too_large_while_decompressing() -> None:
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 10_000})
    mw = middlewares.CappedCompressionMiddleware.from_crawler(crawler)
    bomb = gzip.compress(b"\0" * 5_000_000)
    response = Response("http://news.test/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(failures.TooLarge, match="while decompressing"):
        mw.process_response(Request("http://news.test/bomb"), response)


def test_gzip_under_the_cap_is_decompressed() -> None:
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 10_000})
    mw = middlewares.CappedCompressionMiddleware.from_crawler(crawler)
    body = gzip.compress(b"<p>hello</p>")
    response = Response("http://news.test/ok", body=body, headers={"Content-Encoding": "gzip"})
    assert mw.process_response(Request("http://news.test/ok"), response).body == b"<p>hello</p>"
