"""The deliverer: send due outbox messages, record every attempt, retry with exponential backoff.

One message is sent while its outbox rows are locked (``FOR UPDATE``; other deliverers skip them),
and its result is recorded in that same transaction. A crash between the send and the commit leaves
the rows pending, so at most that one message goes out again, with the same idempotency key; the
rows themselves are never duplicated (the database's unique key) nor lost (the transaction).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from crawler.alerts import channels, render, windows
from crawler.store import db, outbox, sqlfiles

log = logging.getLogger(__name__)

POLL_SECONDS = 10.0  # how often `serve` looks for due messages
BATCH_LIMIT = 200  # messages per round at most, so one round never runs for ever
DIGEST_GRACE = timedelta(minutes=2)  # a digest goes out this long after its time: late batches commit first

Sender = Callable[[dict[str, Any], render.Message, str], None]
Clock = Callable[[], datetime]


def _q(name: str) -> str:
    return sqlfiles.load_queries("alerts")[name]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Report:
    """What one round did, by channel kind."""

    sent: Counter[str] = field(default_factory=Counter)
    retrying: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.sent.values()) + sum(self.retrying.values()) + sum(self.failed.values())


@dataclass
class _Unit:
    """One message: the outbox rows it settles, where it goes and with which key."""

    ids: list[int]
    sub: outbox.Subscription
    channel: dict[str, Any]
    key: str
    message: render.Message
    attempts: int  # attempts made before this one
    problem: str | None = None  # why it cannot be sent at all (recorded as a failed attempt)


def _channel(sub: outbox.Subscription, channel_id: str) -> dict[str, Any]:
    for channel in sub.channels:
        if channel["id"] == channel_id:
            return channel
    return {"id": channel_id, "kind": "removed", "missing": True}  # the job file dropped it


def _sub(row: tuple[Any, ...]) -> outbox.Subscription:
    sub_id, job, name, spec = row
    return outbox.Subscription(sub_id, job, name, spec["mode"], (), (), spec)


def _single(conn: psycopg.Connection, now: datetime) -> _Unit | None:
    row = conn.execute(_q("next_single"), {"now": now}).fetchone()
    if row is None:
        return None
    out_id, kind, channel_id, key, _window, article_id, topics, payload, attempts = row[:9]
    sub = _sub(row[9:])
    if payload is None:
        items = outbox.story_items(conn, [article_id], {article_id: tuple(topics)})
        if not items:
            empty = render.Message("", "", "", {})
            return _Unit([out_id], sub, _channel(sub, channel_id), key, empty, attempts,
                         problem=f"article {article_id} is no longer stored")
        message = (render.grew if kind == "grew" else render.immediate)(sub.job, sub.name, key, items[0])
        conn.execute(_q("store_payload"), {"ids": [out_id], "payload": Jsonb(message.as_json())})
    else:
        message = render.Message.from_json(payload)
    return _Unit([out_id], sub, _channel(sub, channel_id), key, message, attempts)


def _digest(conn: psycopg.Connection, now: datetime, group: tuple[Any, ...]) -> _Unit | None:
    sub_id, channel_id, window = group
    lock = conn.execute(_q("try_group_lock"), {"key": f"digest:{sub_id}:{channel_id}:{window}"}).fetchone()
    if not lock or not lock[0]:
        return None  # another deliverer is sending this digest
    rows = conn.execute(_q("lock_digest_group"),
                        {"subscription_id": sub_id, "channel": channel_id, "window": window}).fetchall()
    if not rows:
        return None
    sub = _sub(rows[0][5:])
    key = f"{sub.key_prefix()}digest:{window}"
    settled = conn.execute(_q("digest_window_settled"),
                           {"subscription_id": sub_id, "channel": channel_id, "window": window}).fetchone()
    if settled and settled[0]:  # a story stored just as its window closed: its own message, its own key
        key += f":late-{rows[0][0]}"
    ids = [r[0] for r in rows]
    stored = {r[3]["payload"]["idempotency_key"] if r[3] else None for r in rows}
    if stored != {key}:  # not rendered yet, or a row joined since
        topics: dict[int, tuple[str, ...]] = {}
        for r in rows:
            topics[r[1]] = tuple(sorted(set(topics.get(r[1], ())) | set(r[2])))
        items = outbox.story_items(conn, [r[1] for r in rows], topics)
        message = render.digest(sub.job, sub.name, key, window, items)
        conn.execute(_q("store_payload"), {"ids": ids, "payload": Jsonb(message.as_json())})
    else:
        message = render.Message.from_json(rows[0][3])
    return _Unit(ids, sub, _channel(sub, channel_id), key, message, max(r[4] for r in rows))


def _settle(conn: psycopg.Connection, unit: _Unit, error: str | None, now: datetime, report: Report) -> None:
    kind = unit.channel["kind"]
    if error is None:
        conn.execute(_q("record_sent"), {"ids": unit.ids, "now": now})
        report.sent[kind] += 1
        log.info("alert sent", extra={"alert": unit.sub.name, "job": unit.sub.job, "channel": kind, "key": unit.key})
    else:
        retry_at = now + windows.backoff(unit.attempts + 1)
        statuses = conn.execute(_q("record_failure"), {
            "ids": unit.ids, "error": error, "retry_at": retry_at,
            "max_attempts": int(unit.sub.spec.get("max_attempts", 10)),
        }).fetchall()
        if any(s[0] == "failed" for s in statuses):
            report.failed[kind] += 1
            log.error("alert failed for good", extra={"alert": unit.sub.name, "job": unit.sub.job, "channel": kind,
                                                       "key": unit.key, "error": error})
        else:
            report.retrying[kind] += 1
            log.warning("alert not delivered, will retry", extra={
                "alert": unit.sub.name, "job": unit.sub.job, "channel": kind, "key": unit.key, "error": error,
                "retry_at": retry_at.isoformat()})
    conn.execute(_q("record_attempts"), {"ids": unit.ids, "now": now, "ok": error is None, "error": error})


def _send(unit: _Unit, sender: Sender) -> str | None:
    if unit.problem:
        return unit.problem
    if unit.channel.get("missing"):
        return "this channel is no longer in the alert's job file"
    try:
        sender(unit.channel, unit.message, unit.key)
    except channels.DeliveryError as exc:
        return str(exc)
    return None


def deliver_due(conn: psycopg.Connection, *, now: Clock = _utcnow, sender: Sender = channels.send,
                limit: int = BATCH_LIMIT, before_record: Callable[[_Unit], None] | None = None) -> Report:
    """Send every due message once (sent, retried later, or failed after max_attempts); one transaction each.

    `before_record` runs after a send and before its result is recorded (tests kill the process there).
    """
    report = Report()
    busy: set[tuple[Any, ...]] = set()
    while report.total < limit:
        unit = None
        with conn.transaction():
            at = now()
            unit = _single(conn, at)
            if unit is None:
                groups = conn.execute(_q("next_digest_groups"),
                                      {"now": at, "grace": DIGEST_GRACE, "limit": len(busy) + 1}).fetchall()
                for group in groups:
                    if tuple(group) in busy:
                        continue
                    busy.add(tuple(group))
                    unit = _digest(conn, at, tuple(group))
                    if unit is not None:
                        break
            if unit is None:
                return report
            error = _send(unit, sender)
            if before_record is not None:
                before_record(unit)
            _settle(conn, unit, error, now(), report)
    return report


def pending_by_channel(conn: psycopg.Connection) -> dict[tuple[str, str], int]:
    """(channel kind, status) -> outbox rows."""
    rows = conn.execute(_q("pending_by_channel")).fetchall()
    conn.commit()
    return {(r[0], r[1]): int(r[2]) for r in rows}


def run_once(url: str, **kwargs: Any) -> Report:
    """`mediamon alerts deliver`: one round on its own connection."""
    with db.connect(url, attempts=3) as conn:
        return deliver_due(conn, **kwargs)


class Loop:
    """The deliverer inside `serve`: a thread that runs a round every POLL_SECONDS until stopped."""

    def __init__(self, url: str, on_round: Callable[[Report, dict[tuple[str, str], int]], None] | None = None,
                 poll: float = POLL_SECONDS) -> None:
        self.url, self.on_round, self.poll = url, on_round, poll
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="mediamon-alerts", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                with db.connect(self.url) as conn:
                    report = deliver_due(conn)
                    counts = pending_by_channel(conn)
                if self.on_round is not None:
                    self.on_round(report, counts)
            except (db.DatabaseUnavailable, psycopg.OperationalError) as exc:
                log.warning("alert delivery round skipped: database unreachable", extra={"error": str(exc).strip()})
            except Exception:  # noqa: BLE001 - a bug must not silently end alerting for the life of `serve`
                log.exception("alert delivery round failed")
            self.stop.wait(self.poll)

    def close(self, timeout: float = 30.0) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout)
