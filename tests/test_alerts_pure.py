"""Pure alert stages: digest times, quiet hours, spikes, backoff, rendering, the webhook signature."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.alerts import channels, render, windows

HAVANA = ZoneInfo("America/Havana")


@pytest.mark.parametrize(
    ("schedule", "now", "expected"),
    [
        ("hourly", datetime(2026, 3, 1, 10, 15, tzinfo=UTC), datetime(2026, 3, 1, 11, 0, tzinfo=UTC)),
        ("hourly", datetime(2026, 3, 1, 11, 0, tzinfo=UTC), datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        # 08:00 in Havana (UTC-5 in winter) is 13:00 UTC
        ("daily 08:00", datetime(2026, 1, 10, 12, 0, tzinfo=UTC), datetime(2026, 1, 10, 13, 0, tzinfo=UTC)),
        ("daily 08:00", datetime(2026, 1, 10, 13, 0, tzinfo=UTC), datetime(2026, 1, 11, 13, 0, tzinfo=UTC)),
        # daylight saving starts 2026-03-08 in Havana: 08:00 local is then 12:00 UTC
        ("daily 08:00", datetime(2026, 3, 8, 13, 30, tzinfo=UTC), datetime(2026, 3, 9, 12, 0, tzinfo=UTC)),
        # 2026-01-10 is a Saturday: the next Monday is the 12th
        ("weekly mon 07:30", datetime(2026, 1, 10, 9, 0, tzinfo=UTC), datetime(2026, 1, 12, 12, 30, tzinfo=UTC)),
    ],
)
def test_next_digest_is_the_next_local_delivery_time(schedule: str, now: datetime, expected: datetime) -> None:
    assert windows.next_digest(windows.parse_digest(schedule), now, HAVANA) == expected


@pytest.mark.parametrize("bad", ["daily", "daily 25:00", "weekly xyz 08:00", "every day", "hourly 08:00"])
def test_bad_digest_schedule_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        windows.parse_digest(bad)


def test_quiet_hours_over_midnight_delay_to_their_end() -> None:
    quiet = windows.parse_quiet("22:00-07:00")
    late = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)  # 23:00 in Havana
    assert windows.after_quiet(quiet, late, HAVANA) == datetime(2026, 1, 10, 12, 0, tzinfo=UTC)  # 07:00 local


def test_outside_quiet_hours_sends_now() -> None:
    quiet = windows.parse_quiet("22:00-07:00")
    noon = datetime(2026, 1, 10, 17, 0, tzinfo=UTC)
    assert windows.after_quiet(quiet, noon, HAVANA) == noon


@pytest.mark.parametrize(
    ("recent", "baseline", "spike"),
    [(6, 0, True), (4, 0, False), (6, 168, False), (12, 168, True)],  # 168 in 14 days = 3 per 6 h
)
def test_spike_needs_enough_stories_and_factor_times_usual(recent: int, baseline: int, spike: bool) -> None:
    verdict = windows.judge_spike(recent, baseline, hours=6, baseline_days=14, min_stories=5, factor=3.0)
    assert verdict.spike is spike


def test_spike_bucket_is_aligned() -> None:
    assert windows.spike_bucket(datetime(2026, 1, 10, 17, 59, tzinfo=UTC), 6) == datetime(2026, 1, 10, 12, tzinfo=UTC)


def test_backoff_doubles_to_a_cap() -> None:
    waits = [windows.backoff(n).total_seconds() for n in range(1, 10)]
    assert waits[:4] == [30, 60, 120, 240]
    assert waits[-1] == windows.BACKOFF_CAP


def _item(story_id: int, topics: tuple[str, ...], hours_ago: int) -> render.StoryItem:
    now = datetime(2026, 1, 10, 12, tzinfo=UTC)
    return render.StoryItem(
        story_id=story_id, headline=f"Headline {story_id} <b>", first_host="a.example",
        first_url=f"https://a.example/{story_id}", first_published_at=now - timedelta(hours=hours_ago),
        outlets=("a.example", "b.example"), snippet="Havana went dark.",
        links=(f"https://a.example/{story_id}", f"https://b.example/{story_id}"), topics=topics,
    )


def test_digest_groups_by_topic_then_story_newest_first() -> None:
    items = [_item(1, ("cuba",), 5), _item(2, ("cuba", "venezuela"), 1), _item(3, ("venezuela",), 3)]
    groups = render.group_by_topic(items)
    assert {t: [s.story_id for s in ss] for t, ss in groups.items()} == {"cuba": [2, 1], "venezuela": [2, 3]}


def test_digest_has_text_and_html_with_every_link() -> None:
    items = [_item(1, ("cuba",), 5), _item(2, ("venezuela",), 1)]
    message = render.digest("job", "daily", "job/daily:digest:w", "w", items)
    for item in items:
        for link in item.links:
            assert link in message.text
            assert f'href="{link}"' in message.html
    assert "Headline 1 &lt;b&gt;" in message.html  # escaped in HTML
    assert "First published by a.example" in message.text and "2 outlets" in message.text
    assert message.payload["groups"] == {"cuba": [1], "venezuela": [2]}


def test_snippet_cuts_at_a_word() -> None:
    text = "word " * 100
    cut = render.snippet(text, 23)
    assert cut == "word word word word…"


def test_signature_verifies_only_the_exact_body() -> None:
    message = render.immediate("job", "now", "job/now:story:1:now", _item(1, ("cuba",), 1))
    body = channels.body_of(message)
    header = channels.signature("k3y", body)
    assert channels.verify("k3y", body, header)
    assert not channels.verify("k3y", body + b" ", header)
    assert not channels.verify("other", body, header)


def test_scrub_removes_secret_and_its_quoted_form() -> None:
    assert channels.scrub("login p@ss/1 failed (p%40ss%2F1)", ["p@ss/1"]) == "login *** failed (***)"
