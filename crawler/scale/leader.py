"""`mediamon serve --queue`: one leader defers host tasks, every other `serve` is a hot standby.

Leadership is a PostgreSQL session advisory lock held on a dedicated connection with TCP keepalives:
when the leader's process or host dies, its session ends, the lock is free, and a standby (which
retries every second) takes over. A leader that loses its connection stops deferring at once.
APScheduler still fires in every replica; only the leader's fires queue work, and `queueing_lock`
keeps one waiting task per job and host even if two replicas briefly both think they lead. A fire
queues only the hosts with work due (`queue.due_tasks`: a new source, a document due by adaptive
polling, a revisit or a retry), so a job fired every few minutes costs a task only where there is work.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from procrastinate import exceptions as pexc

from crawler.errors import JobError
from crawler.run import crawl
from crawler.scale import observe, queue
from crawler.service import service
from crawler.store import db

log = logging.getLogger(__name__)

#: the advisory-lock key of the scheduling leader (arbitrary constant, like migrate.MIGRATION_LOCK)
LEADER_LOCK = 0x6D6D_0002
#: how often a standby tries to become leader, and the leader checks its connection (s)
CHECK_SECONDS = 1.0
#: TCP keepalives of the lock connection: a dead peer is noticed within about 5 + 3 * 2 = 11 s
KEEPALIVES: dict[str, Any] = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}


class Leadership:
    """Holds (or waits for) the leader lock on its own connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: psycopg.Connection | None = None
        self.held = False
        self.name = f"mediamon-leader {socket.gethostname()}:{os.getpid()}"

    def check(self) -> bool:
        """Try to become leader, or confirm the lock is still ours; return whether we lead."""
        try:
            if self.conn is None or self.conn.closed or self.conn.broken:
                self.held = False
                self.conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5,
                                            application_name=self.name[:63], **KEEPALIVES)
            if self.held:
                self.conn.execute("SELECT 1")
            else:
                row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()
                self.held = bool(row and row[0])
        except psycopg.Error as exc:
            if self.held:
                log.error("leader lost its database connection: standing down", extra={"error": str(exc).strip()})
            self.held = False
            self.close()
        return self.held

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()  # the session ends: the lock is released
            self.conn = None
        self.held = False


@dataclass
class QueueService(service.Service):
    """The scheduler in queue mode: fires defer one task per job and host instead of crawling here."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.leadership: Leadership | None = None
        self.app: Any = None
        self._watch: threading.Thread | None = None
        self._watch_stop = threading.Event()

    def start(self, *, run_now: bool = False) -> None:
        assert self.db_url is not None
        queue.ensure_schema(self.db_url)
        self.app = queue.make_app(self.db_url)
        self.app.open()
        self.leadership = Leadership(self.db_url)
        self.metrics.registry.register(observe.QueueCollector(self.db_url))
        self._run_now = run_now
        super().start(run_now=False)  # fires before leadership would be dropped; the leader catches up
        self._watch = threading.Thread(target=self._watch_leadership, name="leader", daemon=True)
        self._watch.start()

    def _watch_leadership(self) -> None:
        assert self.leadership is not None
        leading = False
        while not self._watch_stop.is_set():
            now = self.leadership.check()
            if now and not leading:
                log.info("became leader: scheduling", extra={"leader": self.leadership.name})
                self.dispatch_all()  # the old leader's last fires may be lost: queue everything once
            elif leading and not now:
                log.warning("no longer leader", extra={"leader": self.leadership.name})
            leading = now
            self._watch_stop.wait(CHECK_SECONDS)

    def is_leader(self) -> bool:
        return self.leadership is not None and self.leadership.held

    def dispatch_all(self) -> None:
        for job in list(self.jobs.values()):
            self.run_guarded(job.name)

    def run_guarded(self, name: str) -> Any:
        """A fire: the leader queues a task for each of the job's hosts with work due; a standby does nothing."""
        if self.stopping.is_set() or self.db_url is None or not self.is_leader():
            return None
        try:
            text = (self.snapshots / f"{name}.toml").read_text(encoding="utf-8")
            job = next(j for j in self.jobs.values() if j.name == name)
            with db.connect(self.db_url, attempts=3) as conn:
                tasks, idle = queue.due_tasks(conn, job, text, datetime.now(UTC), revisits=crawl.REVISITS_PER_RUN,
                                              retries=crawl.RETRIES_PER_RUN)
            queued, waiting = queue.defer_all(self.app, tasks)
        except (OSError, StopIteration, JobError) as exc:
            log.error("tasks not queued: job unavailable", extra={"job": name, "error": str(exc)})
            return None
        except (db.DatabaseUnavailable, psycopg.Error, pexc.ProcrastinateException) as exc:
            log.error("tasks not queued: database error", extra={"job": name, "error": str(exc).strip()})
            return None
        log.info("tasks queued", extra={"job": name, "queued": queued, "already_waiting": waiting,
                                        "nothing_due": idle})
        return None

    def shutdown(self, grace: float, force: threading.Event) -> bool:
        self._watch_stop.set()
        if self._watch is not None:
            self._watch.join(timeout=5)
        if self.leadership is not None:
            self.leadership.close()
        clean = super().shutdown(grace, force)
        if self.app is not None:
            self.app.close()
        return clean
