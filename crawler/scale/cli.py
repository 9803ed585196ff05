"""`mediamon worker` (registered into the main CLI) and the queue table of `mediamon status`."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from crawler import config


def register(sub: Any) -> None:
    p = sub.add_parser("worker", help="run crawl tasks queued by `serve --queue` (any number, on any host)")
    p.add_argument("--concurrency", type=int, default=1, metavar="N",
                   help="host tasks run at once by this worker, each in its own crawl process (default 1)")
    p.add_argument("--grace", type=float, default=30.0, metavar="SECONDS",
                   help="on SIGTERM, how long running crawls may take to stop before they are killed and "
                        "handed back to the queue (default 30)")
    p.set_defaults(handler=cmd_worker)


def cmd_worker(args: argparse.Namespace, settings: config.Settings) -> int:
    from crawler.scale import worker

    if args.concurrency < 1:
        raise SystemExit("mediamon: --concurrency must be >= 1")
    return worker.serve_worker(settings, concurrency=args.concurrency, grace=args.grace)


def print_queue(conn: Any, console: Console) -> None:
    """The queue table under `mediamon status` (nothing when the database has no queue)."""
    from crawler.scale import observe

    fig = observe.figures(conn)
    if fig is None:
        return
    table = Table(title="task queue (serve --queue, mediamon worker)", header_style="bold")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_column("detail")
    table.add_row("waiting", str(sum(fig.depth.values())), ", ".join(f"{k}={v}" for k, v in fig.depth.items()))
    table.add_row("running", str(sum(fig.running.values())), ", ".join(f"{k}={v}" for k, v in fig.running.items()))
    table.add_row("succeeded / failed", f"{fig.succeeded} / {fig.failed}", "")
    table.add_row("retried", str(fig.retried), "tasks that ran more than once")
    table.add_row("stalled", str(fig.stalled), "tasks whose worker died (found by heartbeat)")
    waits = ", ".join(f"{h}: {n} waiting, oldest {age:.0f}s" for h, (n, age) in fig.lock_waits.items())
    table.add_row("host lock waits", str(sum(n for n, _ in fig.lock_waits.values())), waits)
    console.print(table)
