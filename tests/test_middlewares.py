"""Scrapy components: robots.txt Crawl-delay and offsite redirects."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import signals
from scrapy.core.downloader import Slot
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.test import get_crawler

from crawler.fetch import middlewares

ROBOTS = b"User-agent: *\nCrawl-delay: 4\nDisallow: /private/\n"


class _Downloader:
    """Just the part of Scrapy's downloader the middleware touches: its per-host slots."""

    def __init__(self) -> None:
        self.slots = {"news.test": Slot(concurrency=2, delay=0.5, jitter=0.0)}

    def get_slot_key(self, request: Request) -> str:
        return request.url.split("/")[2]


def _crawler_with_slots():  # type: ignore[no-untyped-def]
    crawler = get_crawler(settings_dict={"USER_AGENT": "mediamon-test"})
    crawler.engine = SimpleNamespace(downloader=_Downloader())
    return crawler


def test_crawl_delay_from_robots_raises_the_slot_delay() -> None:
    crawler = _crawler_with_slots()
    mw = middlewares.CrawlDelayMiddleware.from_crawler(crawler)
    parser = ProtegoRobotParser(ROBOTS, None)
    crawler.signals.send_catch_log(signals.robots_parsed, robotparser=parser, request=Request("http://news.test/a"))
    mw.process_request(Request("http://news.test/a"))
    assert crawler.engine.downloader.slots["news.test"].delay == 4.0


def test_crawl_delay_is_restored_after_autothrottle_lowers_it() -> None:
    crawler = _crawler_with_slots()
    mw = middlewares.CrawlDelayMiddleware.from_crawler(crawler)
    crawler.signals.send_catch_log(signals.robots_parsed, robotparser=ProtegoRobotParser(ROBOTS, None),
                                   request=Request("http://news.test/"))
    crawler.engine.downloader.slots["news.test"].delay = 0.1  # what AutoThrottle may do
    mw.process_request(Request("http://news.test/b"))
    assert crawler.engine.downloader.slots["news.test"].delay == 4.0


def test_crawl_delay_is_capped() -> None:
    crawler = _crawler_with_slots()
    mw = middlewares.CrawlDelayMiddleware.from_crawler(crawler)
    huge = ProtegoRobotParser(b"User-agent: *\nCrawl-delay: 86400\n", None)
    crawler.signals.send_catch_log(signals.robots_parsed, robotparser=huge, request=Request("http://news.test/"))
    mw.process_request(Request("http://news.test/c"))
    assert crawler.engine.downloader.slots["news.test"].delay == middlewares.MAX_CRAWL_DELAY


def _redirect(location: str) -> Response:
    return Response("http://news.test/old", status=301, headers={"Location": location})


def test_redirect_to_another_host_is_refused_with_a_reason() -> None:
    crawler = get_crawler()
    crawler.spider = SimpleNamespace(job=SimpleNamespace(hosts=frozenset({"news.test"})))
    mw = middlewares.OffsiteRedirectMiddleware.from_crawler(crawler)
    with pytest.raises(IgnoreRequest, match="offsite redirect to 'elsewhere.test'"):
        mw.process_response(Request("http://news.test/old"), _redirect("http://elsewhere.test/x"))


def test_redirect_within_the_site_is_followed() -> None:
    crawler = get_crawler()
    crawler.spider = SimpleNamespace(job=SimpleNamespace(hosts=frozenset({"news.test"})))
    mw = middlewares.OffsiteRedirectMiddleware.from_crawler(crawler)
    response = _redirect("/new")
    assert mw.process_response(Request("http://news.test/old"), response) is response
