"""mediamon_reader: reads the analyst tables and views, writes nothing, never sees migration bookkeeping."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors

READABLE = [
    "articles", "article_urls", "article_topics", "sources", "crawl_runs", "crawl_errors",
    "articles_latest", "topic_daily_counts", "source_stats",
]  # fmt: skip
STORY_RELATIONS = ["stories", "article_revisions", "story_overview", "story_members"]
PRIVATE = ["schema_migrations", "crawl_seen", "export_watermarks"]
WRITES = [
    "INSERT INTO articles (canonical_url, host, title, text, content_hash) VALUES ('u', 'h', 't', 'x', 'c')",
    "UPDATE articles SET title = 'changed'",
    "DELETE FROM articles",
    "INSERT INTO article_topics (article_id, job, topic) VALUES (1, 'j', 't')",
    "UPDATE article_topics SET score = 0",
    "DELETE FROM article_topics",
    "DELETE FROM sources",
    "TRUNCATE articles",
    "DROP VIEW articles_latest",
]


@pytest.fixture
def reader(db_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit session switched to mediamon_reader (each statement its own transaction)."""
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute(
            "INSERT INTO articles (canonical_url, host, title, text, content_hash, language)"
            " VALUES ('https://example.com/1', 'example.com', 'Maduro y el petróleo', 'Texto.', 'h1', 'es')"
        )
        c.execute("SET ROLE mediamon_reader")
        yield c


def test_role_is_nologin(conn: psycopg.Connection) -> None:
    row = conn.execute("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'mediamon_reader'").fetchone()
    assert row == (False, False)


@pytest.mark.parametrize("relation", READABLE + STORY_RELATIONS)
def test_reader_can_select(reader: psycopg.Connection, relation: str) -> None:
    cursor = reader.execute(f"SELECT * FROM {relation} LIMIT 1")
    cursor.fetchall()
    assert cursor.description  # the reader sees the relation's columns
    row = reader.execute("SELECT has_table_privilege(%s, 'SELECT')", (relation,)).fetchone()
    assert row == (True,)


@pytest.mark.parametrize("relation", ["articles", "articles_latest"])
def test_reader_sees_the_stored_article(reader: psycopg.Connection, relation: str) -> None:
    rows = reader.execute(f"SELECT canonical_url FROM {relation}").fetchall()
    assert rows == [("https://example.com/1",)]


def test_reader_can_search(reader: psycopg.Connection) -> None:
    row = reader.execute("SELECT count(*) FROM articles WHERE search @@ mm_search_query('es', 'petroleo')").fetchone()
    assert row == (1,)


@pytest.mark.parametrize("statement", WRITES)
def test_reader_cannot_write(reader: psycopg.Connection, statement: str) -> None:
    with pytest.raises(errors.InsufficientPrivilege):
        reader.execute(statement)


@pytest.mark.parametrize("relation", PRIVATE)
def test_reader_cannot_read_bookkeeping(reader: psycopg.Connection, relation: str) -> None:
    with pytest.raises(errors.InsufficientPrivilege):
        reader.execute(f"SELECT * FROM {relation}")


def test_tables_created_later_are_not_readable_until_granted(db_url: str, reader: psycopg.Connection) -> None:
    with psycopg.connect(db_url, autocommit=True) as owner:
        owner.execute("CREATE TABLE later_table (x int)")
    with pytest.raises(errors.InsufficientPrivilege):
        reader.execute("SELECT * FROM later_table")
