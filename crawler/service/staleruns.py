"""Runs left behind: 'running' rows whose process died (a kill, an OOM, a lost host) are marked failed."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from crawler.store import db, lease, sqlfiles, store

log = logging.getLogger(__name__)

#: a 'running' row older than this is dead whatever its pid says (pids are reused, e.g. pid 1 in containers)
STALE_AFTER = timedelta(hours=12)


def _q(name: str) -> str:
    return sqlfiles.load_queries("service")[name]


@dataclass(frozen=True)
class RunningRow:
    id: int
    job: str
    trigger: str
    pid: int | None
    host: str | None
    started_at: datetime


def stale_reason(
    run: RunningRow, *, host: str, own_pid: int, now: datetime, pid_alive: bool, lock_free: bool
) -> str | None:
    """Why a 'running' row is dead (None: it may be alive). Pure: the caller probes pid and lock."""
    # `serve` and `mediamon crawl` hold the job's lease for the whole run (crawler.store.lease)
    if run.trigger in ("service", "cli") and lock_free:
        return "process gone (job lease free)"
    if run.trigger == "service":
        return None
    if run.host == host and run.pid == own_pid:
        return "left running by an earlier process with this pid"
    if run.host == host and run.pid is not None and not pid_alive:
        return f"process {run.pid} on {host} is gone"
    if now - run.started_at > STALE_AFTER:
        return f"still running after {STALE_AFTER}"
    return None


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


def _lock_free(conn: psycopg.Connection, job: str) -> bool:
    return lease.is_free(conn, lease.job_lease(job))


def recover_stale(url: str) -> list[int]:
    """Mark runs whose process died failed; return their ids. (`mediamon crawl` also closes its own
    job's dead rows when it takes the job's lease: `crawl.run_exclusive`.)"""
    host, now = socket.gethostname(), datetime.now(UTC)
    failed = []
    with db.connect(url, autocommit=True) as conn:
        rows = [RunningRow(*r) for r in conn.execute(_q("running_runs")).fetchall()]
        for run in rows:
            reason = stale_reason(
                run,
                host=host,
                own_pid=os.getpid(),
                now=now,
                pid_alive=run.host == host and _pid_alive(run.pid),
                lock_free=_lock_free(conn, run.job),
            )
            if reason:
                store.fail_if_running(conn, run.id, f"marked failed at service start: {reason}")
                log.warning("stale run marked failed", extra={"job": run.job, "run": run.id, "reason": reason})
                failed.append(run.id)
    return failed
