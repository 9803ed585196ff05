"""mediamon's one query language: tokenize and parse a query into a frozen syntax tree (pure).

The ``query`` of a ``[[topics]]`` entry in a job file and the QUERY of ``mediamon search`` are both
parsed here, into the one Term/Not/And/Or tree that topics evaluates and search compiles to SQL::

    maduro                       a word; case-, accent- and punctuation-insensitive, whole words only
    "nicolás maduro"             a phrase: the words in this order, nothing in between
    venezol*                     prefix wildcard: venezolano, venezolanos, venezolana... (>= 3 characters before *)
    maduro AND oil               both (AND is also implied: ``maduro oil`` means the same)
    maduro OR "delcy rodríguez"  either
    NOT béisbol, -béisbol        must not contain (a query needs at least one term that is not negated)
    (oil OR petróleo) pdvsa      parentheses group; precedence NOT > AND > OR, so ``a b OR c`` = ``(a b) OR c``
    title:maduro                 only counts when it occurs in the title; ``title:"díaz canel"`` works too

Operators are upper case; lower-case ``and``/``or``/``not`` are ordinary words. Text and terms are
normalised the same way (casefold, NFKD without Latin/Greek/Cyrillic accents, NFC, every run of
characters other than letters, digits and combining marks -> one space), so "Díaz-Canel", "Díaz Canel"
and "diaz-canel" are the same two words and match each other. Runs of scripts written without spaces
(CJK, kana, Hangul, Thai, Lao, Khmer, Myanmar) are set apart by spaces; see ``unspaced``.

Terms are checked here too (``make_term``), so a job file's term lists fail with the same messages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from crawler.errors import QueryError
from crawler.match import _marks

FIELDS = frozenset({"title"})
OPERATORS = frozenset({"AND", "OR", "NOT"})
MIN_PREFIX = 3  # shorter wildcard prefixes ("a*") would match nearly every article

# Combining-mark blocks left by NFKD (Latin/Greek/Cyrillic diacritics); faster than a per-character
# unicodedata.combining() loop, which matters because this runs on every article. Other scripts'
# marks (kana voicing marks, Thai and Devanagari vowel signs) belong to their letters: they stay,
# and NFC joins them to their base again, so "ガ" stays one letter instead of becoming "カ ".
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


_MARKS = _marks.char_class()
# A word character is a letter, a digit or a combining mark: re's \w alone would cut a Thai or
# Hindi word at each vowel sign. Everything else (punctuation, spaces, "_") separates words.
_NON_WORD = re.compile(f"[^\\w{_MARKS}]+")  # "_" is replaced by a space before it runs
_FIELD_PREFIX = re.compile(r"([A-Za-z]+):")

# Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar), and
# Hangul, whose words carry attached particles (트럼프는 = 트럼프 + 는): a term in these scripts matches
# inside a longer run of letters. topics decides each end of a term by the script of the character
# there, so "G7 峰会" still needs a word boundary before "g7".
_UNSPACED = re.compile(
    "[\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff"  # Hangul jamo and syllables
    "\u1780-\u17ff\u19e0-\u19ff"  # Khmer
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303c"  # CJK radicals, 々〆〇, numerals
    "\u3040-\u30ff\u31f0-\u31ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f]"  # CJK extensions B-G
)


_UNSPACED_RUN = re.compile(_UNSPACED.pattern + "+")


def normalize(text: str) -> str:
    """Casefolded, accent-free text whose words are separated by single spaces.

    A run of an unspaced script is set apart by spaces ("在G7峰会上" -> "在 g7 峰会上"), so the
    Latin word next to it is a whole word, and terms in that script can match inside the run.
    """
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFKD", text)))
        text = _UNSPACED_RUN.sub(r" \g<0> ", text)
    return _NON_WORD.sub(" ", text.replace("_", " "))


def unspaced(char: str) -> bool:
    """Whether `char` is in a script that does not separate words by spaces (or is Hangul)."""
    return _UNSPACED.match(char) is not None


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


Node = Term | Not | And | Or


@dataclass(frozen=True)
class Query:
    """A parsed query (a topic's ``query`` or a ``mediamon search`` query)."""

    text: str
    root: Node

    def positive_terms(self) -> tuple[Term, ...]:
        """Terms not under a NOT: the ones that count as matched terms and for the score."""
        return tuple(_positive_terms(self.root, negated=False))

    def positive(self) -> Node:
        """The query without its negated parts (`a -b` -> `a`): what a result is ranked by."""
        node = without_negation(self.root)
        assert node is not None  # parse_query refuses a query without a positive term
        return node


def _positive_terms(node: Node, negated: bool) -> Iterable[Term]:
    if isinstance(node, Term):
        if not negated:
            yield node
    elif isinstance(node, Not):
        yield from _positive_terms(node.child, not negated)
    else:
        for child in node.children:
            yield from _positive_terms(child, negated)


def all_terms(node: Node) -> Iterable[Term]:
    """Every term of the tree, negated or not, left to right."""
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from all_terms(node.child)
    else:
        for child in node.children:
            yield from all_terms(child)


def without_negation(node: Node) -> Node | None:
    """`node` with every NOT branch dropped; None when nothing is left."""
    if isinstance(node, Term):
        return node
    if isinstance(node, Not):
        return None
    kept = tuple(n for n in (without_negation(child) for child in node.children) if n is not None)
    if len(kept) <= 1:
        return kept[0] if kept else None
    return And(kept) if isinstance(node, And) else Or(kept)


def evaluate(node: Node, found: Callable[[Term], bool]) -> bool:
    """Whether the query holds, given which terms are `found` (AND and OR short-circuit)."""
    if isinstance(node, Term):
        return found(node)
    if isinstance(node, Not):
        return not evaluate(node.child, found)
    if isinstance(node, And):
        return all(evaluate(child, found) for child in node.children)
    return any(evaluate(child, found) for child in node.children)


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


def check_query(value: str | None) -> str | None:
    """A job-file field check (pydantic validators): a query that does not parse is a ValueError that
    names the column and quotes the query; `None` (no query) passes."""
    if value is not None:
        try:
            parse_query(value)
        except QueryError as e:
            raise ValueError(f"{e} in {value!r}") from None
    return value
