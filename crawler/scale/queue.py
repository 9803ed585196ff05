"""The task queue: procrastinate on the crawl's own PostgreSQL. Its schema, the app, deferring host tasks.

One task = one job's sources on one host (`crawl_host`). Its procrastinate `lock` is the host, so one
host's tasks run one at a time across every worker (per-host politeness cluster-wide); its
`queueing_lock` is `job@host`, so the same sources are never waiting twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import procrastinate
import psycopg
from procrastinate import exceptions as pexc
from procrastinate import schema as pschema

from crawler.errors import MediamonError
from crawler.fetch import urls
from crawler.jobs import jobs
from crawler.store import db, migrate, monitor, sqlfiles

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


class NoSuchHost(MediamonError):
    """A task names a host the job has no source on (its job file changed since it was queued)."""


def host_job(job: jobs.Job, host: str) -> jobs.Job:
    """The job restricted to its sources on `host` (what one task crawls; links to other hosts stay offsite)."""
    sources = tuple(s for s in job.sources if urls.host(s.url) == host)
    if not sources:
        raise NoSuchHost(f"job {job.name!r} has no source on host {host!r}")
    return job.model_copy(update={"sources": sources})


#: why a host has work at a fire (the leader logs the counts)
NEW_SOURCE, DOCUMENTS_DUE, PAGES_DUE = "new_source", "documents_due", "pages_due"


def due_hosts(conn: psycopg.Connection, job: jobs.Job, now: datetime, *, revisits: int, retries: int) -> dict[str, str]:
    """The job's hosts with work at `now`, each with why: a declared source never polled, a document due
    (`monitor.due_sources`: adaptive polling and a site's rediscovery; with adaptive polling off every
    document is due), or a young article due for a revisit / a failed fetch to retry on that host's
    allowed hosts. A host with none of these gets no task: its process start and poll are saved."""
    why: dict[str, str] = {}
    docs = monitor.documents(conn, job.name)
    known = {d.url for d in docs}
    for source in job.sources:
        if source.url not in known:
            why.setdefault(urls.host(source.url), NEW_SOURCE)
    for doc in monitor.due_among(docs, job, now):
        why.setdefault(urls.host(doc.root_url), DOCUMENTS_DUE)
    rest = [h for h in job_hosts(job) if h not in why]
    if rest:
        pages = [p.url for p in monitor.due_revisits(conn, job.name, now, job.monitor.revisit_offsets, revisits)]
        since = now - timedelta(days=job.limits.max_age_days)
        pages += monitor.retry_urls(conn, job.name, since, retries)
        for host in rest:
            allowed = host_job(job, host).hosts
            if any(urls.allowed(url, allowed) for url in pages):
                why[host] = PAGES_DUE
    return why


def due_tasks(conn: psycopg.Connection, job: jobs.Job, job_toml: str, now: datetime, *, revisits: int,
              retries: int) -> tuple[list[HostTask], int]:
    """The host tasks to queue at a fire, and how many hosts had nothing due."""
    due = due_hosts(conn, job, now, revisits=revisits, retries=retries)
    tasks = [t for t in host_tasks(job, job_toml) if t.host in due]
    return tasks, len(job_hosts(job)) - len(tasks)


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
