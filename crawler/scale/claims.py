"""URL claims: a URL is requested by one worker only. Claimed in PostgreSQL before the request
(`INSERT ... ON CONFLICT ... RETURNING`), released when the task ends, expired when its worker died."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from crawler.store import sqlfiles

#: a claim outlives its worker by at most this long (s). Longer than any task's stall detection plus
#: retry, so a live task never loses a claim; a retried task (same holder) takes its claims back at once.
TTL_SECONDS = 900.0


def _q(name: str) -> str:
    return sqlfiles.load_queries("scale")[name]


def claim(conn: psycopg.Connection, holder: str, worker: str, candidates: Sequence[str],
          ttl: float = TTL_SECONDS) -> set[str]:
    """Claim `candidates` for `holder`; return the ones it now holds (the rest are held elsewhere)."""
    if not candidates:
        return set()
    with conn.transaction():
        rows = conn.execute(
            _q("claim_urls"), {"holder": holder, "worker": worker, "urls": list(candidates), "ttl": ttl}
        ).fetchall()
    return {r[0] for r in rows}


def release(conn: psycopg.Connection, holder: str) -> int:
    """Drop every claim of `holder` (the task ended); return how many."""
    with conn.transaction():
        return conn.execute(_q("release_claims"), {"holder": holder}).rowcount


class Claims:
    """The spider's hook (RunContext.claims): claims taken on the run's database thread."""

    def __init__(self, dbw: Any, holder: str, worker: str, ttl: float = TTL_SECONDS) -> None:
        self.dbw, self.holder, self.worker, self.ttl = dbw, holder, worker, ttl

    async def claim(self, candidates: Sequence[str]) -> set[str]:
        result: set[str] = await self.dbw._call(claim, self.holder, self.worker, list(candidates), self.ttl)
        return result
