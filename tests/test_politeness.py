"""Per-host pacing (pure, on an injected clock), robots.txt rules and the failure -> outcome mapping."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from scrapy.exceptions import DownloadConnectionRefusedError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import Deferred

from crawler import outcomes
from crawler.fetch import failures, politeness, robots

WALL = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _hosts(delay: float = 0.0, jitter: float = 0.0, draw: float = 1.0) -> politeness.Hosts:
    return politeness.Hosts(delay, jitter, rng=lambda: draw)


def test_first_request_to_a_host_starts_at_once() -> None:
    assert _hosts(delay=2.0).wait("h", 2.0, now=100.0) == 0.0


def test_next_start_waits_for_the_job_delay() -> None:
    hosts = _hosts(delay=2.0)
    hosts.started("h", 100.0)
    assert hosts.wait("h", 2.0, now=100.5) == pytest.approx(1.5)


def test_a_slot_delay_lowered_by_autothrottle_does_not_go_under_the_floor() -> None:
    hosts = _hosts(delay=2.0)
    hosts.started("h", 100.0)
    assert hosts.wait("h", 0.1, now=100.0) == pytest.approx(2.0)


def test_a_slot_delay_raised_by_autothrottle_counts() -> None:
    hosts = _hosts(delay=1.0)
    hosts.started("h", 100.0)
    assert hosts.wait("h", 5.0, now=100.0) == pytest.approx(5.0)


def test_jitter_only_adds_to_the_floor() -> None:
    low, high = _hosts(delay=2.0, jitter=0.5, draw=0.0), _hosts(delay=2.0, jitter=0.5, draw=1.0)
    for hosts in (low, high):
        hosts.started("h", 0.0)
    assert low.wait("h", 0.0, now=0.0) == pytest.approx(2.0)
    assert high.wait("h", 0.0, now=0.0) == pytest.approx(3.0)


def test_crawl_delay_above_the_job_delay_is_the_floor() -> None:
    hosts = _hosts(delay=0.5)
    hosts.set_crawl_delay("h", 3)
    assert hosts.floor("h") == 3.0


def test_crawl_delay_is_capped() -> None:
    hosts = _hosts()
    assert hosts.set_crawl_delay("h", 86400) == politeness.MAX_CRAWL_DELAY


def test_crawl_delay_allows_one_request_in_flight() -> None:
    hosts = _hosts()
    hosts.set_crawl_delay("h", 1)
    assert (hosts.max_in_flight("h", 8), hosts.max_in_flight("other", 8)) == (1, 8)


def test_crawl_delay_counts_from_the_end_of_the_previous_request() -> None:
    hosts = _hosts()
    hosts.set_crawl_delay("h", 1)
    hosts.started("h", 10.0)
    hosts.ended("h", 12.0)  # a slow answer: the gap the server sees starts when it was answered
    assert hosts.wait("h", 0.0, now=12.2) == pytest.approx(0.8)


def test_crawl_delay_is_per_host() -> None:
    hosts = _hosts()
    hosts.set_crawl_delay("a", 5)
    hosts.started("a", 0.0)
    hosts.started("b", 0.0)
    assert hosts.wait("b", 0.0, now=0.0) == 0.0


def test_retry_after_seconds_push_the_next_request_back() -> None:
    hosts = _hosts()
    hosts.answered("h", 429, "3", now=50.0, wall=WALL)
    assert hosts.wait("h", 0.0, now=50.0) == pytest.approx(3.0)


def test_503_with_retry_after_pushes_back() -> None:
    hosts = _hosts()
    hosts.answered("h", 503, "7", now=0.0, wall=WALL)
    assert hosts.wait("h", 0.0, now=0.0) == pytest.approx(7.0)


def test_503_without_retry_after_does_not() -> None:
    hosts = _hosts()
    hosts.answered("h", 503, None, now=0.0, wall=WALL)
    assert hosts.wait("h", 0.0, now=0.0) == 0.0


def test_repeated_429s_back_off_exponentially() -> None:
    hosts = _hosts()
    waits = []
    for now in (0.0, 100.0, 200.0, 300.0):
        hosts.answered("h", 429, None, now=now, wall=WALL)
        waits.append(hosts.wait("h", 0.0, now=now))
    base = politeness.BACKOFF_BASE
    assert waits == [base, 2 * base, 4 * base, 8 * base]


def test_a_success_ends_the_backoff() -> None:
    hosts = _hosts()
    hosts.answered("h", 429, None, now=0.0, wall=WALL)
    hosts.answered("h", 429, None, now=10.0, wall=WALL)
    hosts.answered("h", 200, None, now=20.0, wall=WALL)
    hosts.answered("h", 429, None, now=30.0, wall=WALL)
    assert hosts.wait("h", 0.0, now=30.0) == pytest.approx(politeness.BACKOFF_BASE)


def test_a_host_asking_for_too_long_is_paused_for_the_run() -> None:
    hosts = _hosts()
    hosts.answered("h", 429, "86400", now=0.0, wall=WALL)
    assert hosts.paused("h") is not None and "86400" in (hosts.paused("h") or "")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), ("0", 0.0), ("Tue, 01 Dec 2026 12:00:30 GMT", 30.0), ("Tue, 01 Dec 2026 11:00:00 GMT", 0.0),
     ("soon", None), ("-5", None)],
)
def test_retry_after_header_values(value: str, seconds: float | None) -> None:
    assert politeness.parse_retry_after(value, WALL) == seconds


ROBOTS = b"User-agent: *\nCrawl-delay: 2\nDisallow: /private/\n"


def test_robots_rules_disallow_and_crawl_delay() -> None:
    rules = robots.from_response(200, ROBOTS)
    assert not rules.allowed("http://h.test/private/x", "mediamon")
    assert rules.allowed("http://h.test/news/x", "mediamon")
    assert rules.crawl_delay("mediamon") == 2.0


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_robots_4xx_means_no_rules(status: int) -> None:
    assert robots.from_response(status, b"Disallow: /").allowed("http://h.test/private/x", "mediamon")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_robots_429_or_5xx_blocks_the_origin(status: int) -> None:
    rules = robots.from_response(status, b"")
    assert not rules.allowed("http://h.test/", "mediamon")
    assert rules.unreachable == f"robots.txt answered HTTP {status}"


def _http_error(status: int) -> HttpError:
    return HttpError(Response("http://h.test/x", status=status), "ignored")


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (_http_error(404), outcomes.ERROR_GONE),
        (_http_error(410), outcomes.ERROR_GONE),
        (_http_error(500), outcomes.ERROR_HTTP),
        (_http_error(429), outcomes.ERROR_HTTP),
        (failures.TooLarge("x"), outcomes.TOO_LARGE),
        (failures.RobotsDisallowed("x"), outcomes.SKIPPED_ROBOTS),
        (failures.RobotsUnreachable("x", outcomes.ERROR_TIMEOUT), outcomes.ERROR_TIMEOUT),
        (failures.OffsiteRedirect("x"), outcomes.SKIPPED_OFFSITE),
        (failures.RedirectLoop("x"), outcomes.ERROR_REDIRECT),
        (failures.HostPaused("x"), outcomes.ERROR_HTTP),
        (DownloadTimeoutError("x"), outcomes.ERROR_TIMEOUT),
        (DownloadConnectionRefusedError("x"), outcomes.ERROR_CONNECTION),
    ],
)
def test_failures_are_classified_by_type(exc: Exception, outcome: str) -> None:
    assert failures.outcome_of(exc)[0] == outcome


def test_message_text_does_not_decide_the_outcome() -> None:
    # the old mapping read "robots.txt", "offsite" and "max size" out of messages
    assert failures.outcome_of(IgnoreRequest("Forbidden by robots.txt: max size"))[0] == outcomes.ERROR_CONNECTION


def test_upstream_deferred_as_future_gives_later_waiters_none() -> None:
    """Why we do not use Scrapy 2.19's RobotsTxtMiddleware: it awaits one pending Deferred per host
    from every waiting request, and Deferred.asFuture hands the result only to the first future.
    When this test fails, Twisted or Scrapy changed and the upstream bug may be gone."""

    async def proof() -> tuple[object, object]:
        loop = asyncio.get_running_loop()
        d: Deferred[str] = Deferred()
        f1, f2 = d.asFuture(loop), d.asFuture(loop)
        d.callback("rp")
        return await f1, await f2

    assert asyncio.run(proof()) == ("rp", None)
