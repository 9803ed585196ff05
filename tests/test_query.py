"""Topic query language: parser structure, errors pointing at the column, positive terms."""

from __future__ import annotations

import pytest

from crawler.errors import QueryError
from crawler.match import query


def t(words: str, *, prefix: bool = False, field: str | None = None) -> tuple[str, bool, str | None]:
    return (words, prefix, field)


def shape(node: query.Node) -> object:
    """The tree without source positions, for compact expectations."""
    if isinstance(node, query.Term):
        return t(node.words, prefix=node.prefix, field=node.field)
    if isinstance(node, query.Not):
        return ("NOT", shape(node.child))
    return ("AND" if isinstance(node, query.And) else "OR", *(shape(c) for c in node.children))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maduro", t("maduro")),
        ("Díaz-Canel", t("diaz canel")),
        ('"Nicolás Maduro"', t("nicolas maduro")),
        ("maduro oil", ("AND", t("maduro"), t("oil"))),
        ("maduro AND oil", ("AND", t("maduro"), t("oil"))),
        ("a OR b c", ("OR", t("a"), ("AND", t("b"), t("c")))),
        ("(a OR b) c", ("AND", ("OR", t("a"), t("b")), t("c"))),
        ("a NOT b", ("AND", t("a"), ("NOT", t("b")))),
        ("a -b", ("AND", t("a"), ("NOT", t("b")))),
        ("a -(b OR c)", ("AND", t("a"), ("NOT", ("OR", t("b"), t("c"))))),
        ("venezolan*", t("venezolan", prefix=True)),
        ('"nicolás mad*"', t("nicolas mad", prefix=True)),
        ("title:cuba", t("cuba", field="title")),
        ('TITLE:"díaz canel" OR havana', ("OR", t("diaz canel", field="title"), t("havana"))),
        ("cuba and venezuela", ("AND", t("cuba"), t("and"), t("venezuela"))),  # lower-case: a word
        ("a OR b OR c", ("OR", t("a"), t("b"), t("c"))),
        ("10:30", t("10 30")),
    ],
)
def test_parse_query_structure(text: str, expected: object) -> None:
    assert shape(query.parse_query(text).root) == expected


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("", 0, "empty query"),
        ("   ", 3, "empty query"),
        ("maduro AND", 10, "query ends where a term was expected"),
        ("AND maduro", 0, "expected a term before 'AND'"),
        ("maduro OR OR oil", 10, "expected a term before 'OR'"),
        ("maduro AND (oil OR crudo", 11, "missing ')'"),
        ("maduro)", 6, "unbalanced ')'"),
        ("a OR ()", 6, "expected a term before ')'"),
        ('cuba "la habana', 5, "unterminated phrase"),
        ("cuba foo:bar", 5, "unknown field 'foo'"),
        ("title:", 6, "expected a word or phrase after 'title:'"),
        ("title:(a OR b)", 6, "expected a word or phrase after 'title:'"),
        ("cu*", 0, "at least 3 characters before '*'"),
        ("ma*duro", 2, "'*' is only allowed at the end"),
        ("cuba !!!", 5, "has no letters or digits"),
        ('cuba ""', 5, "has no letters or digits"),
        ("NOT cuba", 0, "at least one term that is not negated"),
        ("-cuba -venezuela", 0, "at least one term that is not negated"),
    ],
)
def test_parse_query_errors_point_at_the_column(text: str, position: int, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        query.parse_query(text)
    error = caught.value
    assert (error.position, error.query) == (position, text)
    assert message in error.message
    assert str(error).startswith(f"column {position}: ")
    assert error.pointer().splitlines()[1] == " " * position + "^"


def test_positive_terms_skip_negated_ones() -> None:
    parsed = query.parse_query('maduro NOT (béisbol OR "plátano maduro") title:venezuela')
    assert [term.words for term in parsed.positive_terms()] == ["maduro", "venezuela"]
