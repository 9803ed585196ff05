"""The web view's pure parts: chart geometry, word diffs, credentials."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from crawler.web import auth, chart, textdiff

TODAY = date(2026, 3, 30)


def test_chart_has_one_bar_per_day_oldest_first() -> None:
    c = chart.daily({TODAY: (4, 2)}, TODAY, 30)
    assert len(c.bars) == 30 and c.bars[0].day == date(2026, 3, 1) and c.bars[-1].day == TODAY
    assert (c.total_articles, c.total_stories) == (4, 2)


def test_chart_scale_rounds_up_so_the_tallest_bar_fits() -> None:
    c = chart.daily({TODAY: (37, 20)}, TODAY, 30)
    assert [t.value for t in c.ticks] == [0, 25, 50]
    tallest = c.bars[-1]
    assert tallest.articles_y >= chart.TOP and tallest.stories_h < tallest.articles_h


def test_chart_of_nothing_draws_flat_bars() -> None:
    c = chart.daily({}, TODAY, 30)
    assert all(b.articles_h == 0 for b in c.bars) and c.total_articles == 0


@pytest.mark.parametrize(("value", "nice"), [(0, 1), (1, 1), (3, 5), (10, 10), (11, 20), (480, 500), (501, 1000)])
def test_chart_nice_maximum(value: int, nice: int) -> None:
    assert chart._nice_max(value) == nice


def test_diff_marks_removed_and_added_words() -> None:
    d = textdiff.diff("The grid failed this morning.", "The grid failed at noon.")
    assert [(s.op, s.text) for s in d.segments] == [
        ("same", "The grid failed "), ("del", "this morning."), ("ins", "at noon."),
    ]
    assert (d.added, d.removed, d.changed) == (2, 2, True)


def test_diff_folds_long_unchanged_stretches() -> None:
    same = " ".join(f"w{i}" for i in range(100))
    d = textdiff.diff(same + " old", same + " new")
    assert d.segments[0] == textdiff.Segment("fold", f"{100 - textdiff.CONTEXT} unchanged words")
    assert len(d.segments) == 4


def test_identical_texts_have_no_change() -> None:
    d = textdiff.diff("Same text.\nTwo lines.", "Same text. Two lines.")
    assert not d.changed  # whitespace is not a change


def test_basic_credentials_must_match_exactly() -> None:
    creds = auth.parse("basic:ana:pa:ss")  # the password may contain ':'
    assert creds == auth.Auth("basic", "pa:ss", "ana")
    header = "Basic " + base64.b64encode(b"ana:pa:ss").decode()
    assert creds.allows(header)
    assert not creds.allows("Basic " + base64.b64encode(b"ana:pa").decode())
    assert not creds.allows("Basic !!!notbase64")
    assert not creds.allows(None)


def test_token_needs_the_bearer_scheme() -> None:
    creds = auth.parse("token:abcdefghijklmnop")
    assert creds is not None and creds.allows("Bearer abcdefghijklmnop")
    assert not creds.allows("Basic abcdefghijklmnop")


def test_no_setting_means_no_auth() -> None:
    assert auth.parse(None) is None and auth.parse("") is None
