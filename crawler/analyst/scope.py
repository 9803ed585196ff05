"""`--topic` and `--job` of search and export: a name nothing carries is an error that lists the known ones.

Without this check a typo (`--topic venezula`) silently returns nothing, which reads as "no news".
"""

from __future__ import annotations

import psycopg

from crawler.errors import MediamonError
from crawler.store import sqlfiles

#: how many known names an error message lists before "..."
SHOWN = 20


class ScopeError(MediamonError):
    """A --topic or --job that no stored article, run or source carries."""


def _q(name: str) -> str:
    return sqlfiles.load_queries("analyst")[name]


def _listing(names: list[str], what: str) -> str:
    if not names:
        return f"no {what} are stored yet"
    more = ", ..." if len(names) > SHOWN else ""
    return f"known {what}: {', '.join(names[:SHOWN])}{more}"


def check(conn: psycopg.Connection, topic: str | None, job: str | None) -> None:
    """Raise ScopeError when `job` has no runs, sources or tags, or no article carries `topic` (of `job`)."""
    if job is not None:
        row = conn.execute(_q("job_in_use"), {"job": job}).fetchone()
        if not (row and row[0]):
            jobs = [r[0] for r in conn.execute(_q("known_jobs"))]
            raise ScopeError(f"--job {job!r}: unknown job ({_listing(jobs, 'jobs')})")
    if topic is not None:
        row = conn.execute(_q("topic_in_use"), {"topic": topic, "job": job}).fetchone()
        if not (row and row[0]):
            topics = [r[0] for r in conn.execute(_q("known_topics"), {"job": job})]
            of_job = f" of job {job!r}" if job is not None else ""
            raise ScopeError(
                f"--topic {topic!r}: no article is tagged with this topic{of_job} ({_listing(topics, 'topics')})"
            )
