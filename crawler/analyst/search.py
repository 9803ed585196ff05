"""Full-text search over stored articles (tsvector + GIN from migration 0003), by named query.

Queries are written in mediamon's one query language (crawler.match.query: the parser that reads
topic queries in job files, with the same errors). The parsed tree goes to PostgreSQL as a postfix
program (`program`), which migration 0016's mm_query turns into a tsquery in each language's
text search configuration: words are stemmed there, so `elección` also finds `elecciones`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

import psycopg

from crawler import langtags
from crawler.analyst import scope
from crawler.errors import MediamonError, QueryError
from crawler.match import query as querylang
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
    outlets: tuple[str, ...] = ()  # hosts of every outlet that ran this text (article_appearances)


@dataclass(frozen=True)
class Program:
    """A query tree in postfix order, as mm_query (migration 0016) reads it: parallel arrays."""

    ops: tuple[str, ...]  # "term", "and", "or", "not"
    words: tuple[str, ...]  # per term: its normalised words
    prefixes: tuple[bool, ...]  # per term: a trailing *
    title_only: tuple[bool, ...]  # per term: title:

    def params(self, prefix: str = "") -> dict[str, list[str] | list[bool]]:
        return {
            f"{prefix}ops": list(self.ops),
            f"{prefix}words": list(self.words),
            f"{prefix}prefixes": list(self.prefixes),
            f"{prefix}title_only": list(self.title_only),
        }


def program(node: querylang.Node) -> Program:
    """The postfix program of a query tree: ``a (b OR -c)`` -> term a, term b, term c, not, or, and."""
    ops: list[str] = []
    terms: list[querylang.Term] = []

    def emit(n: querylang.Node) -> None:
        if isinstance(n, querylang.Term):
            ops.append("term")
            terms.append(n)
        elif isinstance(n, querylang.Not):
            emit(n.child)
            ops.append("not")
        else:
            emit(n.children[0])
            for child in n.children[1:]:
                emit(child)
                ops.append("and" if isinstance(n, querylang.And) else "or")

    emit(node)
    return Program(
        ops=tuple(ops),
        words=tuple(t.words for t in terms),
        prefixes=tuple(t.prefix for t in terms),
        title_only=tuple(t.field == "title" for t in terms),
    )


def parse(text: str) -> querylang.Query:
    """Parse a search query; a mistake is a SearchError naming the column, as in job files."""
    if not text.strip():
        raise SearchError("empty search query")
    try:
        return querylang.parse_query(text)
    except QueryError as exc:
        raise SearchError(f"search query {text!r}: {exc}") from None


def language_code(value: str) -> str:
    """ "es-VE" / "pt_BR" / "ES" -> the primary code; raises SearchError when it is not one."""
    code = langtags.primary(value)
    if code is None:
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
    """Ranked articles matching a query in mediamon's query language, best first."""
    parsed = parse(request.query)
    if not 1 <= request.limit <= MAX_LIMIT:
        raise SearchError(f"--limit {request.limit}: use 1 to {MAX_LIMIT}")
    language = language_code(request.language) if request.language is not None else None
    if language is not None and text_config(conn, language) == "mm_simple":
        log.warning(
            "no text search configuration for this language: searching without stemming (simple)",
            extra={"language": language},
        )
    scope.check(conn, request.topic, request.job)
    params = {
        **program(parsed.root).params(),
        **program(parsed.positive()).params("rank_"),
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
            # in the publisher's own offset when the page stated one: its day is the publisher's day
            published=r[2].astimezone(timezone(r[9])) if r[9] is not None else r[2],
            language=r[3],
            host=r[4],
            title=r[5],
            url=r[6],
            snippet=" ".join(r[7].split()),  # one line: ts_headline keeps the text's newlines
            outlets=tuple(r[8] or ()),
        )
        for r in rows
    ]


def plain_snippet(snippet: str, start: str = "**", end: str = "**") -> str:
    """The snippet with the highlight markers replaced by printable ones."""
    return snippet.replace(MARK_START, start).replace(MARK_END, end)
