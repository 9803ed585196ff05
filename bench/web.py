"""Web view latency on 100,000 synthetic articles: topic overview, search and story pages (p50/p95).

    .venv/bin/python bench/web.py [--articles 100000] [--requests 40] [--keep] [--explain]

Builds a scratch database (DATABASE_URL's server, else 127.0.0.1:5432) with synthetic articles over
180 days (420-word bodies): 50 outlets, English and Spanish, topics (cuba ~35 %, venezuela ~35 %, oil ~4 %), stories
of 1-8 copies, exact-copy aliases, revisions. Then it starts `mediamon web` as a separate process
and requests each page kind over HTTP on loopback, one request at a time, timing each response
end to end. Target: p95 < 200 ms per page kind. --explain prints the plans of the main queries.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
import psycopg
from psycopg.conninfo import make_conninfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.analyst import search as search_mod  # noqa: E402
from crawler.store import migrate, sqlfiles  # noqa: E402
from crawler.web import app as web_app  # noqa: E402

ADMIN_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SCRATCH = "mediamon_bench_web"
NOW = datetime.now(UTC).replace(microsecond=0)
DAYS = 180
HOSTS = [f"outlet{i:02d}.example" for i in range(50)]
TOPIC_WORDS = {
    "cuba": ["Cuba", "Havana", "Díaz-Canel", "cubano", "blackout"],
    "venezuela": ["Venezuela", "Maduro", "Caracas", "PDVSA", "venezolano"],
}
OIL_WORDS = ["oil", "petróleo", "crude", "barrels", "exports"]
BODY_WORDS = 420  # words per body: a typical news article (the median Zyte benchmark body is ~530)


def vocabulary(rng: random.Random, size: int = 6000) -> tuple[list[str], list[float]]:
    """Made-up words with Zipf-like frequencies (a few very common, most rare), as real text has."""
    letters = "abcdefghilmnoprstuv"
    words = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(size)})
    weights = [1 / (rank + 1) for rank in range(len(words))]
    rng.shuffle(words)
    return words, weights


def build(conn: psycopg.Connection, n: int, seed: int = 14) -> None:
    """COPY n synthetic articles with stories, topics, aliases and revisions (the search trigger fills tsvectors)."""
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    t0 = time.perf_counter()
    stories: list[tuple[int, int, datetime, str, str]] = []  # story id, first article, first time, host, title
    members: dict[int, int] = {}
    topics_rows, alias_rows, revision_rows = [], [], []
    article_rows = []
    # generate everything first: stories must exist before the articles that point at them
    for i in range(1, n + 1):
        # published in order of id over DAYS days (a crawl stores roughly in time order), with jitter
        when = NOW - timedelta(days=DAYS) + timedelta(seconds=DAYS * 86400 * i / n + rng.uniform(-3600, 0))
        host = HOSTS[int(rng.paretovariate(1.2)) % len(HOSTS)]
        body = rng.choices(words, weights, k=BODY_WORDS)
        roll = rng.random()
        tags = ["cuba"] if roll < 0.35 else ["venezuela"] if roll < 0.70 else []
        if rng.random() < 0.04:
            tags.append("oil")
        for tag in tags:
            pool = TOPIC_WORDS.get(tag, OIL_WORDS)
            for _ in range(4):
                body.insert(rng.randrange(len(body)), rng.choice(pool))
        title_words = rng.choices(words, weights, k=7)
        if tags:
            title_words.insert(0, rng.choice(TOPIC_WORDS.get(tags[0], OIL_WORDS)))
        title = " ".join(title_words).capitalize()
        # 30 % join one of the last 40 stories (syndicated copies), the rest start their own
        if stories and rng.random() < 0.3:
            story = stories[-rng.randint(1, min(40, len(stories)))]
            story_id = story[0]
            title = story[4] if rng.random() < 0.5 else title
        else:
            story_id = len(stories) + 1
            stories.append((story_id, i, when, host, title))
        members[story_id] = members.get(story_id, 0) + 1
        text = "\n\n".join(" ".join(body[k:k + 55]) + "." for k in range(0, len(body), 55))
        article_rows.append((i, f"https://{host}/news/{i}", host, title, text, when, "jsonld",
                             "es" if rng.random() < 0.4 else "en", " ".join(body[:20]), f"h{i}",
                             when + timedelta(minutes=20), when + timedelta(minutes=20),
                             when + timedelta(minutes=20), story_id))
        topics_rows += [(i, "watch", tag, [TOPIC_WORDS.get(tag, OIL_WORDS)[0]], 3.0, ["title", "body"])
                        for tag in tags]
        if rng.random() < 0.10:
            other = rng.choice(HOSTS)
            alias_rows.append((f"https://{other}/copy/{i}", i, other, "same_content", when + timedelta(hours=2)))
        if rng.random() < 0.02:
            revision_rows.append((i, title, text.replace(".", " earlier.", 1), f"r{i}",
                                  when + timedelta(minutes=20), when + timedelta(hours=3), 8))
    with conn.cursor() as cur:
        with cur.copy("COPY stories (id, title, first_published_at, first_host, member_count,"
                      " created_at, updated_at) FROM STDIN") as cp:
            for story_id, _first, when, host, title in stories:
                cp.write_row((story_id, title, when, host, members[story_id], when, when))
        with cur.copy(
            "COPY articles (id, canonical_url, host, title, text, published_at, date_source, language, description,"
            " content_hash, first_seen_at, last_seen_at, fetched_at, story_id) FROM STDIN"
        ) as cp:
            for row in article_rows:
                cp.write_row(row)
        print(f"   articles: {n} in {time.perf_counter() - t0:.0f} s (tsvector trigger included)")
        with cur.copy("COPY article_urls (url, article_id, host, via, first_seen_at) FROM STDIN") as cp:
            for row in alias_rows:
                cp.write_row(row)
        cur.execute("INSERT INTO article_urls (url, article_id, host, via, first_seen_at)"
                    " SELECT canonical_url, id, host, 'canonical', first_seen_at FROM articles")
        with cur.copy("COPY article_topics (article_id, job, topic, terms, score, matched_in) FROM STDIN") as cp:
            for row in topics_rows:
                cp.write_row(row)
        with cur.copy("COPY article_revisions (article_id, title, text, content_hash, fetched_at, replaced_at,"
                      " diff_chars) FROM STDIN") as cp:
            for row in revision_rows:
                cp.write_row(row)
        cur.execute("UPDATE stories s SET first_article_id = f.first"
                    " FROM unnest(%s::bigint[], %s::bigint[]) f(id, first)"
                    " WHERE s.id = f.id", ([st[0] for st in stories], [st[1] for st in stories]))
        cur.execute("SELECT setval('articles_id_seq', %s), setval('stories_id_seq', %s)", (n, len(stories)))
        cur.execute("INSERT INTO crawl_runs (job, status, started_at, finished_at, stored) VALUES"
                    " ('watch', 'succeeded', now() - interval '1 hour', now(), %s)", (n,))
    conn.commit()
    print(f"   stories: {len(stories)}, multi-copy {sum(1 for c in members.values() if c > 1)}, "
          f"aliases {len(alias_rows)}, revisions {len(revision_rows)}, tags {len(topics_rows)}; "
          f"{time.perf_counter() - t0:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure(client: httpx.Client, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
    return times


def workloads(conn: psycopg.Connection, requests: int, rng: random.Random) -> dict[str, list[str]]:
    multi = [r[0] for r in conn.execute("SELECT id FROM stories WHERE member_count > 1 ORDER BY random() LIMIT 500")]
    single = [r[0] for r in conn.execute("SELECT id FROM stories WHERE member_count = 1 ORDER BY random() LIMIT 500")]
    biggest = [r[0] for r in conn.execute("SELECT id FROM stories ORDER BY member_count DESC LIMIT 5")]
    articles = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY random() LIMIT 500")]
    searches = ["/search?q=maduro", "/search?q=havana+blackout", "/search?q=%22pdvsa%22+-cuba",
                "/search?q=caracas&lang=es", "/search?q=oil&topic=venezuela", "/search?q=maduro&page=3",
                "/search?q=cuba+OR+venezuela", "/search?q=maduro&from=" + (NOW - timedelta(days=7)).date().isoformat(),
                "/search?q=maduro&outlet=outlet01.example", "/search?q=crude+exports&one=1"]
    topics = ["/topics/cuba", "/topics/venezuela", "/topics/oil"]
    return {
        "topic overview": [topics[i % len(topics)] for i in range(requests)],
        "search": [searches[i % len(searches)] for i in range(requests)],
        "story": [f"/stories/{rng.choice(multi if i % 2 else single)}" for i in range(requests - 5)]
        + [f"/stories/{s}" for s in biggest],
        "article": [f"/articles/{rng.choice(articles)}" for i in range(requests)],
        "home": ["/"] * max(5, requests // 4),
        "atom feed": ["/topics/cuba.atom"] * max(5, requests // 4),
    }


def explain(url: str) -> None:
    """EXPLAIN ANALYZE of the main queries as the reader, with the parameters of a typical request."""
    q = sqlfiles.load_queries("web")
    since = NOW - timedelta(days=29)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(q["reader_session"])
        for name, params in (
            ("topic_window", {"topic": "cuba", "since": since, "until": NOW + timedelta(days=1)}),
            ("topic_stories", {"topic": "cuba", "limit": 25}),
            ("topics", {"since": since}),
            ("story_members", {"story_id": 1, "limit": 500}),
        ):
            print(f"\n-- {name}")
            for (line,) in conn.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + q[name], params):
                print("   " + line)
        parsed = search_mod.parse("maduro")
        programs = {**search_mod.program(parsed.root).params(), **search_mod.program(parsed.positive()).params("rank_")}
        search_params = {**programs, "language": None, "since": None, "until": None, "topic": None,
                         "job": None, "host": None, "limit": 21, "offset": 0, "candidates": web_app.SEARCH_CANDIDATES,
                         "headline": search_mod.HEADLINE_OPTIONS, "one_per_story": False}
        print("\n-- search (sql/queries/analyst.sql) for 'maduro', as the web view runs it")
        statement = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sqlfiles.load_queries("analyst")["search"]
        for (line,) in conn.execute(statement, search_params):
            print("   " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="requests per page kind")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the scratch database")
    parser.add_argument("--explain", action="store_true", help="print the plans of the main queries")
    args = parser.parse_args()
    url = make_conninfo(ADMIN_URL, dbname=SCRATCH)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (SCRATCH,)).fetchone()
        if exists and not args.keep:
            admin.execute(f"DROP DATABASE {SCRATCH} WITH (FORCE)")
        if not exists or not args.keep:
            admin.execute(f"CREATE DATABASE {SCRATCH}")
    try:
        with psycopg.connect(url) as conn:
            migrate.migrate(conn)
            if conn.execute("SELECT count(*) FROM articles").fetchone() == (0,):
                print(f"building {args.articles} synthetic articles ...")
                build(conn, args.articles)
                conn.autocommit = True
                conn.execute("VACUUM ANALYZE")
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            loads = workloads(conn, args.requests, random.Random(3))
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "MEDIAMON_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen([sys.executable, "-m", "crawler.cli", "web", "--port", str(port)], env=env,
                                  cwd=REPO, stdout=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        client.get("/healthz")
                        break
                    except httpx.TransportError:
                        if time.monotonic() > deadline or server.poll() is not None:
                            raise SystemExit("mediamon web did not start") from None
                        time.sleep(0.2)
                for paths in loads.values():  # warm-up: one pass of each distinct URL kind
                    measure(client, paths[:5])
                print(f"\n{args.articles} articles, PostgreSQL {version}, {args.requests} requests per page kind "
                      "(sequential, over HTTP on loopback)")
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                print(f"load average before: {load} on {os.cpu_count()} cores (shared machine: compare with care)")
                print(f"{'page':<16}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  target p95 < 200 ms")
                for kind, paths in loads.items():
                    times = measure(client, paths)
                    p95 = percentile(times, 0.95)
                    print(f"{kind:<16}{len(times):>5}{statistics.median(times):>9.1f}{p95:>9.1f}{max(times):>9.1f}  "
                          f"{'met' if p95 < 200 else 'NOT met'}")
            print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        finally:
            server.terminate()
            server.wait(timeout=30)
        if args.explain:
            explain(url)
    finally:
        if not args.keep:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


if __name__ == "__main__":
    main()
