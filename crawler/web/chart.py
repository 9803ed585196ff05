"""Geometry of the per-day bar chart (articles and stories) that the topic page renders as SVG."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

WIDTH, HEIGHT = 720, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 28  # margins: y labels left, day labels below


@dataclass(frozen=True)
class Bar:
    day: date
    articles: int
    stories: int
    x: float
    width: float
    articles_y: float
    articles_h: float
    stories_y: float
    stories_h: float


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class Label:
    text: str
    x: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[Label, ...]
    total_articles: int
    total_stories: int


def days(until: date, count: int) -> list[date]:
    """The `count` days ending with `until`, oldest first."""
    return [until - timedelta(days=count - 1 - i) for i in range(count)]


def _nice_max(value: int) -> int:
    """The smallest 1/2/5 x 10^n at or above `value` (at least 1), so ticks fall on round numbers."""
    if value <= 1:
        return 1
    exp = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def daily(counts: dict[date, tuple[int, int]], until: date, count: int = 30) -> Chart:
    """Bars for each of the `count` days ending `until`: articles (full bar) and stories (inner bar)."""
    span = days(until, count)
    top = _nice_max(max((counts.get(d, (0, 0))[0] for d in span), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / count
    bars = []
    for i, d in enumerate(span):
        articles, stories = counts.get(d, (0, 0))
        a_h = plot_h * articles / top
        s_h = plot_h * stories / top
        bars.append(Bar(d, articles, stories, round(LEFT + i * step + 1, 1), round(max(step - 2, 1), 1),
                        round(TOP + plot_h - a_h, 1), round(a_h, 1), round(TOP + plot_h - s_h, 1), round(s_h, 1)))
    ticks = tuple(Tick(v, round(TOP + plot_h - plot_h * v / top, 1)) for v in sorted({0, top // 2, top}))
    labels = tuple(
        Label(d.strftime("%d %b"), round(LEFT + i * step + step / 2, 1)) for i, d in enumerate(span) if i % 7 == 0
    )
    return Chart(
        WIDTH, HEIGHT, LEFT, TOP + plot_h, tuple(bars), ticks, labels,
        sum(b.articles for b in bars), sum(b.stories for b in bars),
    )
