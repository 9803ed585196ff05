"""Alert time maths (pure): digest schedules, quiet hours, spike buckets and tests, retry backoff.

Every function takes `now` (tz-aware) instead of reading a clock.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DIGEST = re.compile(r"^(hourly)$|^(daily)\s+(\d{1,2}):(\d{2})$|^(weekly)\s+([a-z]{3})\s+(\d{1,2}):(\d{2})$")
_QUIET = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class DigestSchedule:
    """When a digest goes out: every hour, every day at a local time, or one day a week at a local time."""

    every: str  # "hourly" | "daily" | "weekly"
    at: time = time(0, 0)
    weekday: int = 0  # Monday = 0 (weekly only)

    def __str__(self) -> str:
        if self.every == "hourly":
            return "hourly"
        clock = self.at.strftime("%H:%M")
        return f"daily {clock}" if self.every == "daily" else f"weekly {WEEKDAYS[self.weekday]} {clock}"


def _clock(hour: str, minute: str) -> time:
    h, m = int(hour), int(minute)
    if h > 23 or m > 59:
        raise ValueError(f"{hour}:{minute} is not a time of day (00:00-23:59)")
    return time(h, m)


def parse_digest(text: str) -> DigestSchedule:
    """ "hourly", "daily 08:00", "weekly mon 08:00" -> DigestSchedule (ValueError otherwise)."""
    found = _DIGEST.match(text.strip().lower())
    if not found:
        raise ValueError(f"{text!r} is not a digest schedule: use \"hourly\", \"daily 08:00\" or \"weekly mon 08:00\"")
    g = found.groups()
    if g[0]:
        return DigestSchedule("hourly")
    if g[1]:
        return DigestSchedule("daily", _clock(g[2], g[3]))
    if g[5] not in WEEKDAYS:
        raise ValueError(f"{g[5]!r} is not a day: use one of {', '.join(WEEKDAYS)}")
    return DigestSchedule("weekly", _clock(g[6], g[7]), WEEKDAYS.index(g[5]))


def next_digest(schedule: DigestSchedule, now: datetime, tz: ZoneInfo) -> datetime:
    """The first delivery time strictly after `now` (UTC). Daily and weekly times are local wall-clock
    times, so a daily 08:00 stays at 08:00 across a daylight-saving change."""
    if schedule.every == "hourly":
        return (now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
    local = now.astimezone(tz)
    day = local.date()
    for offset in range(0, 9):
        candidate_day = day + timedelta(days=offset)
        if schedule.every == "weekly" and candidate_day.weekday() != schedule.weekday:
            continue
        candidate = datetime.combine(candidate_day, schedule.at, tzinfo=tz)
        if candidate > local:
            return candidate.astimezone(UTC)
    raise AssertionError("a daily or weekly time always falls within 8 days")


def previous_digest(schedule: DigestSchedule, now: datetime, tz: ZoneInfo) -> datetime:
    """The last delivery time at or before `now` (UTC): the start of the window a preview shows."""
    if schedule.every == "hourly":
        return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    span = timedelta(days=7 if schedule.every == "weekly" else 1)
    return next_digest(schedule, now - span, tz)


@dataclass(frozen=True)
class QuietHours:
    """Local hours in which immediate alerts wait; start > end spans midnight (22:00-07:00)."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_quiet(text: str) -> QuietHours:
    found = _QUIET.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a span of hours: use \"22:00-07:00\"")
    start, end = _clock(found.group(1), found.group(2)), _clock(found.group(3), found.group(4))
    if start == end:
        raise ValueError("quiet hours must not start and end at the same time")
    return QuietHours(start, end)


def after_quiet(quiet: QuietHours | None, now: datetime, tz: ZoneInfo) -> datetime:
    """`now`, or the end of the quiet hours when `now` falls inside them (UTC)."""
    if quiet is None:
        return now
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    spans_midnight = quiet.start > quiet.end
    inside = (clock >= quiet.start or clock < quiet.end) if spans_midnight else quiet.start <= clock < quiet.end
    if not inside:
        return now
    end_day = local.date() if clock < quiet.end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, quiet.end, tzinfo=tz).astimezone(UTC)


def spike_bucket(now: datetime, hours: int) -> datetime:
    """Start of the `hours`-long bucket holding `now` (UTC, aligned to the Unix epoch): at most one
    spike alert per subscription and bucket."""
    seconds = hours * 3600
    start = math.floor(now.timestamp() / seconds) * seconds
    return datetime.fromtimestamp(start, UTC)


@dataclass(frozen=True)
class SpikeVerdict:
    recent: int  # new stories in the last `hours`
    usual: float  # average new stories per `hours` over the baseline
    spike: bool


def judge_spike(recent: int, baseline: int, *, hours: int, baseline_days: int, min_stories: int,
                factor: float) -> SpikeVerdict:
    """A spike: at least `min_stories` new stories in `hours`, and at least `factor` times the usual
    rate (stories per `hours` over the `baseline_days` before them)."""
    periods = baseline_days * 24 / hours
    usual = baseline / periods if periods else 0.0
    return SpikeVerdict(recent, usual, recent >= min_stories and recent >= factor * usual)


#: first retry wait and its cap (seconds); the wait doubles per failed attempt
BACKOFF_FIRST, BACKOFF_CAP = 30.0, 3600.0


def backoff(attempts: int, first: float = BACKOFF_FIRST, cap: float = BACKOFF_CAP) -> timedelta:
    """Wait after the `attempts`-th failure: first, 2*first, 4*first... at most cap. A receiver down
    for an hour is retried about ten times and gets everything once it is back."""
    return timedelta(seconds=min(cap, first * 2 ** max(0, attempts - 1)))
