"""Queue figures for `mediamon status` and `/metrics`: depth, running tasks per worker, stalled and
retried tasks, per-host lock waits (read from procrastinate's tables and ours)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from crawler.store import db, sqlfiles


def _q(name: str) -> str:
    return sqlfiles.load_queries("scale")[name]


@dataclass(frozen=True)
class QueueFigures:
    depth: dict[str, int] = field(default_factory=dict)  # task name -> waiting
    running: dict[str, int] = field(default_factory=dict)  # worker -> running tasks
    succeeded: int = 0
    failed: int = 0
    retried: int = 0  # tasks that ran more than once
    stalled: int = 0  # tasks found stalled (dead worker) so far
    lock_waits: dict[str, tuple[int, float]] = field(default_factory=dict)  # host -> (waiting, oldest wait s)


def figures(conn: psycopg.Connection) -> QueueFigures | None:
    """The queue's figures, or None when this database has no queue (inline mode only)."""
    row = conn.execute(_q("has_queue")).fetchone()
    if not row or not row[0]:
        return None
    totals = conn.execute(_q("task_totals")).fetchone()
    stalled = conn.execute(_q("stalled_count")).fetchone()
    assert totals is not None and stalled is not None
    return QueueFigures(
        depth={name: n for name, n in conn.execute(_q("queue_depth")).fetchall()},
        running={worker: n for worker, n in conn.execute(_q("running_per_worker")).fetchall()},
        succeeded=totals[0], failed=totals[1], retried=totals[2], stalled=stalled[0],
        lock_waits={lock.removeprefix("host:"): (n, age) for lock, n, age in conn.execute(_q("host_lock_waits"))},
    )


class QueueCollector(Collector):
    """Reads the queue figures at each /metrics scrape (a few small queries)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        try:
            with db.connect(self.url, autocommit=True) as conn:
                fig = figures(conn)
        except (psycopg.Error, db.DatabaseUnavailable):
            return
        if fig is None:
            return
        depth = GaugeMetricFamily("mediamon_queue_depth", "Tasks waiting in the queue", labels=["task"])
        for name, n in fig.depth.items():
            depth.add_metric([name], n)
        yield depth
        running = GaugeMetricFamily("mediamon_tasks_running", "Tasks running, per worker", labels=["worker"])
        for worker, n in fig.running.items():
            running.add_metric([worker], n)
        yield running
        done = CounterMetricFamily("mediamon_tasks", "Finished tasks by status", labels=["status"])
        done.add_metric(["succeeded"], fig.succeeded)
        done.add_metric(["failed"], fig.failed)
        yield done
        yield CounterMetricFamily("mediamon_tasks_retried", "Tasks that ran more than once", value=fig.retried)
        yield CounterMetricFamily("mediamon_tasks_stalled", "Tasks found stalled (worker died)", value=fig.stalled)
        waits = GaugeMetricFamily("mediamon_host_lock_waiting", "Tasks waiting for their host's lock", labels=["host"])
        oldest = GaugeMetricFamily("mediamon_host_lock_wait_seconds", "Oldest wait for a host's lock", labels=["host"])
        for host, (n, age) in fig.lock_waits.items():
            waits.add_metric([host], n)
            oldest.add_metric([host], age)
        yield waits
        yield oldest
