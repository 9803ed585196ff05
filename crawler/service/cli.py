"""`mediamon serve`, `mediamon status` and `mediamon runs`: registered into the main CLI."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from crawler import config
from crawler.errors import JobError
from crawler.fetch import polling
from crawler.jobs import jobs
from crawler.run import crawl
from crawler.service import service
from crawler.store import db, monitor, sqlfiles

#: width of tables when stdout is not a terminal (cron mail, pipes): wide enough that nothing is cut
PLAIN_WIDTH = 240


def _count(minimum: int) -> Any:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}")
        return number

    return parse


def register(sub: Any) -> None:
    """Add the service sub-commands to the `mediamon` parser."""
    p = sub.add_parser("serve", help="run every job file on its schedule until SIGTERM (the service)")
    p.add_argument("jobs_dir", nargs="?", type=Path, default=Path("jobs"), metavar="JOBS_DIR",
                   help="directory of *.toml job files (default: jobs)")
    p.add_argument("--metrics-port", type=_count(0), metavar="N",
                   help="port of /metrics and /healthz, 0 = off (env MEDIAMON_METRICS_PORT, default 9464)")
    p.add_argument("--grace", type=float, default=60.0, metavar="SECONDS",
                   help="on SIGTERM, how long running crawls may take to stop before they are killed (default 60)")
    p.add_argument("--run-now", action="store_true", help="run every job once at start, then on its schedule")
    p.add_argument("--queue", action="store_true",
                   help="scale-out: queue each job's host tasks for `mediamon worker` instead of crawling here "
                        "(one leader among replicas, the others hot standbys)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("status", help="table of jobs: schedule, next fire time, last run, its counters and errors")
    p.add_argument("jobs_dir", nargs="?", type=Path, default=Path("jobs"), metavar="JOBS_DIR",
                   help="directory of *.toml job files (default: jobs)")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("runs", help="run history of one job, newest first")
    p.add_argument("job", metavar="JOB", help="job name")
    p.add_argument("--limit", type=_count(1), default=20, metavar="N", help="how many runs (default 20)")
    p.set_defaults(handler=cmd_runs)


def cmd_serve(args: argparse.Namespace, settings: config.Settings) -> int:
    if args.metrics_port is not None:
        settings = dataclasses.replace(settings, metrics_port=args.metrics_port)
    return service.serve(args.jobs_dir, settings, grace=args.grace, run_now=args.run_now, queue=args.queue)


def _console() -> Console:
    """No rich markup: job files, paths and error messages are printed as written ("[schedule]" stays)."""
    if sys.stdout.isatty():
        return Console(markup=False)
    return Console(width=PLAIN_WIDTH, no_color=True, markup=False)


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _took(started: datetime | None, finished: datetime | None) -> str:
    if started is None or finished is None:
        return "-"
    return f"{(finished - started).total_seconds():.0f}s"


def _problems(errors_by_kind: dict[str, int] | None, message: str | None) -> str:
    kinds = ", ".join(f"{k}={v}" for k, v in sorted((errors_by_kind or {}).items()))
    return "; ".join(part for part in (kinds, message or "") if part)


def cmd_status(args: argparse.Namespace, settings: config.Settings) -> int:
    if not args.jobs_dir.is_dir():
        raise JobError(str(args.jobs_dir), None, None, "jobs directory not found (mediamon status JOBS_DIR)")
    found = service.scan(args.jobs_dir)
    if not found:
        raise JobError(str(args.jobs_dir), None, None, "no job files (*.toml) in this directory")
    url = crawl.prepare(settings)
    with db.connect(url) as conn:
        rows = conn.execute(sqlfiles.load_queries("service")["last_runs"]).fetchall()
        alerts = conn.execute(sqlfiles.load_queries("alerts")["subscription_overview"]).fetchall()
        polled = monitor.polling_status(conn)
    last = {row[0]: row for row in rows}
    now = datetime.now(UTC)
    table = Table(title=f"mediamon jobs in {args.jobs_dir}", header_style="bold")
    for column in ("job", "schedule", "next fire", "last run", "status", "started", "took",
                   "fetched", "stored", "dups", "errors", "problems"):
        right = column in ("fetched", "stored", "dups", "errors", "took")
        table.add_column(column, justify="right" if right else "left", no_wrap=column != "problems")
    shown: set[str] = set()
    for path, item in found.items():
        if isinstance(item, JobError):
            table.add_row(path.stem, "-", "-", "-", "invalid", "-", "-", "", "", "", "", str(item).splitlines()[0])
            continue
        shown.add(item.name)
        table.add_row(*_job_row(item, last.get(item.name), now))
    for name in sorted(set(last) - shown):  # runs of jobs whose file is gone (or not in this directory)
        table.add_row(*_job_row(None, last[name], now, name=name))
    console = _console()
    console.print(table)
    if polled:
        console.print(_sources_table(polled))
    for job, name, _mode, _topics, _active, _spec, _last, _sent, pending, failed, last_error in alerts:
        if failed:  # messages given up after max_attempts: `mediamon alerts list` has the details
            print(f"alert {job}/{name}: {failed} failed, {pending} pending; last error: {last_error}")
    from crawler.scale import cli as scale_cli

    with db.connect(url) as conn:
        scale_cli.print_queue(conn, console)  # scale-out figures, when this database has a queue
    return 0


def _sources_table(rows: list[tuple[Any, ...]]) -> Table:
    """Each polled document (declared sources, and the sitemaps / feeds they announced): its observed rate
    of new items, when it last showed one, when it is polled next, and whether its host's validators lie."""
    table = Table(title="sources: adaptive polling", header_style="bold")
    for column in ("job", "source", "kind", "items/day", "last new item", "last poll", "next poll", "status"):
        table.add_column(column, justify="right" if column == "items/day" else "left", no_wrap=column != "source")
    for job, name, kind, url, child, items, hours, errors, polled_at, new_at, next_at, status, verdict in rows:
        rate = polling.PollState(items=items, hours=hours).rate_per_hour() * 24 if polled_at else None
        label = f"  └ {url}" if child else (name if name == url else f"{name} ({url})")
        notes = [status or "never polled"]
        if errors:
            notes.append(f"{errors} failed polls in a row")
        if verdict:
            notes.append(f"validators {verdict}: hashed")
        table.add_row(job, label, kind, "-" if rate is None else f"{rate:.1f}", _when(new_at), _when(polled_at),
                      _when(next_at), "; ".join(notes))
    return table


def _job_row(job: jobs.Job | None, run: tuple[Any, ...] | None, now: datetime, name: str = "") -> list[str]:
    schedule, upcoming = "-", "-"
    if job is not None and job.schedule is not None:
        schedule = describe(job.schedule)
        upcoming = _when(next_fire(job.schedule, now, run[4] if run else None))
    elif job is not None:
        schedule = "manual (no [schedule])"
    label = job.name if job is not None else name
    if run is None:
        return [label, schedule, upcoming, "never", "-", "-", "-", "", "", "", "", ""]
    _job, run_id, status, _trigger, started, finished, fetched, stored, dups, errors, by_kind, message = run
    return [label, schedule, upcoming, f"#{run_id}", status, _when(started), _took(started, finished),
            str(fetched), str(stored), str(dups), str(errors), _problems(by_kind, message)]


def cmd_runs(args: argparse.Namespace, settings: config.Settings) -> int:
    url = crawl.prepare(settings)
    with db.connect(url) as conn:
        rows = conn.execute(
            sqlfiles.load_queries("service")["run_history"], {"job": args.job, "limit": args.limit}
        ).fetchall()
    if not rows:
        print(f"no runs of job {args.job!r}", file=sys.stderr)
        return 1
    table = Table(title=f"runs of {args.job}", header_style="bold")
    for column in ("run", "status", "trigger", "started", "took", "host", "pid",
                   "fetched", "stored", "dups", "errors", "problems"):
        right = column in ("run", "fetched", "stored", "dups", "errors", "took", "pid")
        table.add_column(column, justify="right" if right else "left", no_wrap=column != "problems")
    for run_id, status, trigger, started, finished, host, pid, fetched, stored, dups, errors, by_kind, message in rows:
        table.add_row(str(run_id), status, trigger, _when(started), _took(started, finished), host or "-",
                      str(pid or "-"), str(fetched), str(stored), str(dups), str(errors), _problems(by_kind, message))
    _console().print(table)
    return 0


def describe(schedule: Any) -> str:
    """'cron 15 */2 * * * America/Havana' / 'every 0:30:00 UTC', plus jitter."""
    what = f"cron {schedule.cron}" if schedule.cron else f"every {_duration(schedule.interval)}"
    jitter = f" ±{_duration(schedule.jitter)}" if schedule.jitter_seconds else ""
    return f"{what} {schedule.timezone}{jitter}"


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "m"), (seconds % 60, "s")]
    return "".join(f"{n}{u}" for n, u in parts if n) or "0s"


def next_fire(schedule: Any, now: datetime, last_started: datetime | None) -> datetime | None:
    """The next start by the job's trigger (without jitter); interval jobs count from the last run."""
    trigger = schedule.model_copy(update={"jitter": timedelta(0)}).trigger()
    if schedule.interval is not None and last_started is not None:
        due = last_started + schedule.interval
        return due if due > now else now
    fire: datetime | None = trigger.get_next_fire_time(None, now)
    return fire


