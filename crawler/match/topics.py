"""Topic matching: compile a job's topics once, match every article (pure, picklable).

The query language is parsed by crawler.match.query (its docstring documents the syntax).
A topic matches an article when any of its term lists that apply to the article's language
matches, or its query matches; any exclusion term anywhere in title or text vetoes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, Union

from crawler import models
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
class _Leaf:
    """A compiled term: index into Matcher.patterns, plus how to report it."""

    index: int
    label: str
    field: str | None = None


@dataclass(frozen=True)
class _CNot:
    child: _CNode


@dataclass(frozen=True)
class _CAnd:
    children: tuple[_CNode, ...]


@dataclass(frozen=True)
class _COr:
    children: tuple[_CNode, ...]


_CNode = Union[_Leaf, _CNot, _CAnd, _COr]


@dataclass(frozen=True)
class CompiledTopic:
    name: str
    query: _CNode | None
    query_terms: tuple[_Leaf, ...]  # positive leaves of the query
    lists: tuple[tuple[str, tuple[_Leaf, ...]], ...]  # (language or "any", terms)
    exclude: tuple[_Leaf, ...]


@dataclass(frozen=True)
class Matcher:
    """All topics of a job, compiled: one regex per distinct term, shared between topics."""

    topics: tuple[CompiledTopic, ...]
    patterns: tuple[re.Pattern[str], ...]


class _Patterns:
    """Interns normalised terms so each distinct one is searched once per article."""

    def __init__(self) -> None:
        self.index: dict[tuple[str, bool], int] = {}

    def leaf(self, term: query.Term) -> _Leaf:
        key = (term.words, term.prefix)
        if key not in self.index:
            self.index[key] = len(self.index)
        return _Leaf(self.index[key], term.text, term.field)

    def compile(self) -> tuple[re.Pattern[str], ...]:
        # A leading literal space instead of a look-behind keeps re's fast literal search
        # (about 30x faster here); the document is padded so its first word has a space too.
        return tuple(
            re.compile(" " + re.escape(words) + (r"\w*" if prefix else r"(?!\w)"))
            for words, prefix in self.index
        )


def _compile_node(node: query.Node, patterns: _Patterns) -> _CNode:
    if isinstance(node, query.Term):
        return patterns.leaf(node)
    if isinstance(node, query.Not):
        return _CNot(_compile_node(node.child, patterns))
    children = tuple(_compile_node(child, patterns) for child in node.children)
    return _CAnd(children) if isinstance(node, query.And) else _COr(children)


def compile_topics(topics: Iterable[TopicSpec]) -> Matcher:
    """Compile topic definitions into a frozen, picklable Matcher (raises QueryError)."""
    patterns = _Patterns()
    compiled = []
    for topic in topics:
        parsed = query.parse_query(topic.query) if topic.query else None
        compiled.append(
            CompiledTopic(
                name=topic.name,
                query=_compile_node(parsed.root, patterns) if parsed else None,
                query_terms=tuple(patterns.leaf(t) for t in parsed.positive_terms()) if parsed else (),
                lists=tuple(
                    (language.lower(), tuple(patterns.leaf(query.make_term(t)) for t in terms))
                    for language, terms in topic.terms.items()
                ),
                exclude=tuple(patterns.leaf(query.make_term(t)) for t in topic.exclude),
            )
        )
    return Matcher(topics=tuple(compiled), patterns=patterns.compile())


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

    def leaf_hits(self, leaf: _Leaf) -> _Hits:
        hits = self.hits(leaf.index)
        return _Hits(hits.title, 0, 0) if leaf.field == "title" else hits

    def found(self, leaf: _Leaf) -> bool:
        hits = self.leaf_hits(leaf)
        return bool(hits.title or hits.text)

    def evaluate(self, node: _CNode) -> bool:
        if isinstance(node, _Leaf):
            return self.found(node)
        if isinstance(node, _CNot):
            return not self.evaluate(node.child)
        if isinstance(node, _CAnd):
            return all(self.evaluate(child) for child in node.children)
        return any(self.evaluate(child) for child in node.children)


def _lead_end(text: str) -> int:
    """End of the lead: the first paragraph, stretched to LEAD_MIN and cut at LEAD_MAX characters."""
    paragraph = text.find("\n")
    if paragraph < 0:
        paragraph = len(text)
    return min(max(paragraph, LEAD_MIN), LEAD_MAX, len(text))


def _language(language: str | None) -> str | None:
    """Primary ISO 639-1 subtag ("es-VE" -> "es"); None for unknown."""
    if not language:
        return None
    code = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    return None if code in ("", "und", "unknown") else code


def _applies(list_language: str, language: str | None) -> bool:
    return language is None or list_language in (ANY_LANGUAGE, language)


def _score(hits: _Hits) -> float:
    cap = OCCURRENCE_CAP
    return (
        TITLE_WEIGHT * min(hits.title, cap) + LEAD_WEIGHT * min(hits.lead, cap) + BODY_WEIGHT * min(hits.body, cap)
    )


def _match_topic(doc: _Document, topic: CompiledTopic, language: str | None) -> models.TopicMatch | None:
    found = [
        leaf
        for list_language, leaves in topic.lists
        if _applies(list_language, language)
        for leaf in leaves
        if doc.found(leaf)
    ]
    if topic.query is not None and doc.evaluate(topic.query):
        found.extend(leaf for leaf in topic.query_terms if doc.found(leaf))
    if not found or any(doc.found(leaf) for leaf in topic.exclude):
        return None
    # One entry per distinct normalised term: "Díaz-Canel" in two lists is reported and scored once.
    distinct: dict[tuple[int, str | None], _Leaf] = {}
    for leaf in found:
        distinct.setdefault((leaf.index, leaf.field), leaf)
    hits = [doc.leaf_hits(leaf) for leaf in distinct.values()]
    where = tuple(zone for zone in ("title", "lead", "body") if any(getattr(h, zone) for h in hits))
    terms = tuple(dict.fromkeys(leaf.label for leaf in distinct.values()))
    return models.TopicMatch(topic=topic.name, terms=terms, score=sum(map(_score, hits)), where=where)


def match(matcher: Matcher, *, title: str, text: str, language: str | None) -> tuple[models.TopicMatch, ...]:
    """Topics that match an article, each with its matched terms, a score and where they matched.

    Score = sum over matched terms of 3 x title + 2 x lead + 1 x body occurrences (each capped at 3).
    """
    doc = _Document(matcher, title, text)
    code = _language(language)
    results = (_match_topic(doc, topic, code) for topic in matcher.topics)
    return tuple(r for r in results if r is not None)
