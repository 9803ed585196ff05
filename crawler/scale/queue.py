"""The task queue: procrastinate on the crawl's own PostgreSQL. Its schema, the app, deferring host tasks.

One task = one job's sources on one host (`crawl_host`). Its procrastinate `lock` is the host, so one
host's tasks run one at a time across every worker (per-host politeness cluster-wide); its
`queueing_lock` is `job@host`, so the same sources are never waiting twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import procrastinate
import psycopg
from procrastinate import exceptions as pexc
from procrastinate import schema as pschema

from crawler.fetch import urls
from crawler.jobs import jobs
from crawler.store import db, migrate, sqlfiles

log = logging.getLogger(__name__)

TASK = "crawl_host"
QUEUE = "crawl"
#: procrastinate logs every job with its arguments (a whole job file) at INFO: ours say the same in one line
LIBRARY_LOG_LEVEL = logging.WARNING


def _q(name: str) -> str:
    return sqlfiles.load_queries("scale")[name]


@dataclass(frozen=True)
class HostTask:
    """What one task crawls: the job (its file text travels with the task) restricted to one host."""

    job: str
    host: str
    job_toml: str

    @property
    def key(self) -> str:
        """The queueing lock and URL-claim holder: one waiting task per job and host."""
        return f"{self.job}@{self.host}"

    @property
    def lock(self) -> str:
        """The per-host lock shared by every job's tasks for this host."""
        return f"host:{self.host}"


def job_hosts(job: jobs.Job) -> list[str]:
    """The hosts of a job's declared sources, in order (one task each)."""
    return sorted({urls.host(s.url) for s in job.sources})


def host_tasks(job: jobs.Job, job_toml: str) -> list[HostTask]:
    return [HostTask(job.name, host, job_toml) for host in job_hosts(job)]


# --- schema ----------------------------------------------------------------------------------------


def ensure_schema(url: str) -> bool:
    """Our migrations, then procrastinate's schema from its own schema manager when it is not there yet.

    Both under our migration advisory lock, so concurrent workers and leaders do it once. Returns True
    when procrastinate's schema was applied now. (A procrastinate upgrade brings its own migration files:
    apply them with `procrastinate schema --apply` or its docs' migration steps; the version is pinned.)
    """
    with db.connect(url, attempts=3) as conn:
        migrate.migrate(conn)  # leaves the connection in autocommit
        conn.execute("SELECT pg_advisory_lock(%s)", (migrate.MIGRATION_LOCK,))
        try:
            row = conn.execute(_q("has_queue")).fetchone()
            if row is not None and row[0]:
                return False
            schema = pschema.SchemaManager.get_schema()
            with conn.transaction():
                conn.execute(schema)  # no parameters: the whole file in one simple-protocol call
            log.info("procrastinate schema applied")
            return True
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (migrate.MIGRATION_LOCK,))


# --- the app ----------------------------------------------------------------------------------------


def make_app(url: str, *, register: Any = None) -> procrastinate.App:
    """A procrastinate app on `url`; `register(app)` adds the tasks (the worker does; deferring needs none)."""
    logging.getLogger("procrastinate").setLevel(LIBRARY_LOG_LEVEL)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=4))
    if register is not None:
        register(app)
    else:
        # the leader only defers by name: a stub with the same name, never run in this process
        @app.task(name=TASK, queue=QUEUE)
        def _stub(**_kwargs: Any) -> None:  # pragma: no cover - never executed
            raise RuntimeError("crawl_host runs in `mediamon worker`")
    return app


def defer(app: procrastinate.App, task: HostTask, *, connection: psycopg.Connection | None = None) -> int | None:
    """Queue one host task; None when the same job@host is already waiting (queueing_lock)."""
    options: dict[str, Any] = {"lock": task.lock, "queueing_lock": task.key}
    if connection is not None:
        options["connection"] = connection
    try:
        return app.tasks[TASK].configure(**options).defer(job=task.job, host=task.host, job_toml=task.job_toml)
    except pexc.AlreadyEnqueued:
        log.info("task already queued", extra={"job": task.job, "host": task.host})
        return None


def defer_all(app: procrastinate.App, tasks: Iterable[HostTask]) -> tuple[int, int]:
    """Queue every task; (queued, already waiting)."""
    queued = waiting = 0
    for task in tasks:
        if defer(app, task) is None:
            waiting += 1
        else:
            queued += 1
    return queued, waiting
