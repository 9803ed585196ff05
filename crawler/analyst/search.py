"""Full-text search over stored articles (tsvector + GIN from migration 0003), by named query."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

import psycopg

from crawler.errors import MediamonError
from crawler.store import sqlfiles

log = logging.getLogger(__name__)

# Highlight markers ts_headline puts around matched words: control characters that never occur in
# extracted text (French and Spanish text uses « », so those cannot serve).
MARK_START, MARK_END = "\x02", "\x03"
# A snippet of up to two fragments of 12-30 words: about two lines of a terminal.
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
MAX_LIMIT = 1000  # a search prints results; bulk reads are what `mediamon export` is for
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


class SearchError(MediamonError):
    """A search that cannot run as asked (empty query, bad option)."""


@dataclass(frozen=True)
class SearchRequest:
    """What to search for; None means "no filter"."""

    query: str
    topic: str | None = None
    job: str | None = None
    since: datetime | None = None
    language: str | None = None  # ISO 639 primary code, e.g. "es"
    one_per_story: bool = False
    limit: int = 20


@dataclass(frozen=True)
class Hit:
    """One ranked article; `snippet` marks matched words with MARK_START / MARK_END."""

    article_id: int
    rank: float
    published: datetime
    language: str | None
    host: str
    title: str
    url: str
    snippet: str


def language_code(value: str) -> str:
    """ "es-VE" / "pt_BR" / "ES" -> the primary code; raises SearchError when it is not one."""
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    if not _LANGUAGE.match(code):
        raise SearchError(f"--lang {value!r}: not a language code (use ISO 639-1 such as en, es, pt, fr)")
    return code


def _q(name: str) -> str:
    return sqlfiles.load_queries("analyst")[name]


def stories_exist(conn: psycopg.Connection) -> bool:
    """Whether the stories schema (migration 0002) is present."""
    row = conn.execute(_q("stories_exist")).fetchone()
    return bool(row and row[0])


def text_config(conn: psycopg.Connection, language: str) -> str:
    """The text search configuration used for `language` (mm_simple when there is no better one)."""
    row = conn.execute(_q("language_config"), {"language": language}).fetchone()
    assert row is not None
    return str(row[0])


def search(conn: psycopg.Connection, request: SearchRequest) -> list[Hit]:
    """Ranked articles matching a websearch-style query ("phrases", or, -word), best first."""
    if not request.query.strip():
        raise SearchError("empty search query")
    if not 1 <= request.limit <= MAX_LIMIT:
        raise SearchError(f"--limit {request.limit}: use 1 to {MAX_LIMIT}")
    language = language_code(request.language) if request.language is not None else None
    if language is not None and text_config(conn, language) == "mm_simple":
        log.warning(
            "no text search configuration for this language: searching without stemming (simple)",
            extra={"language": language},
        )
    params = {
        "query": request.query,
        "language": language,
        "since": request.since,
        "topic": request.topic,
        "job": request.job,
        "limit": request.limit,
        "headline": HEADLINE_OPTIONS,
        "one_per_story": request.one_per_story,
    }
    row = conn.execute(_q("query_lexemes"), params).fetchone()
    if row is None or not row[0]:
        raise SearchError(f"search query {request.query!r} has no searchable words (only stop words or punctuation)")
    if request.one_per_story and not stories_exist(conn):
        raise SearchError("--one-per-story needs the stories tables (migration 0002_stories); run `mediamon migrate`")
    rows = conn.execute(_q("search"), params).fetchall()
    conn.commit()
    return [
        Hit(
            article_id=r[0],
            rank=float(r[1]),
            published=r[2],
            language=r[3],
            host=r[4],
            title=r[5],
            url=r[6],
            snippet=" ".join(r[7].split()),  # one line: ts_headline keeps the text's newlines
        )
        for r in rows
    ]


def plain_snippet(snippet: str, start: str = "**", end: str = "**") -> str:
    """The snippet with the highlight markers replaced by printable ones."""
    return snippet.replace(MARK_START, start).replace(MARK_END, end)
