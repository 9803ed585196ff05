"""Why a request was not answered, as exception types, and the outcome each one ends in.

Our downloader middlewares raise these (all `IgnoreRequest`, so Scrapy hands them to the request's
errback without logging); `outcome_of` maps any download failure to one outcome by exception type,
never by the text of a message.
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as txerror

from crawler import outcomes
from crawler.errors import MediamonError


class Refused(IgnoreRequest, MediamonError):
    """A request mediamon chose not to make or not to finish; `outcome` is how its link ends."""

    outcome: str = outcomes.ERROR_CONNECTION


class TooLarge(Refused):
    """The body is over the page size cap: announced, received, or found while decompressing."""

    outcome = outcomes.TOO_LARGE


class RobotsDisallowed(Refused):
    """robots.txt forbids the URL for our user agent."""

    outcome = outcomes.SKIPPED_ROBOTS


class RobotsUnreachable(Refused):
    """robots.txt answered 429/5xx or not at all: RFC 9309 says crawl nothing there (this run)."""

    def __init__(self, message: str, outcome: str) -> None:
        super().__init__(message)
        self.outcome = outcome


class OffsiteRedirect(Refused):
    """A redirect (or Scrapy's offsite check) points outside the job's hosts."""

    outcome = outcomes.SKIPPED_OFFSITE


class RedirectLoop(Refused):
    """A redirect back to a URL of its own chain, or more redirects than allowed."""

    outcome = outcomes.ERROR_REDIRECT


class HostPaused(Refused):
    """The host asked (429/503 Retry-After) to wait longer than a run may: not requested this run."""

    outcome = outcomes.ERROR_HTTP


_TIMEOUTS = (DownloadTimeoutError, txerror.TimeoutError, txerror.TCPTimedOutError)
_CONNECTION = (
    DownloadConnectionRefusedError, CannotResolveHostError, DownloadFailedError, ResponseDataLossError,
    DownloadCancelledError, txerror.ConnectError, txerror.ConnectionLost, txerror.DNSLookupError,
)


def outcome_of(exc: BaseException) -> tuple[str, str]:
    """(outcome, detail) of a failed download."""
    if isinstance(exc, HttpError):
        status = exc.response.status
        return (outcomes.ERROR_GONE if status in (404, 410) else outcomes.ERROR_HTTP), f"HTTP {status}"
    if isinstance(exc, Refused):
        return exc.outcome, str(exc)
    if isinstance(exc, _TIMEOUTS):
        return outcomes.ERROR_TIMEOUT, str(exc) or "timed out"
    if isinstance(exc, _CONNECTION):
        return outcomes.ERROR_CONNECTION, f"{type(exc).__name__}: {exc}"
    # anything else is still a request that got no usable answer; its type names what happened
    return outcomes.ERROR_CONNECTION, f"{type(exc).__name__}: {exc}"


def unreachable_outcome(exc: BaseException) -> str:
    """The outcome for requests blocked because robots.txt could not be fetched for this reason."""
    outcome, _ = outcome_of(exc)
    return outcome if outcome in (outcomes.ERROR_TIMEOUT, outcomes.ERROR_CONNECTION) else outcomes.ERROR_HTTP
