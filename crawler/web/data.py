"""What each page shows, read with the named queries of sql/queries/web.sql (as mediamon_reader).

Every function returns plain data (dicts, lists, dates): the page renders it and /api returns it as JSON.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row

from crawler.analyst import search as search_mod
from crawler.store import sqlfiles
from crawler.web import chart, textdiff

CHART_DAYS = 30
TOPIC_STORIES = 25
FEED_ENTRIES = 50
STORY_MEMBERS = 500  # a story over 1,000 members is already logged as suspicious by crawler.stories
DIFF_VARIANTS = 10  # variants of a story compared with the first publisher's text
RUNS_PER_JOB = 10
ERRORS_PER_RUN = 20


class NotFound(LookupError):
    """The topic, story or article does not exist (a 404)."""


def _q(name: str) -> str:
    return sqlfiles.load_queries("web")[name]


def _rows(conn: psycopg.Connection, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(_q(name), params or {}).fetchall()


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def overview(conn: psycopg.Connection, now: datetime) -> dict[str, Any]:
    """The home page: every topic with its totals over all time and the last 30 days."""
    since = _day_start(now.date() - timedelta(days=CHART_DAYS - 1))
    topics = _rows(conn, "topics", {"since": since})
    return {"topics": topics, "since": since, "last_modified": max((t["last_tagged"] for t in topics), default=None)}


def topic(conn: psycopg.Connection, name: str, now: datetime) -> dict[str, Any]:
    """A topic: 30-day chart of articles and stories, top outlets and languages, newest stories."""
    jobs_row = conn.execute(_q("topic_jobs"), {"topic": name}).fetchone()
    if jobs_row is None or not jobs_row[0]:
        raise NotFound(f"no topic {name!r}")
    jobs, total, last_tagged = jobs_row
    today = now.date()
    since, until = _day_start(today - timedelta(days=CHART_DAYS - 1)), _day_start(today + timedelta(days=1))
    per_day: dict[date, tuple[int, int]] = {}
    outlets, languages = [], []
    for row in _rows(conn, "topic_window", {"topic": name, "since": since, "until": until}):
        # grouping(day, host, language): 3 = only day grouped, 5 = only host, 6 = only language
        if row["set_id"] == 3:
            per_day[row["day"]] = (row["articles"], row["stories"])
        elif row["set_id"] == 5:
            outlets.append({"host": row["host"], "articles": row["articles"], "stories": row["stories"]})
        elif row["set_id"] == 6:
            languages.append({"language": row["language"], "articles": row["articles"]})
    outlets.sort(key=lambda o: (-o["articles"], o["host"]))
    languages.sort(key=lambda lang: (-lang["articles"], lang["language"]))
    stories = _rows(conn, "topic_stories", {"topic": name, "limit": TOPIC_STORIES})
    last_modified = max([last_tagged, *(s["updated_at"] for s in stories)])
    return {
        "topic": name,
        "jobs": jobs,
        "articles": total,
        "days": [{"day": d, "articles": a, "stories": s} for d, (a, s) in sorted(per_day.items())],
        "chart": chart.daily(per_day, today, CHART_DAYS),
        "outlets": outlets[:15],
        "languages": languages,
        "stories": stories,
        "last_modified": last_modified,
    }


def feed(conn: psycopg.Connection, name: str) -> dict[str, Any]:
    """The Atom feed of a topic: one entry per story, newest first."""
    jobs_row = conn.execute(_q("topic_jobs"), {"topic": name}).fetchone()
    if jobs_row is None or not jobs_row[0]:
        raise NotFound(f"no topic {name!r}")
    stories = _rows(conn, "topic_stories", {"topic": name, "limit": FEED_ENTRIES})
    updated = max([jobs_row[2], *(s["updated_at"] for s in stories)])
    return {"topic": name, "stories": stories, "updated": updated, "last_modified": updated}


def story(conn: psycopg.Connection, story_id: int) -> dict[str, Any]:
    """A story: every copy (stored articles and exact-copy aliases), the first publisher, a timeline, variants."""
    head = _rows(conn, "story", {"story_id": story_id})
    if not head:
        raise NotFound(f"no story {story_id}")
    members = _rows(conn, "story_members", {"story_id": story_id, "limit": STORY_MEMBERS})
    ids = [m["id"] for m in members]
    aliases = _rows(conn, "aliases", {"ids": ids})
    first_id = head[0]["first_article_id"]
    by_article: dict[int, list[dict[str, Any]]] = {}
    for alias in aliases:
        by_article.setdefault(alias["article_id"], []).append(alias)
    copies = []
    for m in members:
        copies.append({**m, "kind": "article", "is_first": m["id"] == first_id, "url": m["canonical_url"]})
        for alias in by_article.get(m["id"], []):
            copies.append({
                "kind": "exact copy", "id": m["id"], "host": alias["host"], "url": alias["url"], "title": m["title"],
                "published_at": None, "date_source": None, "first_seen_at": alias["first_seen_at"],
                "first_time": alias["first_seen_at"], "language": m["language"], "text_chars": m["text_chars"],
                "is_first": False, "revisions": 0,
            })
    start = min((c["first_time"] for c in copies), default=None)
    timeline = sorted(copies, key=lambda c: (c["first_time"], c["url"]))
    for event in timeline:
        event["after"] = event["first_time"] - start if start else None
    return {
        "story": head[0],
        "copies": copies,
        "outlets": sorted({c["host"] for c in copies}),
        "timeline": [{"at": c["first_time"], "after": c["after"], "host": c["host"], "kind": c["kind"],
                      "url": c["url"], "article_id": c["id"], "is_first": c["is_first"]} for c in timeline],
        "variants": _variants(conn, members, first_id),
        "last_modified": head[0]["updated_at"],
    }


def _variants(conn: psycopg.Connection, members: list[dict[str, Any]], first_id: int | None) -> list[dict[str, Any]]:
    """How each copy differs from the first publisher's: title, length and a word diff of the text."""
    others = [m for m in members if m["id"] != first_id][:DIFF_VARIANTS]
    if first_id is None or not others:
        return []
    texts = {r["id"]: r for r in _rows(conn, "texts", {"ids": [first_id, *(m["id"] for m in others)]})}
    base = texts.get(first_id)
    if base is None:
        return []
    out = []
    for m in others:
        row = texts.get(m["id"])
        if row is None:
            continue
        out.append({
            "article_id": m["id"], "host": m["host"],
            "title": row["title"], "title_differs": row["title"] != base["title"],
            "chars": len(row["text"]), "chars_delta": len(row["text"]) - len(base["text"]),
            "diff": textdiff.diff(base["text"], row["text"]),
        })
    return out


def article(conn: psycopg.Connection, article_id: int) -> dict[str, Any]:
    """An article: text, metadata with date sources, topics with matched terms, URLs, revisions with diffs."""
    rows = _rows(conn, "article", {"article_id": article_id})
    if not rows:
        raise NotFound(f"no article {article_id}")
    head = rows[0]
    revisions = _rows(conn, "article_revisions", {"article_id": article_id})
    # each revision's text was replaced by the next revision's, the last one by the current text
    for rev, newer in zip(revisions, [*revisions[1:], head], strict=False):  # one newer text per revision
        rev["diff"] = textdiff.diff(rev["text"], newer["text"])
        rev["title_changed_to"] = newer["title"] if newer["title"] != rev["title"] else None
    appearances: list[dict[str, Any]] | None = None
    if conn.execute(_q("relation_exists"), {"name": "article_appearances"}).fetchone() == (True,):
        appearances = _rows(conn, "appearances", {"article_id": article_id})
    return {
        "article": head,
        "topics": _rows(conn, "article_topics", {"article_id": article_id}),
        "urls": _rows(conn, "article_urls", {"article_id": article_id}),
        "revisions": revisions,
        "appearances": appearances,
        "last_modified": max(head["last_seen_at"], head["fetched_at"]),
    }


def search(conn: psycopg.Connection, request: search_mod.SearchRequest) -> list[search_mod.Hit]:
    """Ranked hits: the same query language and SQL as `mediamon search`."""
    return search_mod.search(conn, request)


def filter_choices(conn: psycopg.Connection) -> dict[str, list[Any]]:
    """Values offered by the search filters: topics, outlets, languages."""
    return {
        "topics": [r[0] for r in conn.execute(_q("topic_names"))],
        "outlets": [r[0] for r in conn.execute(_q("outlets"))],
        "languages": [r[0] for r in conn.execute(_q("languages"))],
    }


def runs(conn: psycopg.Connection) -> dict[str, Any]:
    """Last runs per job with counters, and the newest errors of each job's last run."""
    rows = _rows(conn, "runs", {"per_job": RUNS_PER_JOB})
    jobs: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        jobs.setdefault(r["job"], []).append(r)
    last_ids = [job_runs[0]["id"] for job_runs in jobs.values()]
    errors: dict[int, list[dict[str, Any]]] = {}
    for e in _rows(conn, "run_errors", {"ids": last_ids, "per_run": ERRORS_PER_RUN}):
        errors.setdefault(e["run_id"], []).append(e)
    changed = [t for r in rows for t in (r["started_at"], r["finished_at"]) if t is not None]
    return {
        "jobs": [{"job": job, "runs": job_runs, "last_errors": errors.get(job_runs[0]["id"], [])}
                 for job, job_runs in jobs.items()],
        "last_modified": max(changed, default=None),
    }


# Columns that later migrations may add to `sources` (the monitor's adaptive polling); shown when present.
NEXT_POLL_KEYS = ("next_poll_at", "next_poll", "next_fetch_at", "due_at")


def _ts(value: Any) -> Any:
    """A timestamp from to_jsonb (ISO text) as a datetime; other values unchanged."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def sources(conn: psycopg.Connection) -> dict[str, Any]:
    """Every declared source with its last fetch status, articles and (when the schema has it) next poll."""
    out = []
    for r in _rows(conn, "sources"):
        src = r["source"]
        next_poll = _ts(next((src[k] for k in NEXT_POLL_KEYS if src.get(k)), None))
        out.append({
            "id": src["id"], "job": src["job"], "name": src["name"], "kind": src["kind"], "url": src["url"],
            "host": src["host"], "last_fetched_at": _ts(src.get("last_fetched_at")),
            "last_status": src.get("last_status"),
            "last_error": src.get("last_error"), "next_poll": next_poll,
            "articles": r["articles"], "articles_7d": r["articles_7d"], "last_article_at": r["last_article_at"],
        })
    has_next_poll = any(s["next_poll"] is not None for s in out)
    fetched = [s["last_fetched_at"] for s in out if s["last_fetched_at"]]
    return {"sources": out, "has_next_poll": has_next_poll, "last_modified": max(fetched, default=None)}
