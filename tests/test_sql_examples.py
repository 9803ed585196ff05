"""Every sql/examples/*.sql says what it answers and runs, as mediamon_reader, on a migrated database."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from crawler.store import sqlfiles

EXAMPLES = dict(sqlfiles.examples())


def _seed(conn: psycopg.Connection) -> None:
    """A few Spanish and English articles, two of them one story, with topics, a source and a failing one."""
    source = conn.execute(
        "INSERT INTO sources (job, name, kind, url, host, last_status)"
        " VALUES ('watch', 'feed', 'feed', 'https://a.example/feed', 'a.example', 'ok') RETURNING id"
    ).fetchone()
    assert source is not None
    conn.execute(
        "INSERT INTO sources (job, name, kind, url, host, last_status, last_error)"
        " VALUES ('watch', 'down', 'feed', 'https://e.example/feed', 'e.example', 'error', 'HTTP 503')"
    )
    articles = [
        ("a.example", "Maduro y el petróleo venezolano", "Venezuela: Maduro anunció más crudo de PDVSA.", "es", 2),
        ("b.example", "Venezuela exporta más crudo", "Venezuela: Maduro anunció más crudo de PDVSA hoy.", "es", 1),
        ("c.example", "Díaz-Canel y la economía", "Díaz-Canel habló de economía en La Habana.", "es", 1),
        ("d.example", "Oil prices", "Maduro and Venezuelan oil exports.", "en", 3),
    ]
    ids = []
    for n, (host, title, text, language, days_ago) in enumerate(articles):
        row = conn.execute(
            "INSERT INTO articles (canonical_url, host, title, text, content_hash, language, published_at, source_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, now() - make_interval(days => %s), %s) RETURNING id",
            (f"https://{host}/{n}", host, title, text, f"h{n}", language, days_ago, source[0]),
        ).fetchone()
        assert row is not None
        ids.append(row[0])
        conn.execute(
            "INSERT INTO article_topics (article_id, job, topic, terms, score, matched_in)"
            " VALUES (%s, 'watch', 'venezuela-oil', ARRAY['maduro'], 3, ARRAY['title'])",
            (row[0],),
        )
    story = conn.execute(
        "INSERT INTO stories (title, first_article_id, first_published_at, first_host, member_count)"
        " VALUES ('Venezuela crudo', %s, now() - interval '2 days', 'a.example', 2) RETURNING id",
        (ids[0],),
    ).fetchone()
    assert story is not None
    conn.execute("UPDATE articles SET story_id = %s WHERE id = ANY(%s)", (story[0], ids[:2]))
    conn.commit()


@pytest.fixture
def reader(db_url: str, conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    _seed(conn)
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("SET ROLE mediamon_reader")
        yield c


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_starts_with_what_it_answers(name: str) -> None:
    first = EXAMPLES[name].splitlines()[0]
    assert first.startswith("-- Answers: ")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs_as_reader_and_answers(reader: psycopg.Connection, name: str) -> None:
    cursor = reader.execute(EXAMPLES[name])  # no parameters: runs as written, like psql -f
    rows = cursor.fetchall()
    assert cursor.description is not None  # it is a question: it returns a table
    assert rows, f"{name} finds nothing in the seeded articles"


def test_spanish_oil_example_gives_one_article_per_story(reader: psycopg.Connection) -> None:
    rows = reader.execute(EXAMPLES["01_spanish_venezuela_oil_last_week_one_per_story.sql"]).fetchall()
    hosts = [r[1] for r in rows]
    assert hosts == ["a.example"]  # the story's first publisher; b.example is its copy, English is filtered out


def test_search_example_finds_the_accented_name(reader: psycopg.Connection) -> None:
    rows = reader.execute(EXAMPLES["07_search_any_language_ranked.sql"]).fetchall()
    assert [r[3] for r in rows] == ["c.example"]
    assert "[Díaz]-[Canel]" in rows[0][5] or "[economía]" in rows[0][5]
