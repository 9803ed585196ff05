"""Story clusters and revisions in PostgreSQL, by named query (sql/queries/stories.sql).

Runs inside the caller's transaction. A new article's candidates come from the GIN index on
``article_signatures.lookup_keys``; each is confirmed with ``dedup.same_story``. The article joins
the matching story, starts a new one, or merges the stories it bridges.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from crawler import models
from crawler.errors import MediamonError
from crawler.store import dedup, sqlfiles

log = logging.getLogger(__name__)

CANDIDATE_LIMIT = 500  # rows read per lookup; hitting it means a key is far too common (logged)
MAX_STORY_SIZE = 1000  # a wire story runs on hundreds of sites, not thousands: warn beyond this
TITLE_WINDOW = timedelta(days=3)  # a title-only match (short texts) must be this close in time,
# so that a recurring headline ("Morning briefing: what you need to know") never grows one story
COMMON_KEY_STORIES = 5  # a key shared by articles of 5 different stories is boilerplate or a stock
# phrase, not story text (copies of one story share keys within that story); later lookups skip it
LOCK_ATTEMPTS = 3  # re-lookups when a concurrent writer merged away a story we matched
_NEVER = datetime.min.replace(tzinfo=UTC)  # sort key for a story without a first time


class StoryConflict(MediamonError):
    """Stories kept disappearing under concurrent merges while assigning one article."""


def _q(name: str) -> str:
    return sqlfiles.load_queries("stories")[name]


def _candidate_signature(row: tuple[Any, ...]) -> dedup.Signature:
    _, _, content_hash, shingles, n_tokens, short, title_key, _, _ = row
    return dedup.Signature(content_hash, b"", (), (), title_key, bytes(shingles), n_tokens, short)


def save_signature(conn: psycopg.Connection, article_id: int, sig: dedup.Signature) -> None:
    """Store (or replace) an article's lookup keys and shingles."""
    conn.execute(
        _q("upsert_signature"),
        {
            "article_id": article_id,
            "lookup_keys": sig.keys(),
            "shingles": sig.shingles,
            "n_tokens": sig.n_tokens,
            "short": sig.short,
            "title_key": sig.title_key,
        },
    )


def _lookup(conn: psycopg.Connection, article_id: int, keys: list[int]) -> list[tuple[Any, ...]]:
    """Candidate rows sharing a key; keys found in many different stories are learned as common."""
    common = {r[0] for r in conn.execute(_q("common_keys"), {"keys": keys})}
    keys = [k for k in keys if k not in common]
    if not keys:
        return []
    rows = conn.execute(
        _q("find_candidates"), {"keys": keys, "article_id": article_id, "limit": CANDIDATE_LIMIT}
    ).fetchall()
    if len(rows) >= CANDIDATE_LIMIT:
        log.warning("candidate limit reached", extra={"article_id": article_id, "limit": CANDIDATE_LIMIT})
    stories_by_key: dict[int, set[int]] = {}
    for row in rows:
        for key in row[8]:
            stories_by_key.setdefault(key, set()).add(row[1])
    learned = {k: len(v) for k, v in stories_by_key.items() if len(v) >= COMMON_KEY_STORIES}
    if not learned:
        return rows
    conn.execute(_q("add_common_keys"), {"keys": list(learned), "stories": list(learned.values())})
    log.info("common lookup keys learned", extra={"article_id": article_id, "keys": len(learned)})
    return [row for row in rows if set(row[8]) - learned.keys()]


def matching_stories(conn: psycopg.Connection, article_id: int, sig: dedup.Signature, when: datetime) -> set[int]:
    """Stories holding at least one confirmed near-duplicate of the article."""
    keys = sig.keys()
    if not keys:
        return set()
    found: set[int] = set()
    for row in _lookup(conn, article_id, keys):
        story_id, first_time = row[1], row[7]
        if story_id in found:
            continue
        decision = dedup.same_story(sig, _candidate_signature(row))
        if decision.reason == "title" and abs(first_time - when) > TITLE_WINDOW:
            continue
        if decision:
            found.add(story_id)
    return found


def assign_story(
    conn: psycopg.Connection,
    article_id: int,
    sig: dedup.Signature,
    *,
    published_at: datetime | None,
    host: str,
    title: str,
) -> int:
    """Put a stored article into its story (join, create or merge); return the story id."""
    save_signature(conn, article_id, sig)
    for _ in range(LOCK_ATTEMPTS):
        row = conn.execute(_q("article_time"), {"article_id": article_id}).fetchone()
        if row is None:
            raise LookupError(f"article {article_id} does not exist")
        when, current = row  # current: set when a revised article is re-assigned
        matched = matching_stories(conn, article_id, sig, when)
        if current is not None:
            matched.add(current)
        if not matched:
            story_id = conn.execute(
                _q("create_story"),
                {"title": title, "article_id": article_id, "first_time": when or published_at, "host": host},
            ).fetchone()[0]  # type: ignore[index]
            return _settle(conn, article_id, story_id)
        locked = conn.execute(_q("lock_stories"), {"ids": sorted(matched)}).fetchall()
        if len(locked) < len(matched):
            continue  # a concurrent writer merged one away: look again
        # the surviving story is the one with the earliest first publisher (then the oldest)
        keep = min(locked, key=lambda r: (r[1] is None, r[1] or _NEVER, r[0]))[0]
        others = [r[0] for r in locked if r[0] != keep]
        if others:
            conn.execute(_q("move_members"), {"keep": keep, "others": others})
            conn.execute(_q("delete_stories"), {"ids": others})
            log.info("stories merged", extra={"article_id": article_id, "story_id": keep, "merged": others})
        return _settle(conn, article_id, keep)
    raise StoryConflict(f"article {article_id}: stories kept changing under concurrent merges")


def refresh(conn: psycopg.Connection, story_id: int) -> int:
    """Recompute a story's member count and first publisher from its members; return its size."""
    return int(conn.execute(_q("refresh_story"), {"story_id": story_id}).fetchone()[0])  # type: ignore[index]


def _settle(conn: psycopg.Connection, article_id: int, story_id: int) -> int:
    conn.execute(_q("set_story"), {"story_id": story_id, "article_id": article_id})
    size = refresh(conn, story_id)
    if size > MAX_STORY_SIZE:
        log.warning("story unusually large", extra={"story_id": story_id, "members": size, "article_id": article_id})
    return story_id


def record_revision(conn: psycopg.Connection, article_id: int, page: models.Page) -> bool:
    """Keep the stored text as a revision and make the page's text current; False when nothing changed."""
    row = conn.execute(_q("article_for_revision"), {"article_id": article_id}).fetchone()
    if row is None:
        return False
    old_title, old_text, old_hash, fetched_at = row
    if old_hash == page.content_hash:
        return False  # unchanged re-fetch: write nothing
    by_hash = sqlfiles.load_queries("store")["article_by_content_hash"]
    owner = conn.execute(by_hash, {"content_hash": page.content_hash}).fetchone()
    if owner is not None:
        # the new text is already stored as another article: keep ours as it is
        log.info("revision text already stored elsewhere", extra={"article_id": article_id, "other": owner[0]})
        return False
    conn.execute(
        _q("insert_revision"),
        {
            "article_id": article_id,
            "title": old_title,
            "text": old_text,
            "content_hash": old_hash,
            "fetched_at": fetched_at,
            "diff_chars": dedup.diff_chars(old_text, page.article.text),
        },
    )
    conn.execute(
        _q("update_article_text"),
        {
            "article_id": article_id,
            "title": page.article.title,
            "text": page.article.text,
            "content_hash": page.content_hash,
            "modified_at": page.article.modified_at,
        },
    )
    if isinstance(page.signature, dedup.Signature):
        assign_story(
            conn, article_id, page.signature,
            published_at=page.article.published_at, host="", title=page.article.title,
        )
    return True
