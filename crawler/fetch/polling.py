"""Adaptive polling of one source: its observed rate of new items -> its next poll time. Pure (``now`` is passed).

The rate is an exponentially weighted estimate: new items and hours observed both decay with
``half_life``, so rate = weighted items / weighted hours follows a source that speeds up or slows down
(and, with a half-life of hours, the difference between day and night). A small prior (``prior_items``
over ``prior_hours``) keeps a new or silent source from being polled at either extreme at once.

The interval follows the square-root rule: ``interval = scale / sqrt(rate)``. For a fixed number of
requests it minimises the mean discovery lag over all items (polling each source in proportion to its
rate would spend most requests on the busiest sources; polling all equally wastes them on quiet ones).
It is bounded by the job's ``min_interval`` and ``max_interval`` and doubles per consecutive error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Bounds:
    """A job's polling settings (``[monitor]`` in the job file)."""

    min_interval: timedelta = timedelta(minutes=10)
    max_interval: timedelta = timedelta(hours=24)
    scale_hours: float = 1.5  # interval in hours at 1 new item per hour; 0.25 items/h -> 3 h
    half_life: timedelta = timedelta(hours=12)
    prior_items: float = 0.25
    prior_hours: float = 1.0
    max_error_doublings: int = 6


@dataclass(frozen=True)
class PollState:
    """What is remembered about a source's polls (``sources`` columns)."""

    items: float = 0.0  # exponentially weighted count of new items seen
    hours: float = 0.0  # exponentially weighted hours observed
    errors: int = 0  # consecutive failed polls
    last_polled_at: datetime | None = None
    last_new_at: datetime | None = None
    next_poll_at: datetime | None = None

    def rate_per_hour(self, bounds: Bounds = Bounds()) -> float:
        """The estimated new items per hour, prior included."""
        return (self.items + bounds.prior_items) / (self.hours + bounds.prior_hours)


def interval(rate_per_hour: float, bounds: Bounds, errors: int = 0) -> timedelta:
    """Time to the next poll for a rate, within the bounds; doubled per consecutive error (capped)."""
    hours = bounds.scale_hours / math.sqrt(max(rate_per_hour, 1e-9))
    seconds = hours * 3600.0 * 2 ** min(errors, bounds.max_error_doublings)
    low, high = bounds.min_interval.total_seconds(), bounds.max_interval.total_seconds()
    return timedelta(seconds=min(max(seconds, low), high))


def observe(state: PollState, *, now: datetime, new_items: int, ok: bool, bounds: Bounds) -> PollState:
    """The state after a poll at `now` that found `new_items` new items (`ok` False: the poll failed)."""
    if not ok:
        errors = state.errors + 1
        rate = state.rate_per_hour(bounds)
        return replace(state, errors=errors, last_polled_at=now, next_poll_at=now + interval(rate, bounds, errors))
    items, hours = state.items, state.hours
    if state.last_polled_at is not None:
        elapsed = max((now - state.last_polled_at).total_seconds() / 3600.0, 0.0)
        decay = 0.5 ** (elapsed / (bounds.half_life.total_seconds() / 3600.0))
        items, hours = items * decay + new_items, hours * decay + elapsed
    else:
        items = items + new_items  # the first poll has no window: what it finds is the backlog, not a rate
        items = min(items, 1.0)
    fresh = PollState(items=items, hours=hours, errors=0, last_polled_at=now,
                      last_new_at=now if new_items else state.last_new_at)
    return replace(fresh, next_poll_at=now + interval(fresh.rate_per_hour(bounds), bounds))


def due(state: PollState, now: datetime) -> bool:
    """True when the source should be polled in a run at `now` (never polled, or its time has come)."""
    return state.next_poll_at is None or state.next_poll_at <= now
