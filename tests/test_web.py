"""`mediamon web` in process: every route on an empty and on a crawled database, 404s, query errors as
messages, search, diffs, feeds, conditional responses and the security promises (escaping, read-only
role, bound parameters, auth, no non-loopback bind without it). Real PostgreSQL, no mocks."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import psycopg
import pytest
from starlette.testclient import TestClient

from crawler import fixturesite
from crawler.web import app as web_app
from crawler.web import auth
from tests import webdata

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime.now(UTC)
XSS_TITLE = "<script>alert('title')</script> Maduro"
XSS_TEXT = 'Maduro said "><img src=x onerror=alert(1)> and <script>alert("body")</script> nothing else. ' * 5

PAGES = ["/", "/search", "/runs", "/sources"]
API = ["/api/home", "/api/search", "/api/runs", "/api/sources"]


def client_for(url: str, **kwargs: object) -> TestClient:
    return TestClient(web_app.create_app(url, **kwargs))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------
# empty database


@pytest.fixture(scope="module")
def empty(pg_server_url: str, template_db: str) -> Iterator[TestClient]:
    from tests.conftest import _fresh_db

    for url in _fresh_db(pg_server_url, template_db):
        with client_for(url) as client:
            yield client


@pytest.mark.parametrize("path", PAGES + API)
def test_page_renders_on_an_empty_database(empty: TestClient, path: str) -> None:
    response = empty.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/", "/runs", "/sources"])
def test_empty_database_says_there_is_nothing_yet(empty: TestClient, path: str) -> None:
    assert 'class="empty"' in empty.get(path).text


def test_search_on_an_empty_database_finds_nothing(empty: TestClient) -> None:
    response = empty.get("/search", params={"q": "maduro"})
    assert response.status_code == 200 and "No articles match." in response.text


@pytest.mark.parametrize(
    "path",
    ["/topics/cuba", "/topics/cuba.atom", "/stories/1", "/articles/1", "/api/topics/cuba", "/api/stories/1",
     "/api/articles/1", "/no/such/page"],
)
def test_missing_things_are_404(empty: TestClient, path: str) -> None:
    response = empty.get(path)
    assert response.status_code == 404
    assert "no " in response.text.lower()


@pytest.mark.parametrize("path", ["/stories/abc", "/articles/-1", "/articles/99999999999999999999999"])
def test_malformed_ids_are_a_message_not_a_500(empty: TestClient, path: str) -> None:
    response = empty.get(path)
    assert response.status_code == 400
    assert 'class="error"' in response.text


# ---------------------------------------------------------------------------------------------------
# a database filled by crawling the fixture sites


@pytest.fixture(scope="module")
def crawled(module_db_url: str) -> Iterator[tuple[TestClient, fixturesite.Sites, str]]:
    sites = webdata.crawl_fixture_sites(module_db_url)
    try:
        with client_for(module_db_url) as client:
            yield client, sites, module_db_url
    finally:
        sites.stop()


@pytest.fixture(scope="module")
def full(crawled: tuple[TestClient, fixturesite.Sites, str]) -> TestClient:
    return crawled[0]


@pytest.fixture
def owner(crawled: tuple[TestClient, fixturesite.Sites, str]) -> Iterator[psycopg.Connection]:
    with psycopg.connect(crawled[2]) as conn:
        yield conn


def test_home_lists_every_topic_with_its_article_count(full: TestClient, owner: psycopg.Connection) -> None:
    expected = dict(owner.execute("SELECT topic, count(DISTINCT article_id) FROM article_topics GROUP BY 1").fetchall())
    topics = {t["topic"]: t["articles"] for t in full.get("/api/home").json()["topics"]}
    assert topics == expected and set(expected) == {"cuba", "venezuela"}
    page = full.get("/").text
    assert 'href="/topics/cuba"' in page and 'href="/topics/venezuela.atom"' in page


def test_topic_page_has_a_30_day_svg_chart(full: TestClient) -> None:
    page = full.get("/topics/cuba").text
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count('class="day"') == 30
    assert svg.count('class="bar-articles"') == 30 and svg.count('class="bar-stories"') == 30


def test_topic_chart_counts_match_the_database(full: TestClient, owner: psycopg.Connection) -> None:
    data = full.get("/api/topics/cuba").json()
    expected = owner.execute(
        "SELECT count(*) FROM articles a WHERE a.id IN (SELECT article_id FROM article_topics WHERE topic = 'cuba')"
        " AND coalesce(a.published_at, a.first_seen_at)"
        "     >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '29 days'"
    ).fetchone()
    assert sum(d["articles"] for d in data["days"]) == data["chart"]["total_articles"] == expected[0]  # type: ignore[index]
    assert sum(o["articles"] for o in data["outlets"]) == expected[0]  # type: ignore[index]
    assert sum(lang["articles"] for lang in data["languages"]) == expected[0]  # type: ignore[index]
    assert {lang["language"] for lang in data["languages"]} == {"en", "es"}


def test_topic_lists_newest_stories_first(full: TestClient) -> None:
    stories = full.get("/api/topics/cuba").json()["stories"]
    assert stories
    times = [s["first_published_at"] for s in stories]
    assert times == sorted(times, reverse=True)


def _doctors_story(full: TestClient, sites: fixturesite.Sites) -> dict:  # type: ignore[type-arg]
    title = sites.manifest.article("en-doctors").title
    story = next(s for s in full.get("/api/topics/cuba").json()["stories"] if s["title"] == title)
    return full.get(f"/api/stories/{story['id']}").json()  # type: ignore[no-any-return]


def test_story_lists_exact_copies_stored_as_aliases(crawled: tuple[TestClient, fixturesite.Sites, str]) -> None:
    full, sites, _ = crawled
    story = _doctors_story(full, sites)
    kinds = sorted((c["host"], c["kind"]) for c in story["copies"])
    assert kinds == sorted([("127.0.0.1", kinds[0][1] if kinds[0][0] == "127.0.0.1" else ""),
                            ("127.0.0.2", kinds[1][1])])  # one copy per site
    assert {c["kind"] for c in story["copies"]} == {"article", "exact copy"}
    assert len(story["outlets"]) == 2


def test_story_marks_exactly_one_first_publisher(crawled: tuple[TestClient, fixturesite.Sites, str]) -> None:
    full, sites, _ = crawled
    story = _doctors_story(full, sites)
    firsts = [c for c in story["copies"] if c["is_first"]]
    assert len(firsts) == 1 and firsts[0]["id"] == story["story"]["first_article_id"]
    page = full.get(f"/stories/{story['story']['id']}").text
    assert page.count('<tr class="copy first">') == 1
    assert [e["after"] for e in story["timeline"]][0] == 0  # the timeline starts with the first copy


def test_article_page_shows_dates_topics_and_urls(crawled: tuple[TestClient, fixturesite.Sites, str]) -> None:
    full, sites, url = crawled
    spec = sites.manifest.article("en-maduro-warrants")
    with psycopg.connect(url) as conn:
        article_id = conn.execute("SELECT id FROM articles WHERE title = %s", (spec.title,)).fetchone()[0]  # type: ignore[index]
    data = full.get(f"/api/articles/{article_id}").json()
    assert data["article"]["date_source"] == spec.date_source
    assert [t["topic"] for t in data["topics"]] == list(sorted(spec.topics))
    assert all(t["terms"] for t in data["topics"])  # matched terms
    assert len(data["urls"]) >= 1 + len(spec.aliases) - 1
    page = full.get(f"/articles/{article_id}").text
    assert f'<dd class="date-source">{spec.date_source}</dd>' in page
    assert 'class="date-offset"' in page and "Revisions" in page


@pytest.mark.parametrize("path", ["/", "/topics/cuba", "/topics/venezuela", "/search?q=maduro", "/runs", "/sources"])
def test_every_page_renders_on_the_crawled_database(full: TestClient, path: str) -> None:
    response = full.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" in response.headers


def test_every_story_and_article_of_the_crawl_renders(full: TestClient, owner: psycopg.Connection) -> None:
    for (story_id,) in owner.execute("SELECT id FROM stories"):
        assert full.get(f"/stories/{story_id}").status_code == 200
    for (article_id,) in owner.execute("SELECT id FROM articles"):
        assert full.get(f"/articles/{article_id}").status_code == 200


def test_runs_page_shows_the_crawl_with_counters(full: TestClient, owner: psycopg.Connection) -> None:
    run_id, stored = owner.execute("SELECT id, stored FROM crawl_runs").fetchone()  # type: ignore[misc]
    jobs = full.get("/api/runs").json()["jobs"]
    assert jobs[0]["job"] == "fixture-news"
    assert (jobs[0]["runs"][0]["id"], jobs[0]["runs"][0]["stored"]) == (run_id, stored)
    assert jobs[0]["last_errors"]  # the fixture's traps end in recorded errors


def test_sources_page_lists_every_source_with_status(full: TestClient, owner: psycopg.Connection) -> None:
    expected = {r[0]: r[1] for r in owner.execute("SELECT name, last_status FROM sources")}
    got = {s["name"]: s["last_status"] for s in full.get("/api/sources").json()["sources"]}
    # the 6 declared sources of the fixture job, plus the documents they announced (monitor: child sitemaps)
    assert got == expected and len(got) >= 6


def test_atom_feed_has_one_entry_per_story_newest_first(full: TestClient) -> None:
    response = full.get("/topics/cuba.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    stories = full.get("/api/topics/cuba").json()["stories"]
    assert [e.title for e in feed.entries] == [s["title"] for s in stories]
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    assert all(re.search(r"/stories/\d+$", e.link) for e in feed.entries)


def test_search_uses_the_search_command_language(full: TestClient) -> None:
    both = full.get("/api/search", params={"q": "maduro"}).json()["hits"]
    without = full.get("/api/search", params={"q": "maduro -oposición -opposition"}).json()["hits"]
    assert both and len(without) < len(both)


def test_search_snippets_highlight_matches(full: TestClient) -> None:
    page = full.get("/search", params={"q": "maduro"}).text
    assert re.search(r"<mark>maduro</mark>", page, re.IGNORECASE)


def test_search_filters_by_topic_and_language(full: TestClient) -> None:
    hits = full.get("/api/search", params={"q": "cuba", "lang": "es", "topic": "cuba"}).json()["hits"]
    assert hits and all(h["language"] == "es" for h in hits)


# ---------------------------------------------------------------------------------------------------
# databases seeded row by row (as the owner) for one behaviour each


@pytest.fixture
def seeded(db_url: str) -> Iterator[tuple[TestClient, psycopg.Connection]]:
    with psycopg.connect(db_url) as conn, client_for(db_url) as client:
        yield client, conn


def test_search_paginates_with_shareable_urls(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    for i in range(25):
        webdata.add_article(conn, f"Maduro speech {i}", "The president spoke about oil. " * 5,
                            published_at=NOW - timedelta(hours=i))
    first = client.get("/search", params={"q": "maduro"})
    assert first.text.count('class="hit"') == 20
    assert 'rel="next" href="/search?q=maduro&amp;page=2"' in first.text
    assert 'value="http://testserver/search?q=maduro"' in first.text  # the link to share
    second = client.get("/search?q=maduro&page=2")
    assert second.text.count('class="hit"') == 5 and 'rel="prev"' in second.text and 'rel="next"' not in second.text


def test_search_filters_by_outlet_and_date_range(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    day = datetime(2026, 3, 10, 12, tzinfo=UTC)
    keep = webdata.add_article(conn, "Maduro in Caracas", "Text about Maduro. " * 5, host="a.example", published_at=day)
    webdata.add_article(conn, "Maduro elsewhere", "Text about Maduro. " * 5, host="b.example", published_at=day)
    webdata.add_article(conn, "Maduro later", "Text about Maduro. " * 5, host="a.example",
                        published_at=day + timedelta(days=3))
    hits = client.get("/api/search", params={"q": "maduro", "outlet": "a.example", "from": "2026-03-10",
                                             "to": "2026-03-10"}).json()["hits"]
    assert [h["article_id"] for h in hits] == [keep]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "!!!"}, "has no letters or digits"),
        ({"q": "(maduro"}, "missing"),
        ({"q": "NOT maduro"}, "not negated"),
        ({"q": "maduro", "from": "yesterday"}, "not a date"),
        ({"q": "maduro", "from": "2026-03-10", "to": "2026-03-01"}, "before"),
        ({"q": "maduro", "lang": "español!"}, "not a language code"),
        ({"q": "maduro", "page": "0"}, "out of range"),
        ({"q": "maduro", "page": "x"}, "not a number"),
    ],
)
def test_search_query_errors_are_shown_as_messages(
    seeded: tuple[TestClient, psycopg.Connection], params: dict[str, str], message: str
) -> None:
    client, _ = seeded
    response = client.get("/search", params=params)
    assert response.status_code == 400
    assert message in response.text and 'class="error" role="alert"' in response.text
    assert message in client.get("/api/search", params=params).json()["error"]


def test_article_revisions_show_a_diff(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    article_id = webdata.add_article(conn, "Blackout in Havana", "The grid failed at noon. Officials blamed fuel.",
                                     topics=("cuba",))
    webdata.add_revision(conn, article_id, "Blackout", "The grid failed this morning. Officials blamed fuel.",
                         timedelta(hours=3))
    page = client.get(f"/articles/{article_id}").text
    assert "<del>this morning. </del>" in page and "<ins>at noon. </ins>" in page
    assert "title changed to “Blackout in Havana”" in page
    revisions = client.get(f"/api/articles/{article_id}").json()["revisions"]
    assert revisions[0]["diff"]["added"] == 2 and revisions[0]["diff"]["removed"] == 2


def test_story_variants_show_title_length_and_text_diff(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    text = "Cuba's grid collapsed again on Tuesday, leaving millions without power across the island. " * 3
    first = webdata.add_article(conn, "Cuba grid collapses", text, host="wire.example",
                                published_at=NOW - timedelta(hours=5), topics=("cuba",))
    story = webdata.story_of(conn, first)
    webdata.add_article(conn, "Island-wide blackout in Cuba", text + "Officials promised repairs.",
                        host="paper.example", published_at=NOW - timedelta(hours=2), story_id=story, topics=("cuba",))
    variants = client.get(f"/api/stories/{story}").json()["variants"]
    assert len(variants) == 1
    v = variants[0]
    assert v["title_differs"] and v["chars_delta"] == len("Officials promised repairs.")
    assert v["diff"]["added"] == 3 and v["diff"]["removed"] == 0
    assert "<ins>Officials promised repairs.</ins>" in client.get(f"/stories/{story}").text


def test_conditional_get_answers_304_for_a_matching_etag(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    article_id = webdata.add_article(conn, "Maduro", "Text. " * 20, topics=("venezuela",))
    for path in (f"/articles/{article_id}", f"/api/articles/{article_id}", "/topics/venezuela",
                 "/topics/venezuela.atom", "/"):
        first = client.get(path)
        again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert (again.status_code, again.content) == (304, b""), path
        assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_etag_changes_when_the_data_does(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    article_id = webdata.add_article(conn, "Maduro", "Text. " * 20, topics=("venezuela",))
    before = client.get("/topics/venezuela").headers["etag"]
    webdata.add_article(conn, "Maduro again", "Other text. " * 20, topics=("venezuela",))
    after = client.get("/topics/venezuela", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["etag"] != before
    assert client.get(f"/articles/{article_id}").headers["etag"]


def test_if_modified_since_answers_304_until_the_data_changes(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    article_id = webdata.add_article(conn, "Maduro", "Text. " * 20)
    last_modified = client.get(f"/articles/{article_id}").headers["last-modified"]
    assert client.get(f"/articles/{article_id}", headers={"If-Modified-Since": last_modified}).status_code == 304
    conn.execute("UPDATE articles SET last_seen_at = now() + interval '1 minute' WHERE id = %s", (article_id,))
    conn.commit()
    assert client.get(f"/articles/{article_id}", headers={"If-Modified-Since": last_modified}).status_code == 200


# --- security ---------------------------------------------------------------------------------------


def test_markup_in_titles_and_text_is_rendered_inert(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    article_id = webdata.add_article(conn, XSS_TITLE, XSS_TEXT, topics=("venezuela",), published_at=NOW,
                                     description='"><img src=x onerror=alert(2)>')
    story_id = webdata.story_of(conn, article_id)
    webdata.add_revision(conn, article_id, XSS_TITLE, "<script>alert(3)</script>", timedelta(hours=1))
    for path in ("/", "/topics/venezuela", f"/stories/{story_id}", f"/articles/{article_id}", "/search?q=maduro",
                 "/topics/venezuela.atom"):
        body = client.get(path).text
        assert "<script>alert" not in body, path
        assert "<img src=x" not in body and "<img src=x onerror" not in body, path
    article = client.get(f"/articles/{article_id}").text
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in article
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in article
    search = client.get("/search", params={"q": "maduro"}).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in search or "onerror" not in search


def test_markup_in_a_search_query_is_escaped(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, _ = seeded
    body = client.get("/search", params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_the_app_reads_as_the_read_only_role_and_cannot_write(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        web_app.configure_reader(conn)
        assert conn.execute("SELECT current_user").fetchone() == ("mediamon_reader",)
        with pytest.raises((psycopg.errors.ReadOnlySqlTransaction, psycopg.errors.InsufficientPrivilege)):
            conn.execute("INSERT INTO articles (canonical_url, host, title, text, content_hash)"
                         " VALUES ('u', 'h', 't', 'x', 'c')")
        conn.execute("SET default_transaction_read_only = off")  # even then, the role has no write grant
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM articles")


def test_pooled_sessions_of_the_app_are_the_reader(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, _ = seeded
    # the health check goes through the same pool as every page and names the session's role
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok as mediamon_reader\n")


def test_query_parameters_are_bound_not_formatted(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    webdata.add_article(conn, "Maduro", "Text about Maduro. " * 5, topics=("venezuela",))
    hostile = "x' OR '1'='1'; DROP TABLE articles; --"
    for params in ({"q": hostile}, {"q": "maduro", "topic": hostile}, {"q": "maduro", "outlet": hostile}):
        response = client.get("/api/search", params=params)
        assert response.status_code in (200, 400) and response.json()["hits"] == []
    assert client.get(f"/topics/{hostile}").status_code == 404
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (1,)


def test_web_code_formats_no_sql() -> None:
    """Every statement comes from sql/queries/web.sql with %(name)s parameters; nothing is built in Python."""
    for path in (ROOT / "crawler" / "web").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"execute\(\s*f[\"']", source), path
        assert not re.search(r"execute\([^)]*%\s*[(a-z]", source), path
        assert ".format(" not in source or path.name == "render.py", path
    sql_text = (ROOT / "sql" / "queries" / "web.sql").read_text(encoding="utf-8")
    assert "{" not in sql_text


def test_non_loopback_bind_without_auth_refuses_to_start() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "web", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0 without MEDIAMON_WEB_AUTH" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.0.0.5", True), ("::1", True),
                                                ("localhost", True), ("0.0.0.0", False), ("192.168.1.4", False),
                                                ("::", False), ("example.org", False)])
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert auth.is_loopback(host) is loopback


def test_non_loopback_bind_with_auth_is_allowed() -> None:
    auth.check_bind("0.0.0.0", auth.parse("token:0123456789abcdef0123"))


@pytest.mark.parametrize("value", ["basic:user", "basic::pw", "token:short", "digest:x:y", "nonsense"])
def test_malformed_auth_setting_is_refused(value: str) -> None:
    with pytest.raises(auth.AuthError):
        auth.parse(value)


def test_basic_auth_is_required_when_configured(db_url: str) -> None:
    with client_for(db_url, auth=auth.parse("basic:analyst:s3cret pass")) as client:
        denied = client.get("/")
        assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Basic")
        wrong = base64.b64encode(b"analyst:nope").decode()
        assert client.get("/", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
        good = base64.b64encode(b"analyst:s3cret pass").decode()
        assert client.get("/", headers={"Authorization": f"Basic {good}"}).status_code == 200


def test_token_auth_is_required_when_configured(db_url: str) -> None:
    token = "0123456789abcdef0123"
    with client_for(db_url, auth=auth.parse(f"token:{token}")) as client:
        assert client.get("/api/home").status_code == 401
        assert client.get("/static/style.css").status_code == 401
        assert client.get("/api/home", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
        assert client.get("/api/home", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# --- degrading gracefully on columns and tables of other features ----------------------------------


def test_sources_show_next_poll_once_one_is_scheduled(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    conn.execute("INSERT INTO sources (job, name, kind, url, host) VALUES ('j', 'feed', 'feed', 'https://x/f', 'x')")
    conn.commit()
    assert "next poll</th>" not in client.get("/sources").text
    conn.execute("UPDATE sources SET next_poll_at = '2030-01-02 03:04:00+00'")
    conn.commit()
    page = client.get("/sources").text
    assert "next poll</th>" in page and "2030-01-02 03:04 UTC" in page


def test_article_shows_its_appearances(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    client, conn = seeded
    article_id = webdata.add_article(conn, "Maduro", "Text. " * 20)
    conn.execute("INSERT INTO article_appearances (article_id, url, host, outlet, title)"
                 " VALUES (%s, 'https://copy.example/x', 'copy.example', 'The Copy', 'Maduro (copy)')", (article_id,))
    conn.commit()
    page = client.get(f"/articles/{article_id}").text
    assert "Appearances" in page and "The Copy" in page and "https://copy.example/x" in page


def test_article_page_works_without_the_appearances_table(seeded: tuple[TestClient, psycopg.Connection]) -> None:
    """Graceful degrade: a schema without article_appearances (0012) still shows the article."""
    client, conn = seeded
    article_id = webdata.add_article(conn, "Maduro", "Text. " * 20)
    conn.execute("DROP TABLE article_appearances CASCADE")
    conn.commit()
    response = client.get(f"/articles/{article_id}")
    assert response.status_code == 200 and "Appearances" not in response.text


def test_the_reader_can_search_within_a_topic_and_a_job(db_url: str) -> None:
    """Migration 0015: mm_scope no longer needs the private crawl_seen table for the reader."""
    from crawler.analyst import search

    with psycopg.connect(db_url) as owner:
        tagged = webdata.add_article(owner, "Maduro", "Text about Maduro. " * 5, topics=("venezuela",))
        seen = webdata.add_article(owner, "Maduro seen", "Text about Maduro. " * 5)
        owner.execute("INSERT INTO crawl_seen (job, url, outcome, article_id) VALUES ('seen-job', 'u', 'stored', %s)",
                      (seen,))
        owner.execute("INSERT INTO crawl_runs (job, status) VALUES ('seen-job', 'succeeded')")
        owner.commit()
    with psycopg.connect(db_url, autocommit=True) as conn:
        web_app.configure_reader(conn)
        for topic, job, expected in (("venezuela", None, {tagged}), (None, "watch", {tagged}),
                                     (None, "seen-job", {seen}), ("venezuela", "watch", {tagged})):
            hits = search.search(conn, search.SearchRequest("maduro", topic=topic, job=job))
            assert {h.article_id for h in hits} == expected, (topic, job)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM crawl_seen")


def test_compose_publishes_the_web_view_on_host_loopback_only() -> None:
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    web = compose[compose.index("\n  web:\n"):compose.index("\nvolumes:")]
    assert '"127.0.0.1:8080:8080"' in web
    assert 'command: ["web", "--host", "0.0.0.0"' in web and "MEDIAMON_WEB_AUTH:" in web
    assert "basic:" not in web.split("MEDIAMON_WEB_AUTH:", 1)[1].splitlines()[0]  # no default password


def test_search_ranks_only_the_newest_candidates_when_bounded(db_url: str) -> None:
    """SearchRequest.candidates: the web view ranks the newest N matches; None (the CLI) ranks them all."""
    from crawler.analyst import search

    with psycopg.connect(db_url) as conn:
        best_but_old = webdata.add_article(conn, "Maduro Maduro", "Maduro. " * 20, published_at=NOW - timedelta(days=9))
        newer = [webdata.add_article(conn, f"Oil {i}", "Maduro spoke. " * 5, published_at=NOW - timedelta(days=i))
                 for i in range(3)]
        everything = [h.article_id for h in search.search(conn, search.SearchRequest("maduro"))]
        bounded = [h.article_id for h in search.search(conn, search.SearchRequest("maduro", candidates=3))]
    assert everything[0] == best_but_old and set(everything) == {best_but_old, *newer}
    assert set(bounded) == set(newer)


def test_mediamon_web_serves_and_stops_cleanly_on_sigterm(db_url: str) -> None:
    """The real command: it answers, and SIGTERM ends it with exit 0 (so exit handlers, e.g. stopping the
    embedded PostgreSQL, run: uvicorn alone would re-raise the signal and kill the process)."""
    import signal
    import socket
    import time

    import httpx2

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "DATABASE_URL": db_url}
    with subprocess.Popen([sys.executable, "-m", "crawler.cli", "web", "--port", str(port)], env=env, cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    response = httpx2.get(f"http://127.0.0.1:{port}/", timeout=5)
                    break
                except httpx2.TransportError:
                    assert proc.poll() is None and time.monotonic() < deadline, "mediamon web did not start"
                    time.sleep(0.2)
            assert response.status_code == 200 and "Topics" in response.text
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
