"""When may the next request to a host start? Per-host pacing rules, pure (the caller passes the clock).

The rules (one `Hosts` per crawl, so they hold across all of a job's sources):

- **floor**: two consecutive request starts to one host are at least ``max(job delay, Crawl-delay)``
  apart. A delay raised by AutoThrottle counts, one lowered below the floor does not, and jitter only
  ever adds to the floor (``delay * (1 + U(0, jitter))``), never takes from it.
- **Crawl-delay**: while robots.txt gives one, one request at a time is in flight to that host and the
  next starts at least Crawl-delay seconds after the previous one *ended* (Yandex's definition). So the
  server can never see two requests closer than Crawl-delay, whatever the network latency did.
- **Retry-After / 429**: a 429 or 503 with ``Retry-After`` pushes that host's next request back by that
  long. Consecutive 429s back off exponentially (``BACKOFF_BASE * 2**(n-1)``, or Retry-After if longer).
  A host that asks for more than ``MAX_PAUSE`` is paused for the rest of the run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

#: never wait longer than this between requests to one host, whatever robots.txt says (seconds)
MAX_CRAWL_DELAY = 60.0
#: first wait after a 429 without (or with a shorter) Retry-After; doubles with each consecutive 429
BACKOFF_BASE = 1.0
#: a host asking to wait longer than this (Retry-After or backoff) gets no more requests in this run
MAX_PAUSE = 300.0


@dataclass
class HostState:
    """What one host has seen in this crawl (times on the caller's monotonic clock)."""

    crawl_delay: float = 0.0
    last_start: float | None = None
    last_end: float | None = None
    gap: float = 0.0  # the delay drawn for the gap after last_start (floor plus upward jitter)
    not_before: float = 0.0  # Retry-After / backoff: no start before this
    throttled: int = 0  # consecutive 429 answers
    pause_reason: str | None = None  # set when the host asked for more than MAX_PAUSE


class Hosts:
    """Per-host pacing state of one crawl. `delay` is the job's delay; `jitter` the upward fraction."""

    def __init__(self, delay: float, jitter: float = 0.0, rng: Callable[[], float] = random.random) -> None:
        self.delay = delay
        self.jitter = jitter
        self.rng = rng
        self._hosts: dict[str, HostState] = {}

    def state(self, host: str) -> HostState:
        return self._hosts.setdefault(host, HostState())

    def floor(self, host: str) -> float:
        """The least delay between two request starts to `host`."""
        return max(self.delay, self.state(host).crawl_delay)

    def set_crawl_delay(self, host: str, seconds: float | None) -> float:
        """Record robots.txt's Crawl-delay (capped at MAX_CRAWL_DELAY); returns what applies."""
        state = self.state(host)
        if seconds and seconds > 0:
            state.crawl_delay = max(state.crawl_delay, min(float(seconds), MAX_CRAWL_DELAY))
        return state.crawl_delay

    def max_in_flight(self, host: str, concurrency: int) -> int:
        """Requests that may be in flight to `host` at once: 1 while a Crawl-delay applies."""
        return 1 if self.state(host).crawl_delay else concurrency

    def wait(self, host: str, slot_delay: float, now: float) -> float:
        """Seconds until the next request to `host` may start (0: now). `slot_delay` is Scrapy's slot
        delay (AutoThrottle's current value): it may raise the gap, never lower it below the floor."""
        state = self.state(host)
        earliest = state.not_before
        if state.last_start is not None:
            earliest = max(earliest, state.last_start + max(state.gap, slot_delay))
        if state.crawl_delay and state.last_end is not None:
            earliest = max(earliest, state.last_end + state.crawl_delay)
        return max(0.0, earliest - now)

    def started(self, host: str, now: float) -> None:
        """A request to `host` was handed to the network at `now`."""
        state = self.state(host)
        state.last_start = now
        floor = self.floor(host)
        state.gap = floor * (1.0 + self.jitter * self.rng()) if floor else 0.0

    def ended(self, host: str, now: float) -> None:
        """A request to `host` finished (answer or failure) at `now`."""
        state = self.state(host)
        state.last_end = now if state.last_end is None else max(state.last_end, now)

    def answered(self, host: str, status: int, retry_after: str | None, now: float, wall: datetime) -> None:
        """Apply a response's pacing signals: 429 backs off (exponentially when repeated), 429/503
        with Retry-After push the host's next start back; any other status ends a run of 429s."""
        state = self.state(host)
        asked = parse_retry_after(retry_after, wall) if retry_after else None
        if status == 429:
            state.throttled += 1
            push = max(asked or 0.0, BACKOFF_BASE * 2 ** (state.throttled - 1))
        elif status == 503 and asked is not None:
            push = asked
        else:
            state.throttled = 0
            return
        if push > MAX_PAUSE:
            state.pause_reason = f"HTTP {status}: host asked to wait {push:.0f} s (over {MAX_PAUSE:.0f} s)"
            return
        state.not_before = max(state.not_before, now + push)

    def paused(self, host: str) -> str | None:
        """Why `host` gets no more requests in this run, or None."""
        return self.state(host).pause_reason


def parse_retry_after(value: str, wall: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP-date, relative to `wall`); None when
    unparseable. Never negative."""
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        return None
    return max(0.0, (when - wall).total_seconds())
