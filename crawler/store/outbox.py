"""The alert outbox in PostgreSQL (sql/queries/alerts.sql): subscriptions synced from job files, and
alert events written inside the store's batch transaction, so an event exists exactly when its article does.

Uses the pure alert stages (`crawler.alerts.windows`, `crawler.alerts.render`); the deliverer
(`crawler.alerts.deliver`) reads what this writes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg.types.json import Jsonb

from crawler.alerts import render, windows
from crawler.match import topics
from crawler.store import sqlfiles

log = logging.getLogger(__name__)

SPIKE_STORIES_SHOWN = 10  # newest stories listed in a spike message


def _q(name: str) -> str:
    return sqlfiles.load_queries("alerts")[name]


@dataclass(frozen=True)
class Subscription:
    """An alert_subscriptions row."""

    id: int
    job: str
    name: str
    mode: str
    topics: tuple[str, ...]
    languages: tuple[str, ...]
    spec: dict[str, Any]

    @property
    def channels(self) -> list[dict[str, Any]]:
        return list(self.spec.get("channels", []))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.spec.get("timezone") or "UTC")

    def key_prefix(self) -> str:
        return f"{self.job}/{self.name}:"


def sync(conn: psycopg.Connection, job: Any) -> list[int]:
    """Make alert_subscriptions match the job file's [[alerts]] (removed entries become inactive)."""
    ids = []
    with conn.transaction():
        for alert in job.alerts:
            row = conn.execute(_q("upsert_subscription"), {
                "job": job.name, "name": alert.name, "mode": alert.mode, "topics": list(alert.topics),
                "languages": list(alert.languages), "spec": Jsonb(alert.spec()),
            }).fetchone()
            assert row is not None
            ids.append(int(row[0]))
        conn.execute(_q("deactivate_missing"), {"job": job.name, "names": [a.name for a in job.alerts]})
    return ids


def subscriptions(conn: psycopg.Connection, job: str) -> list[Subscription]:
    rows = conn.execute(_q("job_subscriptions"), {"job": job}).fetchall()
    return [Subscription(r[0], job, r[1], r[2], tuple(r[3]), tuple(r[4]), r[5]) for r in rows]


def find(conn: psycopg.Connection, name: str, job: str | None = None) -> list[Subscription]:
    rows = conn.execute(_q("subscription_by_name"), {"name": name, "job": job}).fetchall()
    return [Subscription(r[0], r[1], r[2], r[3], tuple(r[4]), tuple(r[5]), r[6]) for r in rows]


def _window(sub: Subscription, now: datetime) -> tuple[str, datetime]:
    """(window key, due time) of an event happening now."""
    if sub.mode == "digest":
        due = windows.next_digest(windows.parse_digest(sub.spec["digest"]), now, sub.tz)
        return due.isoformat(), due
    return "now", windows.after_quiet(_quiet(sub), now, sub.tz)


@functools.cache
def _matcher(text: str) -> topics.Matcher:
    return topics.compile_topics([_QueryTopic(text)])


@dataclass(frozen=True)
class _QueryTopic:
    """A subscription's query as a topic definition (crawler.match.topics.TopicSpec)."""

    query: str
    name: str = "query"
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()


def _query_matches(conn: psycopg.Connection, subs: list[Subscription], ids: list[int]) -> dict[str, list[int]]:
    """query -> the articles (of `ids`) it matches, for the subscriptions that have a query."""
    queries = {s.spec["query"] for s in subs if s.spec.get("query")}
    if not queries:
        return {}
    rows = conn.execute(_q("article_texts"), {"article_ids": ids}).fetchall()
    return {
        text: [r[0] for r in rows if topics.match(_matcher(text), title=r[1], text=r[2], language=r[3])]
        for text in queries
    }


def enqueue(conn: psycopg.Connection, job: str, article_ids: Sequence[int], now: datetime | None = None,
            copies: Sequence[int] = ()) -> int:
    """Write the alert events of newly stored articles (and, for `grew_to` updates, of stories that gained
    a copy: `copies`); call inside the batch's transaction. Returns rows added."""
    if not article_ids and not copies:
        return 0
    now = now or datetime.now(UTC)
    subs = subscriptions(conn, job)
    if not subs:
        return 0
    added = 0
    ids = list(article_ids)
    matched = _query_matches(conn, subs, ids)
    for sub in subs:
        channels = sub.channels
        if sub.mode == "spike":
            added += _spike(conn, sub, ids, now) if ids else 0
            continue
        if sub.spec.get("grew_to"):  # before this batch's own alerts: a story new in it needs no update yet
            added += _grown(conn, sub, [*ids, *copies], now)
        chosen = matched[sub.spec["query"]] if sub.spec.get("query") else ids
        if not chosen:
            continue
        window, due = _window(sub, now)
        cur = conn.execute(_q("enqueue_stories"), {
            "subscription_id": sub.id, "kind": sub.mode, "window": window, "key_prefix": sub.key_prefix(),
            "due": due, "job": job, "topics": list(sub.topics), "all_topics": not sub.topics,
            "languages": list(sub.languages),
            "channel_ids": [c["id"] for c in channels], "channel_kinds": [c["kind"] for c in channels],
            "article_ids": chosen,
        })
        added += max(cur.rowcount, 0)
    if added:
        log.info("alerts queued", extra={"job": job, "messages": added})
    return added


def _grown(conn: psycopg.Connection, sub: Subscription, article_ids: list[int], now: datetime) -> int:
    """One update per alerted story that now runs on `grew_to` outlets or more."""
    n = int(sub.spec["grew_to"])
    channels = sub.channels
    cur = conn.execute(_q("enqueue_grown"), {
        "subscription_id": sub.id, "article_ids": article_ids, "grew_to": n, "window": f"grew-{n}",
        "key_prefix": sub.key_prefix(), "due": windows.after_quiet(_quiet(sub), now, sub.tz),
        "channel_ids": [c["id"] for c in channels], "channel_kinds": [c["kind"] for c in channels],
    })
    return max(cur.rowcount, 0)


def _quiet(sub: Subscription) -> windows.QuietHours | None:
    return windows.parse_quiet(sub.spec["quiet_hours"]) if sub.spec.get("quiet_hours") else None


def _spike(conn: psycopg.Connection, sub: Subscription, article_ids: list[int], now: datetime) -> int:
    """Judge each of the subscription's topics that these articles carry; queue one alert per bucket."""
    params = sub.spec["spike"]
    hours, days = int(params["hours"]), int(params["baseline_days"])
    carried = {r[0] for r in conn.execute(_q("topics_of_articles"), {"article_ids": article_ids, "job": sub.job})}
    added = 0
    for topic in sorted(carried & set(sub.topics)):
        row = conn.execute(_q("spike_counts"), {"now": now, "hours": hours, "baseline_days": days,
                                                "job": sub.job, "topic": topic}).fetchone()
        assert row is not None
        verdict = windows.judge_spike(int(row[0]), int(row[1]), hours=hours, baseline_days=days,
                                      min_stories=int(params["stories"]), factor=float(params["factor"]))
        if not verdict.spike:
            continue
        window = windows.spike_bucket(now, hours).isoformat()
        key = f"{sub.key_prefix()}spike:{topic}:{window}"
        recent = [r[0] for r in conn.execute(_q("recent_story_articles"), {
            "job": sub.job, "topic": topic, "now": now, "hours": hours, "limit": SPIKE_STORIES_SHOWN})]
        items = story_items(conn, recent, {a: (topic,) for a in recent})
        message = render.spike(sub.job, sub.name, key, window, topic, verdict.recent, verdict.usual, hours, items)
        channels = sub.channels
        cur = conn.execute(_q("enqueue_spike"), {
            "subscription_id": sub.id, "topic": topic, "window": window, "key": key, "due": now,
            "payload": Jsonb(message.as_json()),
            "channel_ids": [c["id"] for c in channels], "channel_kinds": [c["kind"] for c in channels],
        })
        added += max(cur.rowcount, 0)
    return added


def story_items(conn: psycopg.Connection, article_ids: Sequence[int],
                topics: dict[int, tuple[str, ...]]) -> list[render.StoryItem]:
    """The stories of these articles as messages show them, in the order given (one item per story)."""
    rows = conn.execute(_q("story_items"), {"article_ids": list(article_ids)}).fetchall()
    by_article = {r[0]: r for r in rows}
    items: list[render.StoryItem] = []
    seen: set[Any] = set()
    for article_id in article_ids:
        r = by_article.get(article_id)
        if r is None:
            continue  # the article was deleted since
        story_key = r[1] if r[1] is not None else ("article", article_id)
        if story_key in seen:
            continue
        seen.add(story_key)
        first_host = r[3]
        outlets = tuple(sorted(r[6], key=lambda h: (h != first_host, h)))
        items.append(render.StoryItem(
            story_id=r[1], headline=r[2], first_host=first_host, first_url=r[4], first_published_at=r[5],
            outlets=outlets, snippet=render.snippet(r[7] or ""), links=tuple(r[8]) or (r[4],),
            topics=topics.get(article_id, ()), language=r[9],
        ))
    return items
