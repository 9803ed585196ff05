"""PostgreSQL tests for crawler.store.stories: story clusters, first publisher, merges and revisions."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from crawler import models
from crawler.store import dedup, migrate, store, stories

ADMIN_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FIXTURES = Path(__file__).parent / "fixtures" / "dedup"
FLOOD = (FIXTURES / "flood.txt").read_text(encoding="utf-8")
FLOOD_NEGATIVE = (FIXTURES / "flood_negative.txt").read_text(encoding="utf-8")
ELECTION = (FIXTURES / "election.txt").read_text(encoding="utf-8")
T0 = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)


def _paras(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _url_for(dbname: str) -> str:
    return psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=dbname)


@pytest.fixture(scope="module")
def template_db() -> Iterator[str]:
    """A migrated template database, cloned per test (DB setup kept in one place to swap for a shared one)."""
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    name = f"mm_test_stories_tpl_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(_url_for(name)) as conn:
        migrate.migrate(conn)
    yield name
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def conn(template_db: str) -> Iterator[psycopg.Connection]:
    name = f"mm_test_stories_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    try:
        with psycopg.connect(_url_for(name)) as c:
            yield c
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def add(
    conn: psycopg.Connection,
    url: str,
    title: str,
    text: str,
    published_at: datetime | None,
    *,
    seen_after: timedelta = timedelta(minutes=30),
    date_source: str | None = "meta",
) -> tuple[int, int]:
    """Insert an article row as the store would, then assign its story; return (article id, story id)."""
    host = url.split("/")[2]
    seen = (published_at or T0) + seen_after
    article_id = conn.execute(
        "INSERT INTO articles (canonical_url, host, title, text, published_at, date_source, content_hash, "
        "first_seen_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (url, host, title, text, published_at, date_source, dedup.content_hash(text), seen),
    ).fetchone()[0]
    story_id = stories.assign_story(
        conn, article_id, dedup.signature(title, text), published_at=published_at, host=host, title=title
    )
    return article_id, story_id


def overview(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute(
        "SELECT story_id, first_host, first_url, member_count, outlets FROM story_overview ORDER BY story_id"
    ).fetchall()


def test_three_syndicated_copies_become_one_story_with_first_publisher(conn: psycopg.Connection) -> None:
    paras = _paras(FLOOD)
    # stored in crawl order, which is not publication order: the wire copy was published first
    add(
        conn,
        "https://daily.example/valencia-floods",
        "Thousands flee Valencia floods",
        "Advertisement\n\n" + "\n\n".join(paras[:7]),
        T0 + timedelta(hours=2),
    )
    add(conn, "https://wire.example/spain-floods-1200-evacuated", "Floods hit Valencia region", FLOOD, T0)
    _, story = add(
        conn, "https://brief.example/floods", "Spain: floods", "\n\n".join(paras[:3]), T0 + timedelta(hours=1)
    )
    rows = overview(conn)
    assert len(rows) == 1
    story_id, first_host, first_url, members, outlets = rows[0]
    assert story_id == story
    assert (first_host, first_url, members) == ("wire.example", "https://wire.example/spain-floods-1200-evacuated", 3)
    assert outlets == ["brief.example", "daily.example", "wire.example"]
    members_rows = conn.execute("SELECT host FROM story_members WHERE is_first").fetchall()
    assert members_rows == [("wire.example",)]


def test_hard_negative_stays_in_its_own_story(conn: psycopg.Connection) -> None:
    _, flood = add(conn, "https://wire.example/floods", "Floods hit Valencia region", FLOOD, T0)
    _, protest = add(conn, "https://wire.example/farmers", "Valencia farmers protest", FLOOD_NEGATIVE, T0)
    assert flood != protest
    assert [r[3] for r in overview(conn)] == [1, 1]


def test_bridging_article_merges_two_stories(conn: psycopg.Connection) -> None:
    paras = _paras(FLOOD)
    # the first half and the second half share nothing; the full text contains both
    _, head = add(
        conn, "https://a.example/1", "Valencia floods: evacuations", "\n\n".join(paras[:4]), T0 + timedelta(hours=3)
    )
    _, tail = add(
        conn, "https://b.example/2", "Valencia floods: the damage", "\n\n".join(paras[5:]), T0 + timedelta(hours=1)
    )
    assert head != tail
    _, merged = add(conn, "https://c.example/3", "Floods hit Valencia region", FLOOD, T0 + timedelta(hours=2))
    rows = overview(conn)
    assert len(rows) == 1
    assert rows[0][0] == merged == tail  # the story with the earliest first publisher survives
    assert (rows[0][1], rows[0][3]) == ("b.example", 3)
    assert conn.execute("SELECT count(*) FROM stories").fetchone()[0] == 1


def test_short_texts_do_not_merge_everything(conn: psycopg.Connection) -> None:
    ids = {
        add(conn, f"https://s{i}.example/x", "Live updates", f"Read more on our website ({i}).", T0)[1]
        for i in range(4)
    }
    assert len(ids) == 4


def test_short_text_title_match_only_within_window(conn: psycopg.Connection) -> None:
    title = "Morning briefing: what you need to know today"
    _, a = add(conn, "https://m.example/1", title, "Subscribe to read.", T0)
    _, b = add(conn, "https://m.example/2", title, "Subscribe to read today.", T0 + timedelta(hours=5))
    _, c = add(conn, "https://m.example/3", title, "Subscribe to read again.", T0 + timedelta(days=8))
    assert a == b
    assert c != a


def test_untrusted_url_date_does_not_make_first_publisher(conn: psycopg.Connection) -> None:
    # a day-only date from the URL (midnight) would beat every timed copy of that day
    add(conn, "https://wire.example/a", "Floods hit Valencia region", FLOOD, T0)
    add(
        conn,
        "https://late.example/2025/03/04/a",
        "Valencia floods",
        FLOOD + "\n\nMore to follow.",
        T0.replace(hour=0),
        date_source="url",
        seen_after=timedelta(hours=9),
    )
    assert overview(conn)[0][1] == "wire.example"


def test_outlet_boilerplate_is_learned_as_common_and_merges_nothing(conn: psycopg.Connection) -> None:
    import random

    words = ELECTION.split() + FLOOD.split()
    footer = (
        "Sign up for our morning newsletter to get the most important news of the day in your inbox, "
        "and follow us on every social network. Copyright 2025 The Daily Herald, all rights reserved."
    )
    story_ids = set()
    for i in range(8):
        body = " ".join(random.Random(i).choices(words, k=60))  # eight unrelated texts, same footer
        story_ids.add(
            add(
                conn,
                f"https://herald.example/{i}",
                f"Herald story number {i}",
                body + "\n\n" + footer,
                T0 + timedelta(minutes=i),
            )[1]
        )
    assert len(story_ids) == 8
    assert conn.execute("SELECT count(*) FROM common_lookup_keys").fetchone()[0] > 0


def _page(url: str, title: str, text: str) -> models.Page:
    article = models.Article(url=url, canonical_url=url, title=title, text=text, published_at=T0)
    return models.Page(
        article=article,
        canonical_url=url,
        urls=((url, "fetched"),),
        content_hash=dedup.content_hash(text),
        topics=(),
        signature=dedup.signature(title, text),
    )


def test_updated_article_creates_one_revision_and_rerun_changes_nothing(conn: psycopg.Connection) -> None:
    url = "https://wire.example/floods"
    updated = FLOOD.replace("about 1,200 residents", "about 3,000 residents")
    outcomes_seen = []
    for text in (FLOOD, updated, updated):
        outcomes_seen.append(store.save_batch(conn, "job", None, [_page(url, "Floods hit Valencia", text)])[0][1])
    assert outcomes_seen == ["stored", "updated", "duplicate_url"]
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    revs = conn.execute("SELECT content_hash, diff_chars FROM article_revisions").fetchall()
    assert revs == [(dedup.content_hash(FLOOD), dedup.diff_chars(FLOOD, updated))]
    text, story_id = conn.execute("SELECT text, story_id FROM articles").fetchone()
    assert text == updated
    assert conn.execute("SELECT member_count FROM stories WHERE id = %s", (story_id,)).fetchone() == (1,)
    assert conn.execute("SELECT revisions FROM story_members").fetchone() == (1,)


def test_changed_text_already_stored_elsewhere_is_duplicate_content_not_updated(conn: psycopg.Connection) -> None:
    first = [_page("https://wire.example/floods", "Floods hit Valencia", FLOOD)]
    other = [_page("https://wire.example/election", "Election results", ELECTION)]
    assert [r[1] for r in store.save_batch(conn, "job", None, first + other)] == ["stored", "stored"]
    # the floods URL now serves the election text (a recycled URL, a CMS mix-up): nothing to revise
    again = store.save_batch(conn, "job", None, [_page("https://wire.example/floods", "Election results", ELECTION)])
    assert again[0][1] == "duplicate_content"
    assert conn.execute("SELECT count(*) FROM article_revisions").fetchone()[0] == 0
    assert conn.execute("SELECT text FROM articles WHERE canonical_url = 'https://wire.example/floods'").fetchone() == (
        FLOOD,
    )


def test_record_revision_unchanged_text_writes_nothing(conn: psycopg.Connection) -> None:
    article_id, _ = add(conn, "https://wire.example/floods", "Floods hit Valencia region", FLOOD, T0)
    page = _page("https://wire.example/floods", "Floods hit Valencia region", FLOOD)
    assert stories.record_revision(conn, article_id, page) is False
    assert conn.execute("SELECT count(*) FROM article_revisions").fetchone()[0] == 0


def test_candidate_lookup_uses_the_gin_index_not_a_scan(conn: psycopg.Connection) -> None:
    for i, text in enumerate((FLOOD, FLOOD_NEGATIVE, ELECTION)):
        add(conn, f"https://x{i}.example/a", f"Story number {i} here", text, T0)
    conn.commit()
    rows = conn.execute(
        stories._q("find_candidates"),
        {"keys": dedup.signature("t", FLOOD).keys(), "article_id": 0, "limit": 10},
    ).fetchall()
    assert len(rows) == 1
    conn.commit()
    conn.execute("SELECT * FROM story_candidate_ids(%s, 10)", (dedup.signature("t", FLOOD).keys(),))
    scans = conn.execute(
        "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relname = 'article_signatures'"
    ).fetchone()
    assert scans[0] == 0 and scans[1] >= 1  # the GIN bitmap scan, no sequential scan
