"""Adaptive polling of one source: its observed rate of new items -> its next poll time. Pure (``now`` is passed).

The rate is an exponentially weighted estimate: new items and hours observed both decay with
``half_life``, so rate = weighted items / weighted hours follows a source that speeds up or slows down.
A small prior (``prior_items`` over ``prior_hours``) keeps a new or silent source from being polled at
either extreme at once; a first poll whose entries are dated gives a first estimate from their span.

A steady rate R is polled every ``scale_hours / R ** exponent`` hours (defaults: when about 4 new items
are expected). With ``daily_profile`` the source's items and observed hours are also kept per UTC hour of
day (decaying over days), and the next poll comes when the items expected from now on reach that same
number: sooner in the hours the source publishes, later at night. The interval is bounded by the job's
``min_interval`` and ``max_interval`` and doubles per consecutive error. ``bench/freshness.py`` measures
the trade-off against a fixed cron.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

#: a first poll's backlog is read as a rate over at most this long (older entries say little about today)
MAX_SPAN_HOURS = 7 * 24.0


@dataclass(frozen=True)
class Bounds:
    """A job's polling settings (``[monitor]`` in the job file)."""

    min_interval: timedelta = timedelta(minutes=10)
    max_interval: timedelta = timedelta(hours=24)
    # interval = scale_hours / rate ** exponent (rate in items/hour). exponent 1: poll when `scale_hours` new
    # items are expected; 0.5: the square-root rule (best mean lag for a request budget). 1 wins on median lag
    # per request in bench/freshness.py because the median item comes from the busy sources.
    scale_hours: float = 4.0
    exponent: float = 1.0
    half_life: timedelta = timedelta(hours=12)
    prior_items: float = 0.25
    prior_hours: float = 1.0
    max_error_doublings: int = 6
    daily_profile: bool = True  # learn when in the (UTC) day a source publishes, and poll more then
    profile_half_life: timedelta = timedelta(days=3)
    profile_prior_hours: float = 0.5  # an hour-of-day bucket counts this many hours of the overall rate


@dataclass(frozen=True)
class PollState:
    """What is remembered about a source's polls (``sources`` columns)."""

    items: float = 0.0  # exponentially weighted count of new items seen
    hours: float = 0.0  # exponentially weighted hours observed
    errors: int = 0  # consecutive failed polls
    last_polled_at: datetime | None = None
    last_new_at: datetime | None = None
    next_poll_at: datetime | None = None
    # exponentially weighted new items and hours observed per UTC hour of day (24 + 24 values; () = none yet)
    profile: tuple[float, ...] = ()

    def rate_per_hour(self, bounds: Bounds = Bounds()) -> float:
        """The estimated new items per hour, prior included."""
        return (self.items + bounds.prior_items) / (self.hours + bounds.prior_hours)


def interval(rate_per_hour: float, bounds: Bounds, errors: int = 0) -> timedelta:
    """Time to the next poll for a steady rate, within the bounds; doubled per consecutive error (capped)."""
    hours = bounds.scale_hours / max(rate_per_hour, 1e-9) ** bounds.exponent
    return _bounded(hours * 3600.0 * 2 ** min(errors, bounds.max_error_doublings), bounds)


def _bounded(seconds: float, bounds: Bounds) -> timedelta:
    low, high = bounds.min_interval.total_seconds(), bounds.max_interval.total_seconds()
    return timedelta(seconds=min(max(seconds, low), high))


def hourly_rates(state: PollState, bounds: Bounds) -> tuple[float, ...]:
    """Expected new items per hour for each UTC hour of the day: the source's daily profile, shrunk towards
    its overall rate where little was observed."""
    overall = state.rate_per_hour(bounds)
    if not state.profile:
        return (overall,) * 24
    items, hours, prior = state.profile[:24], state.profile[24:], bounds.profile_prior_hours
    return tuple((items[h] + prior * overall) / (hours[h] + prior) for h in range(24))


def profiled_interval(state: PollState, now: datetime, bounds: Bounds) -> timedelta:
    """Time until the items expected from `now` on reach what a steady source would give per poll.

    A steady rate R is polled every scale / R**exponent hours, i.e. when scale * R**(1 - exponent) items are
    expected; with a daily profile the same number of expected items comes sooner in busy hours and later in
    quiet ones.
    """
    rates = hourly_rates(state, bounds)
    overall = state.rate_per_hour(bounds)
    target = bounds.scale_hours * max(overall, 1e-9) ** (1 - bounds.exponent)
    limit = bounds.max_interval.total_seconds()
    step, expected, elapsed = 600.0, 0.0, 0.0
    moment = now
    while expected < target and elapsed < limit:
        expected += rates[moment.hour] * step / 3600.0
        elapsed += step
        moment += timedelta(seconds=step)
    return _bounded(elapsed, bounds)


def _spread(profile: tuple[float, ...], start: datetime, end: datetime, new_items: int, decay: float
            ) -> tuple[float, ...]:
    """The profile decayed, plus the window's hours per UTC hour and its new items spread over them."""
    items = [v * decay for v in profile[:24]] if profile else [0.0] * 24
    hours = [v * decay for v in profile[24:]] if profile else [0.0] * 24
    total = max((end - start).total_seconds() / 3600.0, 0.0)
    moment = start
    while moment < end:
        upto = min(end, moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
        share = (upto - moment).total_seconds() / 3600.0
        hours[moment.hour] += share
        if total > 0:
            items[moment.hour] += new_items * share / total
        moment = upto
    return tuple(items + hours)


def observe(state: PollState, *, now: datetime, new_items: int, ok: bool, bounds: Bounds,
            span_hours: float | None = None) -> PollState:
    """The state after a poll at `now` that found `new_items` new items (`ok` False: the poll failed).

    On a source's first poll everything is new (a backlog, not a rate); when the entries are dated,
    `span_hours` (now - the oldest entry's date) turns that backlog into a first rate estimate.
    """
    if not ok:
        errors = state.errors + 1
        rate = state.rate_per_hour(bounds)
        return replace(state, errors=errors, last_polled_at=now, next_poll_at=now + interval(rate, bounds, errors))
    items, hours, profile = state.items, state.hours, state.profile
    if state.last_polled_at is not None:
        elapsed = max((now - state.last_polled_at).total_seconds() / 3600.0, 0.0)
        decay = 0.5 ** (elapsed / (bounds.half_life.total_seconds() / 3600.0))
        items, hours = items * decay + new_items, hours * decay + elapsed
        if bounds.daily_profile:
            day_decay = 0.5 ** (elapsed / (bounds.profile_half_life.total_seconds() / 3600.0))
            profile = _spread(profile, state.last_polled_at, now, new_items, day_decay)
    elif span_hours is not None and new_items >= 2 and span_hours > 0:
        items, hours = float(new_items - 1), min(span_hours, MAX_SPAN_HOURS)  # n dated entries: n - 1 gaps
    # else: a first poll without dates says nothing about the rate; the prior decides
    fresh = PollState(items=items, hours=hours, errors=0, last_polled_at=now,
                      last_new_at=now if new_items else state.last_new_at, profile=profile)
    wait = profiled_interval(fresh, now, bounds) if bounds.daily_profile else interval(fresh.rate_per_hour(bounds),
                                                                                        bounds)
    return replace(fresh, next_poll_at=now + wait)


def due(state: PollState, now: datetime) -> bool:
    """True when the source should be polled in a run at `now` (never polled, or its time has come)."""
    return state.next_poll_at is None or state.next_poll_at <= now
