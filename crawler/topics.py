"""Topic queries: parse, compile once per job, match every article (pure, picklable).

Query language (the ``query`` of a ``[[topics]]`` entry in a job file)::

    maduro                       a word; case-, accent- and punctuation-insensitive, whole words only
    "nicolás maduro"             a phrase: the words in this order, nothing in between
    venezol*                     prefix wildcard: venezolano, venezolanos, venezolana... (>= 3 characters before *)
    maduro AND oil               both (AND is also implied: ``maduro oil`` means the same)
    maduro OR "delcy rodríguez"  either
    NOT béisbol, -béisbol        must not contain (a query needs at least one term that is not negated)
    (oil OR petróleo) pdvsa      parentheses group; precedence NOT > AND > OR, so ``a b OR c`` = ``(a b) OR c``
    title:maduro                 only counts when it occurs in the title; ``title:"díaz canel"`` works too

Operators are upper case; lower-case ``and``/``or``/``not`` are ordinary words. Text and terms are
normalised the same way (casefold, NFKD without accents, every run of non-letters/digits -> one
space), so "Díaz-Canel", "Díaz Canel" and "diaz-canel" are the same two words and match each other.

A topic matches an article when any of its term lists that apply to the article's language
matches, or its query matches; any exclusion term anywhere in title or text vetoes it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, Union

from crawler import models
from crawler.errors import QueryError

FIELDS = frozenset({"title"})
OPERATORS = frozenset({"AND", "OR", "NOT"})
ANY_LANGUAGE = "any"
MIN_PREFIX = 3  # shorter wildcard prefixes ("a*") would match nearly every article

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

# Combining-mark blocks left by NFKD (Latin/Greek/Cyrillic diacritics); faster than a per-character
# unicodedata.combining() loop, which matters because this runs on every article.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_NON_WORD = re.compile(r"[\W_]+")
_FIELD_PREFIX = re.compile(r"([A-Za-z]+):")


def normalize(text: str) -> str:
    """Casefolded, accent-free text whose words are separated by single spaces."""
    text = text.casefold()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _NON_WORD.sub(" ", text)


# --------------------------------------------------------------------------- query syntax tree


@dataclass(frozen=True)
class Term:
    """A word or phrase leaf; ``words`` is its normalised form, ``prefix`` a trailing ``*``."""

    text: str
    words: str
    prefix: bool = False
    field: str | None = None
    position: int = 0


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Union[Term, Not, And, Or]


@dataclass(frozen=True)
class Query:
    """A parsed topic query."""

    text: str
    root: Node

    def positive_terms(self) -> tuple[Term, ...]:
        """Terms not under a NOT: the ones that count as matched terms and for the score."""
        return tuple(_positive(self.root, negated=False))


def _positive(node: Node, negated: bool) -> Iterable[Term]:
    if isinstance(node, Term):
        if not negated:
            yield node
    elif isinstance(node, Not):
        yield from _positive(node.child, not negated)
    else:
        for child in node.children:
            yield from _positive(child, negated)


def make_term(text: str, position: int = 0, field: str | None = None, query: str | None = None) -> Term:
    """One term or "phrase" (optionally ending in ``*``) as written in a query or a term list.

    ``position`` is where ``text`` starts in ``query`` (the whole query, for error columns).
    """
    query = text if query is None else query
    raw = text.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    prefix = raw.endswith("*")
    body = raw[:-1] if prefix else raw
    if "*" in body:
        raise QueryError("'*' is only allowed at the end of a term", query, position + text.index("*"))
    words = normalize(body).strip()
    if not words:
        raise QueryError(f"term {text!r} has no letters or digits", query, position)
    if prefix and len(words.rsplit(" ", 1)[-1]) < MIN_PREFIX:
        raise QueryError(f"wildcard needs at least {MIN_PREFIX} characters before '*'", query, position)
    return Term(text=raw, words=words, prefix=prefix, field=field, position=position)


# --------------------------------------------------------------------------- parser


@dataclass(frozen=True)
class _Token:
    kind: str  # "(" ")" "AND" "OR" "NOT" "FIELD" "WORD" "PHRASE" "END"
    value: str
    position: int


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token(ch, ch, i))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError("unterminated phrase: missing closing '\"'", query, i)
            tokens.append(_Token("PHRASE", query[i : end + 1], i))  # quotes kept: make_term strips them
            i = end + 1
        elif ch == "-" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] not in ")-":
            tokens.append(_Token("NOT", "-", i))  # "-word": NOT word
            i += 1
        else:
            field = _FIELD_PREFIX.match(query, i)
            if field:
                name = field.group(1).lower()
                if name not in FIELDS:
                    raise QueryError(f"unknown field {name!r} (known: {', '.join(sorted(FIELDS))})", query, i)
                tokens.append(_Token("FIELD", name, i))
                i = field.end()
                continue
            j = i
            while j < n and not query[j].isspace() and query[j] not in '()"':
                j += 1
            word = query[i:j]
            tokens.append(_Token(word if word in OPERATORS else "WORD", word, i))
            i = j
    tokens.append(_Token("END", "", n))
    return tokens


class _Parser:
    """Recursive descent: or_expr := and_expr (OR and_expr)*; and_expr := unary ([AND] unary)*."""

    _STARTS = frozenset({"(", "NOT", "FIELD", "WORD", "PHRASE"})

    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokenize(query)
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, message: str, token: _Token) -> QueryError:
        return QueryError(message, self.query, token.position)

    def parse(self) -> Node:
        if self.peek().kind == "END":
            raise self.error("empty query", self.peek())
        node = self.or_expr()
        token = self.peek()
        if token.kind == ")":
            raise self.error("unbalanced ')': no '(' before it", token)
        if token.kind != "END":  # pragma: no cover - every other token starts or joins an expression
            raise self.error(f"unexpected {token.value!r}", token)
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.peek().kind == "OR":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.unary()]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                self.take()
            elif kind not in self._STARTS:  # implicit AND only between adjacent terms/groups
                break
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        if self.peek().kind == "NOT":
            self.take()
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "(":
            node = self.or_expr()
            if self.peek().kind != ")":
                raise self.error("missing ')' for this '('", token)
            self.take()
            return node
        field = None
        if token.kind == "FIELD":
            field, token = token.value, self.take()
            if token.kind not in ("WORD", "PHRASE"):
                raise self.error(f"expected a word or phrase after '{field}:'", token)
        if token.kind in ("WORD", "PHRASE"):
            return make_term(token.value, token.position, field, self.query)
        if token.kind == "END":
            raise self.error("query ends where a term was expected", token)
        raise self.error(f"expected a term before {token.value!r}", token)


def parse_query(text: str) -> Query:
    """Parse a topic query; raises QueryError with the 0-based column of the problem."""
    root = _Parser(text).parse()
    query = Query(text=text, root=root)
    if not query.positive_terms():
        raise QueryError("query needs at least one term that is not negated", text, 0)
    return query


# --------------------------------------------------------------------------- compiled form


class TopicSpec(Protocol):
    """What compile_topics needs from a topic definition (crawler.jobs.Topic satisfies it)."""

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

    def leaf(self, term: Term) -> _Leaf:
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


def _compile_node(node: Node, patterns: _Patterns) -> _CNode:
    if isinstance(node, Term):
        return patterns.leaf(node)
    if isinstance(node, Not):
        return _CNot(_compile_node(node.child, patterns))
    children = tuple(_compile_node(child, patterns) for child in node.children)
    return _CAnd(children) if isinstance(node, And) else _COr(children)


def compile_topics(topics: Iterable[TopicSpec]) -> Matcher:
    """Compile topic definitions into a frozen, picklable Matcher (raises QueryError)."""
    patterns = _Patterns()
    compiled = []
    for topic in topics:
        query = parse_query(topic.query) if topic.query else None
        compiled.append(
            CompiledTopic(
                name=topic.name,
                query=_compile_node(query.root, patterns) if query else None,
                query_terms=tuple(patterns.leaf(t) for t in query.positive_terms()) if query else (),
                lists=tuple(
                    (language.lower(), tuple(patterns.leaf(make_term(t)) for t in terms))
                    for language, terms in topic.terms.items()
                ),
                exclude=tuple(patterns.leaf(make_term(t)) for t in topic.exclude),
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
