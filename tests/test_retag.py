"""Retagging: a job's current topics applied to its stored articles, adding, updating and removing tags."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from crawler import cli, models
from crawler.analyst import retag
from crawler.jobs import jobs

JOB = """
name = "watch"

[[topics]]
name = "cuba"
query = '"díaz-canel" OR title:cuba'

[[topics]]
name = "oil"
query = 'oil OR petróleo'

[[sources]]
name = "feed"
kind = "feed"
url = "https://example.com/feed.xml"
"""

_seq = iter(range(1, 1_000_000))


def add_article(
    conn: psycopg.Connection, title: str, text: str, *, job: str | None = "watch", language: str = "es"
) -> int:
    """Insert an article; with `job`, record it as seen by that job's crawl (as store.save_batch does)."""
    n = next(_seq)
    url = f"https://example.com/a/{n}"
    row = conn.execute(
        "INSERT INTO articles (canonical_url, host, title, text, content_hash, language)"
        " VALUES (%s, 'example.com', %s, %s, %s, %s) RETURNING id",
        (url, title, text, f"hash-{n}", language),
    ).fetchone()
    assert row is not None
    if job:
        conn.execute(
            "INSERT INTO crawl_seen (job, url, outcome, article_id) VALUES (%s, %s, 'stored', %s)", (job, url, row[0])
        )
    conn.commit()
    return int(row[0])


def tag(
    conn: psycopg.Connection, article_id: int, topic: str, *, job: str = "watch", terms: tuple[str, ...] = ()
) -> None:
    conn.execute(
        "INSERT INTO article_topics (article_id, job, topic, terms) VALUES (%s, %s, %s, %s)",
        (article_id, job, topic, list(terms)),
    )
    conn.commit()


def tags(conn: psycopg.Connection, job: str = "watch") -> set[tuple[int, str]]:
    rows = conn.execute("SELECT article_id, topic FROM article_topics WHERE job = %s", (job,)).fetchall()
    conn.commit()
    return {(r[0], r[1]) for r in rows}


@pytest.fixture
def job(tmp_path: Path) -> jobs.Job:
    path = tmp_path / "watch.toml"
    path.write_text(JOB, encoding="utf-8")
    return jobs.load_job(path)


def test_retag_adds_and_removes_tags(conn: psycopg.Connection, job: jobs.Job) -> None:
    cuba = add_article(conn, "Cuba hoy", "El presidente Diaz Canel habló.")
    oil = add_article(conn, "Mercados", "El precio del petróleo subió.")
    both = add_article(conn, "Noticias", "Díaz-Canel habló del petróleo venezolano.")
    stale = add_article(conn, "Deportes", "Béisbol en La Habana.")  # tagged under an older definition
    tag(conn, stale, "cuba")
    tag(conn, oil, "retired-topic")  # a topic no longer in the job file
    report = retag.retag_job(conn, job)
    assert tags(conn) == {(cuba, "cuba"), (oil, "oil"), (both, "cuba"), (both, "oil")}
    assert report.articles == 4
    assert (report.topics["cuba"].added, report.topics["cuba"].removed) == (2, 1)
    assert (report.topics["oil"].added, report.topics["oil"].removed) == (2, 0)
    assert report.topics["retired-topic"].removed == 1
    assert (report.added, report.removed) == (4, 2)


def test_retag_stores_terms_score_and_zones(conn: psycopg.Connection, job: jobs.Job) -> None:
    article = add_article(conn, "Cuba y el petróleo", "Díaz-Canel habló del petróleo.")
    retag.retag_job(conn, job)
    row = conn.execute(
        "SELECT terms, score, matched_in FROM article_topics WHERE article_id = %s AND topic = 'oil'", (article,)
    ).fetchone()
    assert row is not None
    terms, score, matched_in = row
    assert terms == ["petróleo"] and score > 0 and matched_in == ["title", "lead"]


def test_retag_twice_changes_nothing(conn: psycopg.Connection, job: jobs.Job) -> None:
    add_article(conn, "Cuba hoy", "El presidente Díaz-Canel habló del petróleo.")
    retag.retag_job(conn, job)
    again = retag.retag_job(conn, job)
    assert (again.added, again.removed) == (0, 0)
    assert again.topics["cuba"].kept == 1 and again.topics["cuba"].updated == 0


def test_retag_updates_changed_terms(conn: psycopg.Connection, job: jobs.Job) -> None:
    article = add_article(conn, "Mercados", "El precio del petróleo subió.")
    tag(conn, article, "oil", terms=("crudo",))
    report = retag.retag_job(conn, job)
    assert report.topics["oil"].updated == 1 and report.topics["oil"].added == 0
    row = conn.execute("SELECT terms FROM article_topics WHERE article_id = %s", (article,)).fetchone()
    assert row is not None and row[0] == ["petróleo"]


def test_retag_leaves_other_jobs_articles_and_tags_alone(conn: psycopg.Connection, job: jobs.Job) -> None:
    foreign = add_article(conn, "Cuba hoy", "Díaz-Canel habló.", job="other")
    tag(conn, foreign, "something", job="other")
    report = retag.retag_job(conn, job)
    assert report.articles == 0
    assert tags(conn, "watch") == set() and tags(conn, "other") == {(foreign, "something")}


def test_retag_finds_articles_through_their_tags_and_works_in_batches(conn: psycopg.Connection, job: jobs.Job) -> None:
    tagged_only = [add_article(conn, f"Petróleo {i}", "El petróleo sube.", job=None) for i in range(5)]
    for article in tagged_only:
        tag(conn, article, "cuba")
    report = retag.retag_job(conn, job, batch_size=2)
    assert report.articles == 5
    assert tags(conn) == {(a, "oil") for a in tagged_only}


M = models.TopicMatch


@pytest.mark.parametrize(
    ("current", "new", "expected"),
    [
        ({}, [M("a", ("x",))], retag.TagDiff(added=(M("a", ("x",)),))),
        ({"a": M("a", ("x",))}, [], retag.TagDiff(removed=("a",))),
        ({"a": M("a", ("x",), 3.0)}, [M("a", ("x",), 3.0)], retag.TagDiff()),
        ({"a": M("a", ("x",), 3.0)}, [M("a", ("x",), 5.0)], retag.TagDiff(updated=(M("a", ("x",), 5.0),))),
        ({"a": M("a", ("x",), 1.0, ("body",))}, [M("a", ("x",), 1.0, ("lead",))],
         retag.TagDiff(updated=(M("a", ("x",), 1.0, ("lead",)),))),
        ({"a": M("a", ("x",), 0.1)}, [M("a", ("x",), 0.10000000149)], retag.TagDiff()),  # float4 round trip
    ],
)  # fmt: skip
def test_diff_tags(
    current: dict[str, models.TopicMatch], new: list[models.TopicMatch], expected: retag.TagDiff
) -> None:
    assert retag.diff_tags(current, new) == expected


def test_cli_retag_reports_counts(
    conn: psycopg.Connection,
    db_url: str,
    job: jobs.Job,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_article(conn, "Mercados", "El precio del petróleo subió.")
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert job.path is not None
    assert cli.main(["retag", str(job.path)]) == 0
    out = capsys.readouterr().out
    assert "oil: +1 added, -0 removed" in out and "total: +1 added, -0 removed" in out
