"""`mediamon alerts list|preview|test|deliver`: registered into the main CLI."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from crawler import config
from crawler.alerts import channels, deliver, render
from crawler.errors import JobError, MediamonError
from crawler.store import db, outbox, sqlfiles

PLAIN_WIDTH = 240


class AlertNotFound(MediamonError):
    """No (or more than one) subscription has that name."""


def register(sub: Any) -> None:
    """Add `alerts` and its sub-commands to the `mediamon` parser."""
    p = sub.add_parser("alerts", help="alert subscriptions: list, preview, test, deliver")
    p.set_defaults(handler=lambda args, settings: (p.print_help(), 2)[1])
    inner = p.add_subparsers(dest="alerts_command", metavar="ACTION")
    jobs_help = "sync the [[alerts]] of this directory's *.toml job files first (crawls and serve do it too)"

    q = inner.add_parser("list", help="subscriptions with their last delivery, pending and failed messages")
    q.add_argument("--jobs", type=Path, metavar="JOBS_DIR", help=jobs_help)
    q.set_defaults(handler=cmd_list)

    q = inner.add_parser("preview", help="render what the subscription's next message(s) would contain")
    q.add_argument("name", metavar="SUB")
    q.add_argument("--job", help="the job, when several jobs have a subscription of that name")
    q.add_argument("--html", action="store_true", help="print the HTML part instead of the text part")
    q.add_argument("--jobs", type=Path, metavar="JOBS_DIR", help=jobs_help)
    q.set_defaults(handler=cmd_preview)

    q = inner.add_parser("test", help="send a test message to every channel of the subscription")
    q.add_argument("name", metavar="SUB")
    q.add_argument("--job", help="the job, when several jobs have a subscription of that name")
    q.add_argument("--jobs", type=Path, metavar="JOBS_DIR", help=jobs_help)
    q.set_defaults(handler=cmd_test)

    q = inner.add_parser("deliver", help="send every due alert once and exit (the cron entry point)")
    q.add_argument("--jobs", type=Path, metavar="JOBS_DIR", help=jobs_help)
    q.set_defaults(handler=cmd_deliver)


def _console() -> Console:
    return Console() if sys.stdout.isatty() else Console(width=PLAIN_WIDTH, no_color=True)


def _connect(args: argparse.Namespace, settings: config.Settings) -> tuple[str, psycopg.Connection]:
    """Migrated database, with the subscriptions of JOBS_DIR synced (a bad job file is a JobError)."""
    from crawler.jobs import jobs
    from crawler.run import crawl

    url = crawl.prepare(settings)
    conn = db.connect(url)
    if args.jobs is not None:
        if not args.jobs.is_dir():
            raise JobError(str(args.jobs), None, None, "jobs directory not found")
        for job in jobs.load_jobs(args.jobs):
            outbox.sync(conn, job)
    return url, conn


def _one(conn: psycopg.Connection, name: str, job: str | None) -> outbox.Subscription:
    found = outbox.find(conn, name, job)
    conn.commit()
    if not found:
        raise AlertNotFound(f"no alert named {name!r}" + (f" in job {job!r}" if job else ""))
    if len(found) > 1:
        raise AlertNotFound(f"alert {name!r} exists in jobs {', '.join(s.job for s in found)}: add --job")
    return found[0]


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if value else "never"


def cmd_list(args: argparse.Namespace, settings: config.Settings) -> int:
    _url, conn = _connect(args, settings)
    with conn:
        rows = conn.execute(sqlfiles.load_queries("alerts")["subscription_overview"]).fetchall()
    table = Table(title="mediamon alerts", header_style="bold")
    columns = ("job", "alert", "mode", "topics", "channels", "last sent", "sent", "pending", "failed", "last error")
    for column in columns:
        table.add_column(column, justify="right" if column in ("sent", "pending", "failed") else "left",
                         no_wrap=column != "last error")
    for job, name, mode, topics, active, spec, last_sent, sent, pending, failed, last_error in rows:
        label = mode if mode != "digest" else f"digest {spec.get('digest')}"
        kinds = ", ".join(c["kind"] for c in spec.get("channels", []))
        table.add_row(job, name + ("" if active else " (removed)"), label, ", ".join(topics), kinds, _when(last_sent),
                      str(sent), str(pending), str(failed), last_error or "")
    _console().print(table)
    return 0


def cmd_preview(args: argparse.Namespace, settings: config.Settings) -> int:
    _url, conn = _connect(args, settings)
    with conn:
        sub = _one(conn, args.name, args.job)
        messages = preview(conn, sub, datetime.now(UTC))
    if not messages:
        print(f"nothing pending for alert {sub.name!r} (job {sub.job})")
        return 0
    for message in messages:
        print(message.html if args.html else f"Subject: {message.title}\n\n{message.text}")
    return 0


def preview(conn: psycopg.Connection, sub: outbox.Subscription, now: datetime) -> list[render.Message]:
    """The messages the subscription's pending events would make (one channel's worth): a digest per
    window with its stories grouped by topic, an immediate alert per story, a spike as queued."""
    rows = conn.execute(sqlfiles.load_queries("alerts")["pending_of_subscription"], {"id": sub.id}).fetchall()
    messages: list[render.Message] = []
    digests: dict[str, dict[int, tuple[str, ...]]] = {}
    for kind, window, article_id, topics, payload in rows:
        if payload is not None:
            messages.append(render.Message.from_json(payload))
        elif kind == "digest":
            digests.setdefault(window, {})[article_id] = tuple(topics)
        else:
            items = outbox.story_items(conn, [article_id], {article_id: tuple(topics)})
            messages.extend(render.immediate(sub.job, sub.name, f"{sub.key_prefix()}preview", i) for i in items)
    for window, topics in sorted(digests.items()):
        items = outbox.story_items(conn, list(topics), topics)
        messages.append(render.digest(sub.job, sub.name, f"{sub.key_prefix()}digest:{window}", window, items))
    conn.commit()
    return messages


def cmd_test(args: argparse.Namespace, settings: config.Settings) -> int:
    _url, conn = _connect(args, settings)
    with conn:
        sub = _one(conn, args.name, args.job)
    now = datetime.now(UTC)
    key = f"{sub.key_prefix()}test:{now.isoformat()}"
    message = render.test_message(sub.job, sub.name, key, now)
    failed = 0
    for channel in sub.channels:
        try:
            channels.send(channel, message, key)
        except channels.DeliveryError as exc:
            failed += 1
            print(f"failed: {channel['kind']}: {exc}", file=sys.stderr)
            continue
        print(f"sent: {channel['kind']}")
    return 1 if failed else 0


def cmd_deliver(args: argparse.Namespace, settings: config.Settings) -> int:
    url, conn = _connect(args, settings)
    conn.close()
    report = deliver.run_once(url)
    kinds = sorted(set(report.sent) | set(report.retrying) | set(report.failed))
    for kind in kinds:
        print(f"{kind}: sent {report.sent[kind]}, retrying {report.retrying[kind]}, failed {report.failed[kind]}")
    if not kinds:
        print("no alert was due")
    return 0
