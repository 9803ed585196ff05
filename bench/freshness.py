"""Freshness benchmark: a simulated week of 200 sources, fixed 2-hour cron vs adaptive polling per source.

Pure simulation on a simulated clock (no network, no sleeps) that drives the scheduler code itself
(crawler.fetch.polling.observe / interval). Each source publishes as a Poisson process whose rate
follows a daily cycle (peak in its own afternoon, a tenth of it at night); mean rates are spread
log-uniformly from 0.1 to 100 items a day. A feed lists its newest FEED_SIZE entries only: items pushed
out before a poll are missed. Adaptive polls happen at the next scheduler tick (`--tick`, as a service
checking due sources every few minutes would). Prints feed requests per new article, median and p95
discovery lag (publication -> the poll that sees it) and missed items, for the fixed cron and for
adaptive polling under a few bound settings (the trade-off curve).

    python bench/freshness.py [--sources 200] [--days 7] [--seed 1] [--tick 5]
"""

from __future__ import annotations

import argparse
import bisect
import math
import random
import statistics
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a fresh clone without installing

from crawler.fetch import polling  # noqa: E402

T0 = datetime(2026, 3, 2, tzinfo=UTC)
BACKLOG_HOURS = 72.0  # what sources published before the week: the first poll reads it (not counted as lag)
FEED_SIZE = 50  # entries a feed lists: a source publishing more than this between two polls loses items
NIGHT_FACTOR = 0.1  # the rate at a source's quietest hour, relative to its busiest


@dataclass(frozen=True)
class Source:
    rate_per_day: float
    items: tuple[float, ...]  # publication times, hours since T0, sorted


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    found: int
    missed: int
    lags: tuple[float, ...]  # hours

    def row(self) -> str:
        lags = sorted(self.lags)
        median = statistics.median(lags) if lags else float("nan")
        p95 = lags[int(0.95 * (len(lags) - 1))] if lags else float("nan")
        per = self.requests / max(self.found, 1)
        return (f"{self.name:<36} {self.requests:>9} {self.found:>7} {self.missed:>7} {per:>9.3f} "
                f"{median * 60:>8.1f} {p95 * 60:>8.1f}")


def _cycle(hour_of_day: float, peak: float) -> float:
    """Relative intensity at a local hour: 1 at the peak, NIGHT_FACTOR twelve hours away (cosine)."""
    phase = math.cos(2 * math.pi * (hour_of_day - peak) / 24)
    return NIGHT_FACTOR + (1 - NIGHT_FACTOR) * (1 + phase) / 2


def make_sources(n: int, days: int, rng: random.Random) -> list[Source]:
    """n sources with log-uniform mean rates in [0.1, 100] a day and a daily cycle (thinned Poisson)."""
    mean_cycle = NIGHT_FACTOR + (1 - NIGHT_FACTOR) / 2
    out = []
    for _ in range(n):
        rate = 10 ** rng.uniform(-1, 2)
        peak = 15 + rng.choice((-6, -5, -4, 0, 1, 2, 8))  # sources in several time zones
        top = rate / 24 / mean_cycle  # items per hour at the peak
        t, items = -BACKLOG_HOURS, []
        while True:
            t += rng.expovariate(top)
            if t >= days * 24:
                break
            if rng.random() < _cycle(t % 24, peak):
                items.append(t)
        out.append(Source(rate, tuple(items)))
    return out


def _poll(source: Source, last: float, now: float, lags: list[float]) -> tuple[int, int]:
    """Items published in (last, now]: (seen, missed); the feed shows the newest FEED_SIZE."""
    lo = bisect.bisect_right(source.items, last)
    hi = bisect.bisect_right(source.items, now)
    fresh = source.items[lo:hi]
    seen = fresh[-FEED_SIZE:]
    lags.extend(now - t for t in seen)
    return len(seen), len(fresh) - len(seen)


def fixed(sources: list[Source], days: int, every_hours: float = 2.0) -> Result:
    """Every source polled on the job's cron, every `every_hours`."""
    lags: list[float] = []
    requests = found = missed = 0
    polls = [i * every_hours for i in range(int(days * 24 / every_hours) + 1)]
    for source in sources:
        last = 0.0
        for now in polls[1:]:
            requests += 1
            seen, lost = _poll(source, last, now, lags)
            found, missed, last = found + seen, missed + lost, now
    return Result(f"fixed cron every {every_hours:g} h", requests, found, missed, tuple(lags))


def adaptive(sources: list[Source], days: int, bounds: polling.Bounds, tick_minutes: float, name: str) -> Result:
    """Each source polled when its own next poll time has come (at the next scheduler tick)."""
    lags: list[float] = []
    requests = found = missed = 0
    end = days * 24
    tick = tick_minutes / 60
    for source in sources:
        backlog = [t for t in source.items if t <= 0][-FEED_SIZE:]  # the first poll, at the start of the week
        span = -backlog[0] if backlog else None
        state = polling.observe(polling.PollState(), now=T0, new_items=len(backlog), ok=True, bounds=bounds,
                                span_hours=span)
        last = 0.0
        while True:
            assert state.next_poll_at is not None
            due = (state.next_poll_at - T0).total_seconds() / 3600
            now = math.ceil(due / tick - 1e-9) * tick
            if now > end:
                break
            requests += 1
            seen, lost = _poll(source, last, now, lags)
            found, missed, last = found + seen, missed + lost, now
            state = polling.observe(state, now=T0 + timedelta(hours=now), new_items=seen + lost, ok=True,
                                    bounds=bounds)
    return Result(name, requests, found, missed, tuple(lags))


def _settings() -> list[tuple[str, polling.Bounds]]:
    default = polling.Bounds()
    return [
        ("adaptive 10m-24h (default)", default),
        ("adaptive 5m-12h", replace(default, min_interval=timedelta(minutes=5), max_interval=timedelta(hours=12))),
        ("adaptive 30m-48h", replace(default, min_interval=timedelta(minutes=30), max_interval=timedelta(hours=48))),
        ("adaptive 10m-24h, 3 items/poll", replace(default, scale_hours=3.0)),
        ("adaptive 10m-24h, 5 items/poll", replace(default, scale_hours=5.0)),
        ("adaptive 10m-24h, no daily profile", replace(default, daily_profile=False)),
        ("adaptive 10m-24h, sqrt rule x1.5", replace(default, exponent=0.5, scale_hours=1.5)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tick", type=float, default=5.0, help="scheduler tick in minutes (default 5)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sources = make_sources(args.sources, args.days, rng)
    published = sum(1 for s in sources for t in s.items if t > 0)
    print(f"{args.sources} sources, {args.days} days, {published} items published "
          f"(rates {min(s.rate_per_day for s in sources):.2f}-{max(s.rate_per_day for s in sources):.1f}/day), "
          f"feeds list {FEED_SIZE} entries, scheduler tick {args.tick:g} min, seed {args.seed}")
    print(f"{'policy':<36} {'requests':>9} {'found':>7} {'missed':>7} {'req/item':>9} {'med min':>8} {'p95 min':>8}")
    base = fixed(sources, args.days)
    print(base.row())
    results = [adaptive(sources, args.days, bounds, args.tick, name) for name, bounds in _settings()]
    for result in results:
        print(result.row())
    default = results[0]
    ratio = default.requests / base.requests
    ok = statistics.median(default.lags) <= statistics.median(base.lags) and ratio <= 1 / 3
    print(f"default adaptive: {ratio:.2f}x the fixed policy's requests, median lag "
          f"{statistics.median(default.lags) * 60:.1f} vs {statistics.median(base.lags) * 60:.1f} min: "
          f"target {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
