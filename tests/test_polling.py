"""Adaptive polling, validator honesty and revisit rules: pure, with an injected clock (no sleeps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler import models
from crawler.fetch import conditional, docstate, polling, revisit

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BOUNDS = polling.Bounds(min_interval=timedelta(minutes=10), max_interval=timedelta(hours=24))
H = timedelta(hours=1)


def _run(rate_per_hour: float, hours: int, bounds: polling.Bounds = BOUNDS) -> polling.PollState:
    """Poll a source that publishes `rate_per_hour` evenly, each time its next poll comes, for `hours`."""
    state, now, carry = polling.PollState(), T0, 0.0
    while now < T0 + hours * H:
        elapsed = (now - state.last_polled_at).total_seconds() / 3600 if state.last_polled_at else 0.0
        carry += rate_per_hour * elapsed
        new = int(carry)
        carry -= new
        state = polling.observe(state, now=now, new_items=new, ok=True, bounds=bounds)
        assert state.next_poll_at is not None
        now = state.next_poll_at
    return state


def test_a_busy_source_is_polled_more_often_than_a_quiet_one() -> None:
    busy, quiet = _run(4.0, 72), _run(0.05, 72)
    assert busy.next_poll_at and quiet.next_poll_at and busy.last_polled_at and quiet.last_polled_at
    assert busy.next_poll_at - busy.last_polled_at < quiet.next_poll_at - quiet.last_polled_at


def test_the_rate_estimate_follows_the_source() -> None:
    assert _run(2.0, 96).rate_per_hour(BOUNDS) == pytest.approx(2.0, rel=0.25)


def test_interval_is_bounded_by_the_job_settings() -> None:
    assert polling.interval(1000.0, BOUNDS) == timedelta(minutes=10)
    assert polling.interval(0.0, BOUNDS) == timedelta(hours=24)


def test_interval_follows_the_rate_to_the_exponent() -> None:
    assert polling.interval(0.25, BOUNDS) == 4 * polling.interval(1.0, BOUNDS)
    root = polling.Bounds(exponent=0.5)
    assert polling.interval(0.25, root) == 2 * polling.interval(1.0, root)


def test_daily_profile_polls_more_in_the_hours_a_source_publishes() -> None:
    """Three days of a source publishing 3 items an hour from 12:00 to 18:00 UTC and nothing otherwise."""
    state, now = polling.PollState(), T0
    gaps: dict[str, list[timedelta]] = {"day": [], "night": []}
    while now < T0 + 96 * H:
        new = 0
        if state.last_polled_at is not None:
            t = state.last_polled_at
            while t < now:  # count the items in (last, now]
                t += timedelta(minutes=20)
                new += int(12 <= t.hour < 18 and t <= now)
        state = polling.observe(state, now=now, new_items=new, ok=True, bounds=BOUNDS)
        assert state.next_poll_at is not None
        if now > T0 + 72 * H:
            gaps["day" if 12 <= now.hour < 18 else "night"].append(state.next_poll_at - now)
        now = state.next_poll_at
    assert max(gaps["day"]) < min(gaps["night"])


def test_errors_back_off_exponentially_up_to_the_bound() -> None:
    state = polling.observe(polling.PollState(), now=T0, new_items=0, ok=True, bounds=BOUNDS)
    gaps = []
    for i in range(1, 12):
        state = polling.observe(state, now=T0 + i * H, new_items=0, ok=False, bounds=BOUNDS)
        assert state.next_poll_at and state.last_polled_at
        gaps.append(state.next_poll_at - state.last_polled_at)
    assert gaps[1] == 2 * gaps[0] or gaps[1] == BOUNDS.max_interval
    assert gaps[-1] == BOUNDS.max_interval and state.errors == 11


def test_a_good_poll_ends_the_backoff() -> None:
    state = polling.observe(polling.PollState(), now=T0, new_items=0, ok=False, bounds=BOUNDS)
    state = polling.observe(state, now=T0 + H, new_items=3, ok=True, bounds=BOUNDS)
    assert state.errors == 0 and state.last_new_at == T0 + H


def test_due_uses_the_injected_clock() -> None:
    state = polling.PollState(next_poll_at=T0 + H)
    assert not polling.due(state, T0) and polling.due(state, T0 + H) and polling.due(polling.PollState(), T0)


def test_first_poll_backlog_is_not_taken_as_a_rate() -> None:
    first = polling.observe(polling.PollState(), now=T0, new_items=200, ok=True, bounds=BOUNDS)
    assert first.rate_per_hour(BOUNDS) < 2.0


# --- validators ---------------------------------------------------------------------------------

E1, E2 = conditional.Validators('"a"', "Mon, 02 Mar 2026 08:00:00 GMT"), conditional.Validators('"b"', None)


def test_conditional_headers_only_for_trusted_hosts() -> None:
    assert conditional.request_headers(E1, trusted=True) == {
        "If-None-Match": '"a"', "If-Modified-Since": "Mon, 02 Mar 2026 08:00:00 GMT"}
    assert conditional.request_headers(E1, trusted=False) == {}
    assert conditional.request_headers(conditional.Validators(), trusted=True) == {}


def test_new_etag_for_identical_bytes_is_unstable() -> None:
    assert conditional.judge(E1, "h1", E2, "h1", audited=False) == conditional.UNSTABLE


def test_same_etag_for_changed_bytes_is_stale_when_audited() -> None:
    assert conditional.judge(E1, "h1", E1, "h2", audited=True) == conditional.STALE
    assert conditional.judge(E1, "h1", E1, "h2", audited=False) is None  # a conditional 200: nothing to say


def test_same_last_modified_for_changed_bytes_is_stale_without_etags() -> None:
    lm = conditional.Validators(None, "Mon, 02 Mar 2026 08:00:00 GMT")
    assert conditional.judge(lm, "h1", lm, "h2", audited=True) == conditional.STALE


def test_honest_validators_pass() -> None:
    assert conditional.judge(E1, "h1", E2, "h2", audited=True) is None
    assert conditional.judge(E1, "h1", E1, "h1", audited=True) is None
    assert conditional.judge(E1, None, E2, "h1", audited=True) is None


@pytest.mark.parametrize(("since", "every", "audit"), [(0, 8, False), (6, 8, False), (7, 8, True), (0, 1, True),
                                                       (100, 0, False)])
def test_audit_every_nth_poll(since: int, every: int, audit: bool) -> None:
    assert conditional.should_audit(since, every) is audit


# --- revisits -----------------------------------------------------------------------------------

def _page(hinted: datetime | None, checked: datetime | None = None) -> docstate.KnownPage:
    return docstate.KnownPage("https://e.com/a", 1, T0, hinted, checked, conditional.Validators())


def _link(published: datetime | None = None, lastmod: datetime | None = None) -> models.Link:
    return models.Link("https://e.com/a", "https://e.com/feed", "feed", published=published, lastmod=lastmod)


def test_newer_feed_date_means_changed() -> None:
    assert revisit.changed_since(_page(T0), _link(T0, T0 + H))
    assert not revisit.changed_since(_page(T0), _link(T0, T0))
    assert not revisit.changed_since(_page(T0), _link())


def test_without_a_stored_hint_the_last_check_is_the_baseline() -> None:
    assert revisit.changed_since(_page(None, T0 + H), _link(lastmod=T0 + 2 * H))
    assert not revisit.changed_since(_page(None, T0 + H), _link(lastmod=T0 + H / 2))


def test_revisit_schedule_after_first_sight() -> None:
    offsets = (H, 6 * H, 24 * H)
    assert not revisit.scheduled_due(T0, T0, T0 + H / 2, offsets)
    assert revisit.scheduled_due(T0, T0, T0 + H, offsets)
    assert not revisit.scheduled_due(T0, T0 + H, T0 + 2 * H, offsets)  # checked at 1 h: next due at 6 h
    assert revisit.scheduled_due(T0, T0 + H, T0 + 30 * H, offsets)
    assert not revisit.scheduled_due(T0, T0 + 30 * H, T0 + 90 * H, offsets)  # no longer young
    assert not revisit.scheduled_due(T0, T0, T0 + 90 * H, ())  # revisits off
