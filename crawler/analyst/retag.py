"""Re-apply a job's current topic definitions to its already-stored articles (no network)."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import psycopg

from crawler import models
from crawler.jobs import jobs
from crawler.match import topics
from crawler.store import sqlfiles

log = logging.getLogger(__name__)

BATCH_ARTICLES = 500  # articles per transaction: ~2.5 MB of text at 5 KB each, one commit per batch


@dataclass(frozen=True)
class TagDiff:
    """What changes for one article: topics to add, topics whose terms/score/zones changed, topics to drop."""

    added: tuple[models.TopicMatch, ...] = ()
    updated: tuple[models.TopicMatch, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass
class TopicCounts:
    added: int = 0
    removed: int = 0
    updated: int = 0
    kept: int = 0


@dataclass(frozen=True)
class RetagReport:
    """Per-topic counts over every article of the job that was looked at."""

    job: str
    articles: int
    topics: Mapping[str, TopicCounts] = field(default_factory=dict)

    @property
    def added(self) -> int:
        return sum(c.added for c in self.topics.values())

    @property
    def removed(self) -> int:
        return sum(c.removed for c in self.topics.values())


def _same(a: models.TopicMatch, b: models.TopicMatch) -> bool:
    # score is stored as real (float4): compare with a tolerance, not ==
    return (
        tuple(a.terms) == tuple(b.terms)
        and tuple(a.where) == tuple(b.where)
        and math.isclose(a.score, b.score, rel_tol=1e-5, abs_tol=1e-6)
    )


def diff_tags(current: Mapping[str, models.TopicMatch], new: Iterable[models.TopicMatch]) -> TagDiff:
    """Compare the stored tags of an article (by topic) with a fresh match result (pure)."""
    fresh = {m.topic: m for m in new}
    added = tuple(m for t, m in fresh.items() if t not in current)
    updated = tuple(m for t, m in fresh.items() if t in current and not _same(current[t], m))
    removed = tuple(t for t in current if t not in fresh)
    return TagDiff(added=added, updated=updated, removed=removed)


def _q(name: str) -> str:
    return sqlfiles.load_queries("analyst")[name]


def _tag_params(article_id: int, job: str, m: models.TopicMatch) -> dict[str, object]:
    return {
        "article_id": article_id,
        "job": job,
        "topic": m.topic,
        "terms": list(m.terms),
        "score": m.score,
        "matched_in": list(m.where),
    }


def retag_job(conn: psycopg.Connection, job: jobs.Job, *, batch_size: int = BATCH_ARTICLES) -> RetagReport:
    """Match every stored article of `job` against its topics now; add, update and remove its tags."""
    matcher = topics.compile_topics(job.topics)
    counts: dict[str, TopicCounts] = {t.name: TopicCounts() for t in job.topics}
    after_id, seen = 0, 0
    while True:
        with conn.transaction():  # one batch = one transaction: an interruption keeps finished batches
            articles = conn.execute(
                _q("job_articles"), {"job": job.name, "after_id": after_id, "limit": batch_size}
            ).fetchall()
            if not articles:
                break
            current = _current_tags(conn, job.name, [a[0] for a in articles])
            upserts: list[dict[str, object]] = []
            deletes: list[dict[str, object]] = []
            for article_id, title, text, language in articles:
                matches = topics.match(matcher, title=title, text=text, language=language)
                diff = diff_tags(current.get(article_id, {}), matches)
                _count(counts, current.get(article_id, {}), matches, diff)
                upserts.extend(_tag_params(article_id, job.name, m) for m in diff.added + diff.updated)
                deletes.extend({"article_id": article_id, "job": job.name, "topic": t} for t in diff.removed)
            if upserts:
                conn.cursor().executemany(sqlfiles.load_queries("store")["upsert_topic"], upserts)
            if deletes:
                conn.cursor().executemany(_q("tag_delete"), deletes)
        seen += len(articles)
        after_id = articles[-1][0]
        log.info("retag batch done", extra={"job": job.name, "articles": seen})
    return RetagReport(job=job.name, articles=seen, topics=counts)


def _current_tags(conn: psycopg.Connection, job: str, ids: list[int]) -> dict[int, dict[str, models.TopicMatch]]:
    out: dict[int, dict[str, models.TopicMatch]] = {}
    for article_id, topic, terms, score, matched_in in conn.execute(_q("job_tags"), {"job": job, "ids": ids}):
        out.setdefault(article_id, {})[topic] = models.TopicMatch(
            topic=topic, terms=tuple(terms), score=float(score), where=tuple(matched_in)
        )
    return out


def _count(
    counts: dict[str, TopicCounts],
    current: Mapping[str, models.TopicMatch],
    matches: Iterable[models.TopicMatch],
    diff: TagDiff,
) -> None:
    for m in diff.added:
        counts.setdefault(m.topic, TopicCounts()).added += 1
    for m in diff.updated:
        counts.setdefault(m.topic, TopicCounts()).updated += 1
    for t in diff.removed:
        counts.setdefault(t, TopicCounts()).removed += 1
    changed = {m.topic for m in diff.added + diff.updated}
    for m in matches:
        if m.topic in current and m.topic not in changed:
            counts.setdefault(m.topic, TopicCounts()).kept += 1
