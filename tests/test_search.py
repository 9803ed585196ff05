"""Full-text search: per-language configurations with unaccent, title-weighted ranking, filters, safety."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from crawler import cli
from crawler.analyst import scope, search
from crawler.analyst.cli import parse_since
from crawler.errors import MediamonError

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
_seq = iter(range(1, 1_000_000))


def add_article(
    conn: psycopg.Connection,
    title: str,
    text: str,
    *,
    language: str | None = "en",
    host: str = "example.com",
    published_at: datetime | None = None,
    description: str | None = None,
) -> int:
    """Insert one article directly (the search trigger fills its tsvector); return its id."""
    n = next(_seq)
    row = conn.execute(
        "INSERT INTO articles (canonical_url, host, title, text, content_hash, language, published_at, description)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (f"https://{host}/a/{n}", host, title, text, f"hash-{n}", language, published_at, description),
    ).fetchone()
    assert row is not None
    conn.commit()
    return int(row[0])


def tag(conn: psycopg.Connection, article_id: int, job: str, topic: str) -> None:
    conn.execute(
        "INSERT INTO article_topics (article_id, job, topic) VALUES (%s, %s, %s)", (article_id, job, topic)
    )
    conn.commit()


def ids(hits: list[search.Hit]) -> list[int]:
    return [h.article_id for h in hits]


def test_title_match_ranks_before_body_mentions(conn: psycopg.Connection) -> None:
    body_only = add_article(
        conn,
        "Oil prices rise again",
        "Analysts said Maduro would respond. Maduro spoke later. Maduro again, and Maduro once more.",
    )
    in_title = add_article(conn, "Maduro announces new cabinet", "The president named ministers on Tuesday.")
    hits = search.search(conn, search.SearchRequest("maduro"))
    assert ids(hits) == [in_title, body_only]
    assert hits[0].rank > hits[1].rank


@pytest.mark.parametrize("query", ["diaz canel", "Díaz-Canel", "DIAZ-CANEL", '"díaz canel"'])
@pytest.mark.parametrize("written", ["Díaz-Canel", "Díaz Canel", "diaz-canel"])
def test_accents_case_and_hyphens_do_not_matter(conn: psycopg.Connection, query: str, written: str) -> None:
    wanted = add_article(conn, "Cuba hoy", f"El presidente {written} habló en La Habana.", language="es")
    add_article(conn, "Otra noticia", "El ministro Díaz habló con la prensa.", language="es")
    assert ids(search.search(conn, search.SearchRequest(query))) == [wanted]


@pytest.mark.parametrize(
    ("language", "written", "query"),
    [
        ("es", "Las elecciones presidenciales", "elección presidencial"),
        ("en", "The elections were held", "election"),
        ("pt", "As notícias dos governos", "notícia governo"),
        ("fr", "Les élections législatives", "election"),
    ],
)
def test_words_are_stemmed_in_the_article_language(
    conn: psycopg.Connection, language: str, written: str, query: str
) -> None:
    wanted = add_article(conn, written, "Texto del artículo.", language=language)
    assert ids(search.search(conn, search.SearchRequest(query, language=language))) == [wanted]


def test_lang_filters_to_that_language(conn: psycopg.Connection) -> None:
    spanish = add_article(conn, "Maduro y el petróleo", "PDVSA exporta crudo.", language="es")
    add_article(conn, "Maduro and oil", "PDVSA exports crude.", language="en")
    assert ids(search.search(conn, search.SearchRequest("maduro", language="es"))) == [spanish]


def test_unknown_language_falls_back_to_simple_with_a_warning(
    conn: psycopg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    german = add_article(conn, "Die Bundesregierung tagt", "Über die Wahlen wurde gesprochen.", language="de")
    with caplog.at_level(logging.WARNING, logger="crawler.analyst.search"):
        hits = search.search(conn, search.SearchRequest("uber wahlen", language="de"))
    assert ids(hits) == [german]
    assert any("simple" in r.getMessage() and getattr(r, "language", None) == "de" for r in caplog.records)


def test_snippet_highlights_matched_words(conn: psycopg.Connection) -> None:
    add_article(conn, "Cuba", "En La Habana, el presidente Díaz-Canel habló del petróleo venezolano.", language="es")
    (hit,) = search.search(conn, search.SearchRequest("petróleo"))
    assert f"{search.MARK_START}petróleo{search.MARK_END}" in hit.snippet
    assert "**petróleo**" in search.plain_snippet(hit.snippet)


def test_topic_job_and_since_filters(conn: psycopg.Connection) -> None:
    old = add_article(conn, "Maduro in 2020", "Old news.", published_at=NOW - timedelta(days=400))
    new = add_article(conn, "Maduro today", "New news.", published_at=NOW - timedelta(days=1))
    other = add_article(conn, "Maduro elsewhere", "Untagged.", published_at=NOW - timedelta(days=1))
    tag(conn, old, "watch", "venezuela")
    tag(conn, new, "watch", "venezuela")
    tag(conn, other, "other-job", "venezuela")
    since = NOW - timedelta(days=7)
    assert set(ids(search.search(conn, search.SearchRequest("maduro", topic="venezuela")))) == {old, new, other}
    assert set(ids(search.search(conn, search.SearchRequest("maduro", topic="venezuela", job="watch")))) == {old, new}
    assert ids(search.search(conn, search.SearchRequest("maduro", job="watch", since=since))) == [new]


def test_one_per_story_keeps_the_best_article_of_each_story(conn: psycopg.Connection) -> None:
    if not search.stories_exist(conn):
        pytest.skip("stories migration not present")
    best = add_article(conn, "Maduro wins vote", "Maduro said.")
    copy = add_article(conn, "Vote results", "Maduro said.", host="copy.example.com")
    alone = add_article(conn, "Maduro visits Havana", "Trip.")
    story = conn.execute("INSERT INTO stories (title) VALUES ('vote') RETURNING id").fetchone()
    assert story is not None
    conn.execute("UPDATE articles SET story_id = %s WHERE id = ANY(%s)", (story[0], [best, copy]))
    conn.commit()
    assert set(ids(search.search(conn, search.SearchRequest("maduro")))) == {best, copy, alone}
    per_story = ids(search.search(conn, search.SearchRequest("maduro", one_per_story=True)))
    assert sorted(per_story) == sorted([best, alone])


@pytest.mark.parametrize(
    "field",
    [
        {"query": "'; DROP TABLE articles; --"},
        {"query": "maduro", "topic": "x' OR '1'='1"},
        {"query": "maduro", "job": "x'); DELETE FROM articles; --"},
        {"query": "maduro", "language": "es'; DROP TABLE articles; --"},
    ],
)
def test_injection_attempts_find_nothing_and_break_nothing(conn: psycopg.Connection, field: dict[str, str]) -> None:
    add_article(conn, "Maduro speaks", "Text about Maduro.")
    request = search.SearchRequest(**field)  # type: ignore[arg-type]
    try:
        hits = search.search(conn, request)
    except MediamonError:
        hits = []  # a refusal (bad query, unknown topic or job) is harmless too
    assert hits == []
    row = conn.execute("SELECT count(*) FROM articles").fetchone()
    assert row is not None and row[0] == 1


@pytest.mark.parametrize("query", ["", "   ", "the of and"])
def test_queries_without_searchable_words_are_refused(conn: psycopg.Connection, query: str) -> None:
    with pytest.raises(search.SearchError):
        search.search(conn, search.SearchRequest(query, language="en"))


@pytest.mark.parametrize(("value", "expected"), [("es", "es"), ("ES", "es"), ("es-VE", "es"), ("pt_BR", "pt")])
def test_language_code_takes_the_primary_subtag(value: str, expected: str) -> None:
    assert search.language_code(value) == expected


@pytest.mark.parametrize("value", ["", "e", "english!", "12"])
def test_language_code_rejects_non_codes(value: str) -> None:
    with pytest.raises(search.SearchError, match="--lang"):
        search.language_code(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01T08:30:00+02:00", datetime(2026, 3, 1, 6, 30, tzinfo=UTC)),
        ("2026-03-01 08:30", datetime(2026, 3, 1, 8, 30, tzinfo=UTC)),
        ("12h", NOW - timedelta(hours=12)),
        ("7d", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(days=14)),
        ("30m", NOW - timedelta(minutes=30)),
    ],
)
def test_parse_since(value: str, expected: datetime) -> None:
    assert parse_since(value, NOW) == expected


def test_cli_rejects_a_malformed_date_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["search", "maduro", "--since", "last tuesday"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("mediamon: --since 'last tuesday': not a date") and "\n" not in err


def test_cli_prints_ranked_plain_lines_when_not_a_tty(
    conn: psycopg.Connection, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_article(conn, "Maduro announces cabinet", "Ministers named.")
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["search", "maduro", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. [") and "Maduro announces cabinet" in out and "https://example.com/a/" in out


# --------------------------------------------------------------------------- one query language


def test_negation_keeps_the_ranking(conn: psycopg.Connection) -> None:
    in_title = add_article(conn, "Maduro names cabinet", "The president named ministers.")
    body_only = add_article(conn, "Oil prices", "Analysts said Maduro would respond. Maduro spoke.")  # newer
    add_article(conn, "Maduro and OPEC", "OPEC met.")
    hits = search.search(conn, search.SearchRequest("maduro -opec"))
    assert ids(hits) == [in_title, body_only]  # rank order, not date order
    assert all(h.rank > 0 for h in hits)


def test_parentheses_and_operators_mean_what_they_say(conn: psycopg.Connection) -> None:
    oil = add_article(conn, "Maduro and oil", "Exports of crude.")
    gold = add_article(conn, "Cabello and gold", "Mining.")
    add_article(conn, "Maduro and gold", "Mining.")
    assert set(ids(search.search(conn, search.SearchRequest("(maduro AND oil) OR (cabello AND gold)")))) == {oil, gold}


def test_title_field_restricts_to_titles(conn: psycopg.Connection) -> None:
    in_title = add_article(conn, "Cuba hoy", "Sin más.", language="es")
    add_article(conn, "Otra cosa", "Hablamos de Cuba.", language="es")
    assert ids(search.search(conn, search.SearchRequest("title:cuba"))) == [in_title]


def test_prefix_wildcard(conn: psycopg.Connection) -> None:
    wanted = add_article(conn, "Los venezolanos votan", "Texto.", language="es")
    add_article(conn, "Otra cosa", "Texto.", language="es")
    assert ids(search.search(conn, search.SearchRequest("venezol*"))) == [wanted]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(cuba AND oil", "column 0: missing ')' for this '('"),
        ("(cuba AND", "column 9: query ends where a term was expected"),
        ("cuba)", "column 4: unbalanced ')'"),
        ("-cuba", "needs at least one term that is not negated"),
        ("nation:cuba", "unknown field 'nation'"),
    ],
)
def test_query_mistakes_are_the_topic_parsers_errors(conn: psycopg.Connection, query: str, message: str) -> None:
    with pytest.raises(search.SearchError, match=re.escape(message)):
        search.search(conn, search.SearchRequest(query))


def test_program_is_the_postfix_of_the_tree() -> None:
    parsed = search.parse('a (title:"b c" OR -ddd*)')
    program = search.program(parsed.root)
    assert program.ops == ("term", "term", "term", "not", "or", "and")
    assert program.words == ("a", "b c", "ddd")
    assert program.prefixes == (False, False, True)
    assert program.title_only == (False, True, False)


def test_cli_accepts_a_query_that_starts_with_a_minus(
    conn: psycopg.Connection, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_article(conn, "Precio del petróleo", "Sube el crudo.", language="es")
    add_article(conn, "Precio del petróleo y la OPEP", "La OPEP decide.", language="es")
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["search", "--", "-opep petróleo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("1. ") and lines[0].endswith(": Precio del petróleo")
    assert not any(line.startswith("2. ") for line in lines)


# --------------------------------------------------------------------------- unknown --topic / --job


def test_unknown_topic_is_an_error_that_lists_the_known_ones(conn: psycopg.Connection) -> None:
    article = add_article(conn, "Maduro", "Text.")
    tag(conn, article, "watch", "venezuela")
    with pytest.raises(scope.ScopeError, match=r"--topic 'venezula'.*known topics: venezuela"):
        search.search(conn, search.SearchRequest("maduro", topic="venezula"))


def test_unknown_job_is_an_error_that_lists_the_known_ones(conn: psycopg.Connection) -> None:
    article = add_article(conn, "Maduro", "Text.")
    tag(conn, article, "watch", "venezuela")
    with pytest.raises(scope.ScopeError, match=r"--job 'wach': unknown job \(known jobs: watch\)"):
        search.search(conn, search.SearchRequest("maduro", job="wach"))


def test_terminal_table_prints_brackets_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    from crawler.analyst import cli as analyst_cli

    hit = search.Hit(1, 0.5, NOW, "en", "example.com", "Cuba [bold]now[/bold]", "https://example.com/[x]",
                     f"a {search.MARK_START}[red]cuba[/red]{search.MARK_END} b")  # fmt: skip
    analyst_cli._print_table([hit])
    out = capsys.readouterr().out
    assert "Cuba [bold]now[/bold]" in out and "[red]cuba[/red]" in out and "https://example.com/[x]" in out
