"""Alert messages (pure): a story, a digest or a spike -> title, plain text, HTML and the webhook JSON.

The same `Message` feeds every channel: e-mail gets the text and HTML parts, apprise services the
text (or HTML where they take it), the signed webhook the `payload` as its JSON body.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SNIPPET_CHARS = 280  # about two sentences of a news lead: enough to judge, short enough to scan
PRODUCT = "mediamon"


@dataclass(frozen=True)
class StoryItem:
    """A story as an alert shows it: the first publisher's headline and link, and every outlet."""

    story_id: int | None
    headline: str
    first_host: str
    first_url: str
    first_published_at: datetime | None
    outlets: tuple[str, ...]
    snippet: str
    links: tuple[str, ...]  # the first publisher's URL first, then the other copies
    topics: tuple[str, ...]
    language: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "story_id": self.story_id,
            "headline": self.headline,
            "first_publisher": {
                "host": self.first_host,
                "url": self.first_url,
                "published_at": self.first_published_at.isoformat() if self.first_published_at else None,
            },
            "outlets": list(self.outlets),
            "outlet_count": len(self.outlets),
            "snippet": self.snippet,
            "links": list(self.links),
            "topics": list(self.topics),
            "language": self.language,
        }


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    html: str
    payload: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The stored form (alert_outbox.payload): a retry resends exactly this."""
        return {"title": self.title, "text": self.text, "html": self.html, "payload": self.payload}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Message:
        return cls(doc["title"], doc["text"], doc["html"], doc["payload"])


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of the text, cut at a word boundary, with an ellipsis when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z").strip() if value else "time unknown"


def _outlets_line(item: StoryItem) -> str:
    n = len(item.outlets)
    return f"{n} outlet{'s' if n != 1 else ''}: {', '.join(item.outlets)}"


def _story_text(item: StoryItem) -> list[str]:
    lines = [
        item.headline,
        f"First published by {item.first_host} ({_when(item.first_published_at)})",
        _outlets_line(item),
        f"Topics: {', '.join(item.topics)}",
    ]
    if item.snippet:
        lines.append(item.snippet)
    lines.extend(item.links)
    return lines


def _story_html(item: StoryItem, heading: str = "h2") -> str:
    e = html.escape
    links = "".join(f'<li><a href="{e(u, quote=True)}">{e(u)}</a></li>' for u in item.links)
    return (
        f'<{heading}><a href="{e(item.first_url, quote=True)}">{e(item.headline)}</a></{heading}>'
        f"<p>First published by <b>{e(item.first_host)}</b> ({e(_when(item.first_published_at))}) · "
        f"{e(_outlets_line(item))}<br>Topics: {e(', '.join(item.topics))}</p>"
        + (f"<p>{e(item.snippet)}</p>" if item.snippet else "")
        + f"<ul>{links}</ul>"
    )


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f"<body>{body}</body></html>")


def _envelope(kind: str, job: str, subscription: str, key: str, window: str, stories: Iterable[StoryItem],
              **extra: Any) -> dict[str, Any]:
    return {"type": kind, "job": job, "subscription": subscription, "idempotency_key": key, "window": window,
            "stories": [s.as_json() for s in stories], **extra}


def immediate(job: str, subscription: str, key: str, item: StoryItem) -> Message:
    """One new story."""
    title = f"[{PRODUCT}] {', '.join(item.topics) or subscription}: {item.headline}"
    text = "\n".join(_story_text(item)) + f"\n\n-- {PRODUCT} alert '{subscription}' (job {job})\n"
    footer = f"{PRODUCT} alert '{html.escape(subscription)}' (job {html.escape(job)})"
    body = _story_html(item, "h1") + f"<p><small>{footer}</small></p>"
    return Message(title, text, _page(title, body), _envelope("immediate", job, subscription, key, "now", [item]))


def grew(job: str, subscription: str, key: str, item: StoryItem) -> Message:
    """An alerted story that now runs on many outlets."""
    title = f"[{PRODUCT}] {', '.join(item.topics) or subscription}: now on {len(item.outlets)} outlets: {item.headline}"
    text = "\n".join(_story_text(item)) + f"\n\n-- {PRODUCT} alert '{subscription}' (job {job}): story update\n"
    footer = f"{PRODUCT} alert '{html.escape(subscription)}' (job {html.escape(job)}): story update"
    body = _story_html(item, "h1") + f"<p><small>{footer}</small></p>"
    return Message(title, text, _page(title, body), _envelope("grew", job, subscription, key, key.rsplit(":", 1)[-1],
                                                              [item]))


def group_by_topic(items: Sequence[StoryItem]) -> dict[str, list[StoryItem]]:
    """topic -> its stories, topics in name order, stories newest first (a story under each of its topics)."""
    groups: dict[str, list[StoryItem]] = {}
    for item in items:
        for topic in item.topics:
            groups.setdefault(topic, []).append(item)
    never = datetime.min
    for stories in groups.values():
        stories.sort(key=lambda s: (s.first_published_at.replace(tzinfo=None) if s.first_published_at else never,
                                    s.story_id or 0), reverse=True)
    return dict(sorted(groups.items()))


def digest(job: str, subscription: str, key: str, window: str, items: Sequence[StoryItem]) -> Message:
    """The stories of one digest window, grouped by topic, then by story."""
    groups = group_by_topic(items)
    n = len(items)
    title = f"[{PRODUCT}] {subscription}: {n} new stor{'y' if n == 1 else 'ies'} ({window})"
    text_lines = [title, ""]
    body = [f"<h1>{html.escape(title)}</h1>"]
    for topic, stories in groups.items():
        heading = f"{topic} ({len(stories)})"
        text_lines += [heading, "=" * len(heading), ""]
        body.append(f"<h2>{html.escape(heading)}</h2>")
        for item in stories:
            text_lines += ["* " + line if i == 0 else "  " + line for i, line in enumerate(_story_text(item))]
            text_lines.append("")
            body.append(_story_html(item, "h3"))
    text_lines.append(f"-- {PRODUCT} digest '{subscription}' (job {job})")
    payload = _envelope("digest", job, subscription, key, window, items,
                        groups={t: [s.story_id for s in ss] for t, ss in groups.items()})
    return Message(title, "\n".join(text_lines) + "\n", _page(title, "".join(body)), payload)


def spike(job: str, subscription: str, key: str, window: str, topic: str, recent: int, usual: float,
          hours: int, items: Sequence[StoryItem]) -> Message:
    """A topic with far more new stories than usual."""
    title = f"[{PRODUCT}] spike in {topic}: {recent} new stories in {hours} h (usually {usual:.1f})"
    text_lines = [title, ""]
    body = [f"<h1>{html.escape(title)}</h1>"]
    for item in items:
        text_lines += _story_text(item) + [""]
        body.append(_story_html(item, "h3"))
    payload = _envelope("spike", job, subscription, key, window, items,
                        spike={"topic": topic, "stories": recent, "hours": hours, "usual": round(usual, 3)})
    return Message(title, "\n".join(text_lines), _page(title, "".join(body)), payload)


def test_message(job: str, subscription: str, key: str, now: datetime) -> Message:
    """`mediamon alerts test SUB`: proves the channel works without waiting for news."""
    title = f"[{PRODUCT}] test message for alert '{subscription}'"
    text = f"This is a test of alert '{subscription}' (job {job}), sent {now.isoformat()}.\n"
    return Message(title, text, _page(title, f"<p>{html.escape(text)}</p>"),
                   _envelope("test", job, subscription, key, now.isoformat(), []))
