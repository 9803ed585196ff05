"""Topic matching: compile a job's topics once, match every article (pure, picklable).

The query language is parsed by crawler.match.query (its docstring documents the syntax).
A topic matches an article when any of its term lists that apply to the article's language
matches, or its query matches; any exclusion term anywhere in title or text vetoes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from crawler import langtags, models
from crawler.match import query

ANY_LANGUAGE = "any"

# Score: each reported term adds weight x occurrences per zone; occurrences are capped per zone
# so one article repeating a name 40 times does not outrank one that has it in the title.
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
OCCURRENCE_CAP = 3
# The lead is the first paragraph of the text, but at least LEAD_MIN and at most LEAD_MAX
# characters (about one news lead: wire-service leads run 200-400 characters).
LEAD_MIN = 300
LEAD_MAX = 600

# Article text is normalised exactly as query terms are, so both sides compare word for word.
normalize = query.normalize


# --------------------------------------------------------------------------- compiled form


class TopicSpec(Protocol):
    """What compile_topics needs from a topic definition (crawler.jobs.jobs.Topic satisfies it)."""

    @property
    def name(self) -> str: ...
    @property
    def query(self) -> str | None: ...
    @property
    def terms(self) -> Mapping[str, Sequence[str]]: ...
    @property
    def exclude(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class CompiledTopic:
    """A topic as query.Term leaves and query syntax trees: the parser's own types, no second hierarchy."""

    name: str
    tree: query.Node | None  # the parsed `query`
    query_terms: tuple[query.Term, ...]  # positive terms of the query
    lists: tuple[tuple[str, tuple[query.Term, ...]], ...]  # (language or "any", terms)
    exclude: tuple[query.Term, ...]


def _key(term: query.Term) -> tuple[str, bool]:
    return (term.words, term.prefix)


@dataclass(frozen=True)
class Matcher:
    """All topics of a job, compiled: one regex per distinct term, shared between topics."""

    topics: tuple[CompiledTopic, ...]
    patterns: tuple[re.Pattern[str], ...]
    slots: Mapping[tuple[str, bool], int]  # _key(term) -> index into patterns


def term_pattern(words: str, prefix: bool) -> re.Pattern[str]:
    """The regex of one normalised term, searched in normalised text padded with spaces.

    A term must start and end on word boundaries, except at an end in a script without spaces
    (query.unspaced), where it may sit inside a longer run of letters. A leading literal space
    instead of a look-behind keeps re's fast literal search (about 30x faster here).
    """
    head = "" if query.unspaced(words[0]) else " "
    tail = "" if prefix or query.unspaced(words[-1]) else "(?= )"
    return re.compile(head + re.escape(words) + tail)


def compile_topics(topics: Iterable[TopicSpec]) -> Matcher:
    """Compile topic definitions into a frozen, picklable Matcher (raises QueryError)."""
    slots: dict[tuple[str, bool], int] = {}

    def intern(term: query.Term) -> query.Term:
        slots.setdefault(_key(term), len(slots))
        return term

    compiled = []
    for topic in topics:
        parsed = query.parse_query(topic.query) if topic.query else None
        compiled.append(
            CompiledTopic(
                name=topic.name,
                tree=parsed.root if parsed else None,
                query_terms=tuple(intern(t) for t in parsed.positive_terms()) if parsed else (),
                lists=tuple(
                    (language.lower(), tuple(intern(query.make_term(t)) for t in terms))
                    for language, terms in topic.terms.items()
                ),
                exclude=tuple(intern(query.make_term(t)) for t in topic.exclude),
            )
        )
    for done in compiled:  # negated terms are not among query_terms but are searched too
        for term in query.all_terms(done.tree) if done.tree is not None else ():
            intern(term)
    patterns = tuple(term_pattern(words, prefix) for words, prefix in slots)
    return Matcher(topics=tuple(compiled), patterns=patterns, slots=slots)


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Hits:
    title: int
    lead: int
    body: int

    @property
    def text(self) -> int:
        return self.lead + self.body


_NO_HITS = _Hits(0, 0, 0)


class _Document:
    """One article normalised once, with lazily computed per-pattern hit counts."""

    def __init__(self, matcher: Matcher, title: str, text: str) -> None:
        self.patterns = matcher.patterns
        self.slots = matcher.slots
        self.title = " " + normalize(title) + " "
        self.text = " " + normalize(text) + " "
        self.lead_end = len(normalize(text[: _lead_end(text)])) + 1
        self.cache: dict[int, _Hits] = {}

    def hits(self, index: int) -> _Hits:
        found = self.cache.get(index)
        if found is None:
            found = self.cache[index] = self._count(self.patterns[index])
        return found

    def _count(self, pattern: re.Pattern[str]) -> _Hits:
        title = len(pattern.findall(self.title))
        lead = body = 0
        for m in pattern.finditer(self.text):
            if m.start() < self.lead_end:
                lead += 1
            else:
                body += 1
                if body >= OCCURRENCE_CAP:
                    break
        return _Hits(title, lead, body) if title or lead or body else _NO_HITS

    def term_hits(self, term: query.Term) -> _Hits:
        hits = self.hits(self.slots[_key(term)])
        return _Hits(hits.title, 0, 0) if term.field == "title" else hits

    def found(self, term: query.Term) -> bool:
        hits = self.term_hits(term)
        return bool(hits.title or hits.text)


def _lead_end(text: str) -> int:
    """End of the lead: the first paragraph, stretched to LEAD_MIN and cut at LEAD_MAX characters."""
    paragraph = text.find("\n")
    if paragraph < 0:
        paragraph = len(text)
    return min(max(paragraph, LEAD_MIN), LEAD_MAX, len(text))


def _language(language: str | None) -> str | None:
    """Primary ISO 639-1 subtag ("es-VE" -> "es"); None for unknown."""
    return langtags.primary(language)


def _applies(list_language: str, language: str | None) -> bool:
    return language is None or list_language in (ANY_LANGUAGE, language)


def _score(hits: _Hits) -> float:
    cap = OCCURRENCE_CAP
    return (
        TITLE_WEIGHT * min(hits.title, cap) + LEAD_WEIGHT * min(hits.lead, cap) + BODY_WEIGHT * min(hits.body, cap)
    )


def _match_topic(doc: _Document, topic: CompiledTopic, language: str | None) -> models.TopicMatch | None:
    found = [
        term
        for list_language, terms in topic.lists
        if _applies(list_language, language)
        for term in terms
        if doc.found(term)
    ]
    if topic.tree is not None and query.evaluate(topic.tree, doc.found):
        found.extend(term for term in topic.query_terms if doc.found(term))
    if not found or any(doc.found(term) for term in topic.exclude):
        return None
    # One entry per distinct normalised term: "Díaz-Canel" in two lists is reported and scored once.
    distinct: dict[tuple[str, bool, str | None], query.Term] = {}
    for term in found:
        distinct.setdefault((*_key(term), term.field), term)
    hits = [doc.term_hits(term) for term in distinct.values()]
    where = tuple(zone for zone in ("title", "lead", "body") if any(getattr(h, zone) for h in hits))
    terms = tuple(dict.fromkeys(term.text for term in distinct.values()))
    return models.TopicMatch(topic=topic.name, terms=terms, score=sum(map(_score, hits)), where=where)


def match(matcher: Matcher, *, title: str, text: str, language: str | None) -> tuple[models.TopicMatch, ...]:
    """Topics that match an article, each with its matched terms, a score and where they matched.

    Score = sum over matched terms of 3 x title + 2 x lead + 1 x body occurrences (each capped at 3).
    """
    doc = _Document(matcher, title, text)
    code = _language(language)
    results = (_match_topic(doc, topic, code) for topic in matcher.topics)
    return tuple(r for r in results if r is not None)
