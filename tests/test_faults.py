"""Faults during a crawl (README, "Reliability"): a real TCP proxy (tests/faultproxy.py) between the
real `mediamon crawl` CLI and PostgreSQL cuts, resets and hangs the connections mid-run; process
groups are SIGKILLed. Each case ends in its documented status and exit code, never a traceback, never
two runs of one job at once, and at most one rerun later the database holds what a clean crawl stores.
"""

from __future__ import annotations

import glob
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crawler import config, fixturesite, outcomes
from crawler.run import crawl
from tests.faultproxy import Proxy

PAGES = 60  # paced below: the run lasts ~15 s, the first batch is stored after ~2 s

#: shortened timings (the defaults are documented in the README): a lost database is waited for 15 s,
#: the job lease is 30 s, a stuck call is cut after 2 + 3 s
TIMINGS = {
    "MEDIAMON_DB_CONNECT_TIMEOUT": "2",
    "MEDIAMON_DB_STATEMENT_TIMEOUT": "3",
    "MEDIAMON_DB_OUTAGE_SECONDS": "15",
    "MEDIAMON_LEASE_SECONDS": "30",
}


@pytest.fixture(scope="module")
def sites() -> Iterator[fixturesite.Sites]:
    with fixturesite.start_sites(extra_articles=PAGES, slow_seconds=1.0) as s:
        yield s


def _paced_job(sites: fixturesite.Sites, directory: Path) -> Path:
    """The benchmark job, paced (one request at a time, 0.2 s apart) so the run is surely still going
    when the fault is injected."""
    text = fixturesite.bench_job_toml(sites)
    paced = re.sub(r"(?m)^concurrency_per_host = .*$", "concurrency_per_host = 1", text)
    paced = re.sub(r"(?m)^delay_seconds = .*$", "delay_seconds = 0.2", paced)
    assert "concurrency_per_host = 1\n" in paced and "delay_seconds = 0.2\n" in paced
    path = directory / "paced.toml"
    path.write_text(paced, encoding="utf-8")
    return path


def _unpaced_job(sites: fixturesite.Sites, directory: Path) -> Path:
    """The same job (same name, so the same lease and seen-marks), unpaced: for reruns after a fault."""
    path = directory / "unpaced.toml"
    path.write_text(fixturesite.bench_job_toml(sites), encoding="utf-8")
    return path


def _dbname(db_url: str) -> str:
    return str(conninfo_to_dict(db_url)["dbname"])


def _proxy_for(db_url: str) -> tuple[Proxy, str]:
    """A proxy in front of the test database's server, and the database URL that goes through it."""
    info = conninfo_to_dict(db_url)
    host = str(info.get("host") or "")
    if host.startswith("/"):
        sockets = [s for s in glob.glob(os.path.join(host, ".s.PGSQL.*")) if not s.endswith(".lock")]
        assert len(sockets) == 1, sockets
        target: tuple[str, int] | str = sockets[0]
    else:
        target = (host or "127.0.0.1", int(info.get("port") or 5432))
    proxy = Proxy(target)
    return proxy, make_conninfo(db_url, host="127.0.0.1", port=str(proxy.port))


def _cut_crawler_connections(admin_url: str, db_url: str) -> int:
    """Terminate every mediamon connection to the test database, as a database restart would."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = 'mediamon'",
            (_dbname(db_url),),
        ).fetchall()
    return len(rows)


def _running_counter(db_url: str, name: str = "fetched") -> int:
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT (counters->>%s)::int FROM crawl_runs WHERE status = 'running' ORDER BY id LIMIT 1", (name,)
        ).fetchone()
    return int(row[0]) if row and row[0] else 0


def _wait_mid_run(db_url: str, is_alive: object, counter: str = "fetched") -> None:
    deadline = time.monotonic() + 120
    while _running_counter(db_url, counter) == 0:
        assert callable(is_alive) and is_alive(), "the crawl ended before the fault could be injected"
        assert time.monotonic() < deadline, "the crawl never got going"
        time.sleep(0.1)


def _integrity(db_url: str) -> tuple[int, int, int]:
    """(articles, articles missing aliases or seen-marks, pages marked stored without an article)."""
    with psycopg.connect(db_url) as conn:
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        incomplete = conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_urls u WHERE u.article_id = a.id)"
            " OR NOT EXISTS (SELECT 1 FROM crawl_seen s WHERE s.article_id = a.id)"
        ).fetchone()[0]
        orphan_seen = conn.execute(
            "SELECT count(*) FROM crawl_seen WHERE outcome = %s AND article_id IS NULL", (outcomes.STORED,)
        ).fetchone()[0]
    return int(stored), int(incomplete), int(orphan_seen)


def _runs(db_url: str) -> list[tuple[int, str, str | None, int, int]]:
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT id, status, message, fetched, stored FROM crawl_runs ORDER BY id").fetchall()
    return [(int(r[0]), r[1], r[2], int(r[3]), int(r[4])) for r in rows]


# --- the CLI in a subprocess ---------------------------------------------------------------------


def _env(db_url: str, marker: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMON_")}
    env.update(TIMINGS, DATABASE_URL=db_url, MEDIAMON_WORKERS="2", MEDIAMON_FAULT_TEST=marker or uuid.uuid4().hex)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return env


def _start_cli(job: Path, db_url: str, marker: str = "") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", str(job), "--no-progress"],
        env=_env(db_url, marker), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, as a shell gives a command
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def _crawl(job: Path, db_url: str) -> tuple[int, str, str]:
    return _finish(_start_cli(job, db_url))


def _no_traceback(out: str, err: str) -> None:
    assert "Traceback" not in out + err, err[-3000:]


# --- connection faults ----------------------------------------------------------------------------


def _inject(proxy: Proxy, fault: str) -> None:
    if fault == "cut_10s":
        proxy.cut()
        time.sleep(10)
        proxy.restore()
    elif fault == "resets_3":
        for _ in range(3):
            proxy.reset()
            time.sleep(0.5)
    elif fault == "hang_30s":
        proxy.hang()
        time.sleep(30)
        proxy.restore()
    elif fault == "cut_for_good":
        proxy.cut()
    else:
        raise AssertionError(fault)


#: fault -> (status of the faulted run, exit code of its `mediamon crawl`)
FAULTS = {
    "cut_10s": ("succeeded", 0),  # shorter than the outage window: retried, nothing lost
    "resets_3": ("succeeded", 0),
    "hang_30s": ("failed", 1),  # longer than the outage window: the run stops, bounded
    "cut_for_good": ("failed", 1),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_connection_fault_mid_crawl_ends_in_documented_status(
    fault: str, sites: fixturesite.Sites, db_url: str, tmp_path: Path
) -> None:
    status, code = FAULTS[fault]
    job = _paced_job(sites, tmp_path)
    proxy, via_proxy = _proxy_for(db_url)
    with proxy:
        first = _start_cli(job, via_proxy)
        _wait_mid_run(db_url, lambda: first.poll() is None)
        injector = threading.Thread(target=_inject, args=(proxy, fault))
        injector.start()
        time.sleep(0.5)
        # a second crawl of the job, straight to the database, while the first is alive: skipped
        second_code, second_out, second_err = _crawl(job, db_url)
        assert first.poll() is None, "the faulted run ended before the second crawl could be checked"
        assert second_code == 0 and "skipped" in second_out, second_out + second_err[-2000:]
        injector.join()
        first_code, out, err = _finish(first)
        proxy.restore()
    _no_traceback(out, err)
    assert first_code == code, out + err[-3000:]
    runs = _runs(db_url)
    faulted = runs[0]
    assert [r[1] for r in runs[1:2]] == ["skipped"]
    if status == "succeeded":
        assert faulted[1] == "succeeded", faulted
    else:  # the row says failed, or (database gone at the end too) the next crawl closes it as failed
        assert faulted[1] in ("failed", "running"), faulted
        rerun_code, rerun_out, rerun_err = _crawl(_unpaced_job(sites, tmp_path), db_url)
        _no_traceback(rerun_out, rerun_err)
        assert rerun_code == 0, rerun_out + rerun_err[-3000:]
        faulted = _runs(db_url)[0]
        assert faulted[1] == "failed" and faulted[2], faulted
    stored, incomplete, orphan_seen = _integrity(db_url)
    assert (stored, incomplete, orphan_seen) == (PAGES, 0, 0)  # what a clean crawl stores, each page once


def test_connections_cut_mid_run_lose_nothing(
    sites: fixturesite.Sites, db_url: str, pg_server_url: str, tmp_path: Path
) -> None:
    """Database restarts (server-side terminations) while batches are written: retried, nothing lost."""
    job = _paced_job(sites, tmp_path)
    result: dict[str, crawl.RunSummary] = {}
    settings = config.Settings(workers=2, db_outage_seconds=15)
    runner = threading.Thread(target=lambda: result.setdefault("run", crawl.run_job(job, settings, db_url=db_url)))
    runner.start()
    cuts = 0
    _wait_mid_run(db_url, runner.is_alive)
    for _ in range(3):  # cut while batches are being written
        cuts += _cut_crawler_connections(pg_server_url, db_url)
        time.sleep(0.4)
    runner.join(timeout=180)
    assert not runner.is_alive()
    assert cuts > 0, "the crawl finished before any connection could be cut"
    summary = result["run"]
    assert summary.status == "succeeded", summary.message
    assert _integrity(db_url) == (PAGES, 0, 0)
    assert summary.counters.get(outcomes.STORED) == PAGES
    assert summary.counters.get(outcomes.ERROR_DB, 0) == 0


# --- process death --------------------------------------------------------------------------------


def _processes_with(marker: str) -> list[int]:
    """Pids of live processes whose environment carries `marker` (the CLI and all it started)."""
    found = []
    for environ in glob.glob("/proc/[0-9]*/environ"):
        try:
            data = Path(environ).read_bytes()
        except OSError:
            continue
        if f"MEDIAMON_FAULT_TEST={marker}".encode() in data.split(b"\0"):
            pid = int(environ.split("/")[2])
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":  # a zombie is dead, only not yet reaped
                found.append(pid)
    return found


def test_sigkill_of_the_cli_group_leaves_no_process_and_the_next_crawl_closes_its_row(
    sites: fixturesite.Sites, db_url: str, tmp_path: Path
) -> None:
    job = _paced_job(sites, tmp_path)
    marker = uuid.uuid4().hex
    proc = _start_cli(job, db_url, marker)
    _wait_mid_run(db_url, lambda: proc.poll() is None, counter="stored")
    assert len(_processes_with(marker)) >= 3  # the CLI, the crawl child, its extraction workers
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    deadline = time.monotonic() + 5
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(marker) == []
    killed = _runs(db_url)[0]
    assert killed[1] == "running" and killed[4] > 0  # counters written as the run went
    code, out, err = _crawl(_unpaced_job(sites, tmp_path), db_url)  # at once: the lease's holder is provably dead
    _no_traceback(out, err)
    assert code == 0, out + err[-3000:]
    killed_after, rerun = _runs(db_url)[:2]
    assert killed_after[1] == "failed" and killed_after[2] and killed_after[3] > 0 and killed_after[4] > 0
    assert rerun[1] == "succeeded"
    assert _integrity(db_url) == (PAGES, 0, 0)


# --- bad pages ------------------------------------------------------------------------------------

#: peak resident memory any crawl process may reach on a 20 MB page (README, "Reliability")
WORKER_RSS_CEILING_MB = 512
HUGE_PAGE_BYTES = 20_000_000


def _article(title: str, extra_head: str = "", tail: str = "") -> str:
    paras = "".join(
        f"<p>{title}: Cuba and Venezuela signed clause {i} of a new oil agreement in Havana, officials said, "
        f"extending shipments that began {i + 2} decades ago under earlier governments.</p>\n" for i in range(12))
    return (f"<!DOCTYPE html><html><head><title>{title}</title>{extra_head}"
            f'<meta property="article:published_time" content="{time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}">'
            f"</head><body><article><h1>{title}</h1>{paras}</article>{tail}</body></html>")


class _BadSite:
    """A loopback site whose sitemap lists good pages and bad ones (NUL bytes, a 10 KB canonical, 20 MB)."""

    def __init__(self, *, bad: bool = True) -> None:
        import random
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        rng = random.Random(7)
        self.long_path = "/news/" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10_000))
        filler = ('<div class="comment"><span>reader</span><p>' + "lorem ipsum dolor sit amet " * 8 + "</p></div>\n")
        pages: dict[str, bytes] = {
            "/news/good-one": _article("Havana oil deal one").encode(),
            "/news/good-two": _article("Havana oil deal two").encode(),
            "/news/nul": _article("Havana NUL bytes").replace("<body>", "<body>\x00 \x00 \x00 \x00").encode(),
            "/news/long-canonical": _article(
                "Havana oil deal with a long canonical", f'<link rel="canonical" href="{self.long_path}">').encode(),
            "/news/huge": _article("Havana oil deal in a huge page",
                                   tail=filler * (HUGE_PAGE_BYTES // len(filler))).encode(),
        }
        if not bad:
            pages = {p: body for p, body in pages.items() if p.startswith("/news/good")}
        self.pages = pages
        handler_pages = pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path == "/sitemap.xml":
                    base = f"http://{self.headers['Host']}"
                    locs = "".join(f"<url><loc>{base}{p}</loc></url>" for p in handler_pages)
                    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
                    self._send(200, "application/xml", body.encode())
                elif self.path in handler_pages:
                    self._send(200, "text/html; charset=utf-8", handler_pages[self.path])
                else:
                    self._send(404, "text/plain", b"not found")

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def job(self, directory: Path, *, extra_sources: tuple[str, ...] = ()) -> Path:
        from crawler.fixturesite.jobfile import TOPICS

        host = self.base.split("//", 1)[1]
        path = directory / "badpages.toml"
        extra = "".join(f"""
[[sources]]
name = "extra-{i}"
kind = "sitemap"
url = "{url}"
allowed_domains = ["{host}"]
""" for i, url in enumerate(extra_sources))
        path.write_text(f"""name = "badpages"
[limits]
max_articles_per_run = 100
concurrency_per_host = 4
delay_seconds = 0
max_page_bytes = 25_000_000
min_text_chars = 200
{TOPICS}
[[sources]]
name = "sitemap"
kind = "sitemap"
url = "{self.base}/sitemap.xml"
language = "en"
allowed_domains = ["{host}"]
{extra}""", encoding="utf-8")
        return path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@pytest.fixture(scope="module")
def bad_pages_run(
    module_db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[crawl.RunSummary, dict[int, float]]]:
    """One crawl of the bad site, with the peak RSS of every process it started, sampled from /proc."""
    site = _BadSite()
    job = site.job(tmp_path_factory.mktemp("badpages"))
    peaks: dict[int, float] = {}
    result: dict[str, crawl.RunSummary] = {}
    runner = threading.Thread(target=lambda: result.setdefault(
        "run", crawl.run_job(job, config.Settings(workers=2), db_url=module_db_url)))
    runner.start()
    while runner.is_alive():
        for pid in _descendants(os.getpid()):
            peaks[pid] = max(peaks.get(pid, 0.0), _peak_rss_mb(pid))
        time.sleep(0.05)
    site.close()
    yield result["run"], peaks


def _page_outcome(db_url: str, url_part: str) -> tuple[str, str]:
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT outcome, coalesce(detail, '') FROM crawl_errors WHERE url LIKE %s",
                           (f"%{url_part}%",)).fetchone()
        if row is None:
            row = conn.execute("SELECT outcome, '' FROM crawl_seen WHERE url LIKE %s", (f"%{url_part}%",)).fetchone()
    assert row is not None, url_part
    return str(row[0]), str(row[1])


def test_a_page_with_several_nul_bytes_is_stored(bad_pages_run: tuple[crawl.RunSummary, dict[int, float]],
                                                 module_db_url: str) -> None:
    assert _page_outcome(module_db_url, "/news/nul")[0] == outcomes.STORED


def test_a_10kb_canonical_url_is_stored_whole(bad_pages_run: tuple[crawl.RunSummary, dict[int, float]],
                                             module_db_url: str) -> None:
    summary, _ = bad_pages_run
    assert _page_outcome(module_db_url, "/news/long-canonical")[0] == outcomes.STORED
    with psycopg.connect(module_db_url) as conn:
        (longest,) = conn.execute("SELECT max(length(canonical_url)) FROM articles").fetchone()
    assert longest > 10_000
    assert summary.status == "succeeded"


def test_a_row_the_database_rejects_costs_only_that_row(conn: psycopg.Connection) -> None:
    """A data error (here a CHECK violation) is that row's error_db, recorded with its URL; the rest of
    its batch is stored; the connection stays usable (it is not taken for an outage)."""
    from dataclasses import replace

    from crawler import models
    from crawler.store import store

    def page(n: int, date_source: str = "meta") -> models.Page:
        url = f"http://news.test/a/{n}"
        article = models.Article(url=url, canonical_url=None, title=f"Story {n}", text=f"Text of story {n}. " * 40,
                                 published_at=None, date_source=date_source)
        return models.Page(article=article, canonical_url=url, urls=((url, "fetched"),), content_hash=f"hash{n}",
                           topics=())

    bad = page(2)
    bad = replace(bad, article=replace(bad.article, date_source="not-a-date-source"))
    results = store.save_batch(conn, "job", None, [page(1), bad, page(3)])
    assert [r[1] for r in results] == [outcomes.STORED, outcomes.ERROR_DB, outcomes.STORED]
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
    errors = conn.execute("SELECT url, outcome FROM crawl_errors").fetchall()
    assert errors == [("http://news.test/a/2", outcomes.ERROR_DB)]


def test_a_20mb_page_stays_under_the_memory_ceiling(bad_pages_run: tuple[crawl.RunSummary, dict[int, float]],
                                                    module_db_url: str) -> None:
    summary, peaks = bad_pages_run
    assert summary.counters.get(outcomes.FETCHED) == 5  # the huge page was downloaded whole
    assert len(peaks) >= 3  # the crawl child and its extraction workers were sampled
    assert max(peaks.values()) < WORKER_RSS_CEILING_MB, peaks
    assert _page_outcome(module_db_url, "/news/huge")[0] == outcomes.STORED  # the article is in its first MB


# --- statuses, permanent database errors, the reader role ------------------------------------------


@pytest.fixture
def small_site() -> Iterator[_BadSite]:
    site = _BadSite(bad=False)
    yield site
    site.close()


def test_a_run_where_some_sources_failed_is_partial(small_site: _BadSite, db_url: str, tmp_path: Path) -> None:
    job = small_site.job(tmp_path, extra_sources=(f"{small_site.base}/missing-sitemap.xml",))
    summary = crawl.run_exclusive(job, config.Settings(workers=1), db_url=db_url)
    assert (summary.status, summary.message) == ("partial", "1 of 2 sources failed")
    assert summary.counters.get(outcomes.STORED) == 2


def test_a_run_where_no_source_could_be_read_failed(small_site: _BadSite, db_url: str, tmp_path: Path) -> None:
    small_site.close()  # nothing answers any more
    job = small_site.job(tmp_path)
    summary = crawl.run_exclusive(job, config.Settings(workers=1), db_url=db_url)
    assert (summary.status, summary.message) == ("failed", "no source could be read")


@pytest.mark.parametrize(
    "bad_url",
    ["not a url", "mysql://user@127.0.0.1/mediamon", "postgresql://postgres@127.0.0.1:{port}/no_such_database_xyz",
     "postgresql://no_such_role_xyz@127.0.0.1:{port}/postgres"],
)
def test_a_permanent_database_error_fails_at_once_with_one_line(bad_url: str, pg_server_url: str,
                                                                tmp_path: Path) -> None:
    info = conninfo_to_dict(pg_server_url)
    host = str(info.get("host") or "127.0.0.1")
    port = str(info.get("port") or 5432)
    if host.startswith("/"):  # the embedded server listens on a Unix socket: same server, socket form
        bad_url = bad_url.replace("@127.0.0.1:{port}/", "@/").replace("/postgres", "/postgres?host=" + host)
        bad_url = bad_url.replace("/no_such_database_xyz", "/no_such_database_xyz?host=" + host)
    bad_url = bad_url.replace("{port}", port)
    from crawler.fixturesite.jobfile import TOPICS

    job = tmp_path / "j.toml"
    job.write_text(f'name = "j"\n{TOPICS}\n[[sources]]\nname = "s"\nkind = "feed"\nurl = "http://127.0.0.1:9/feed.xml"\n',
                   encoding="utf-8")
    assert subprocess.run([sys.executable, "-m", "crawler.cli", "validate", str(job)], env=_env("x"),
                          capture_output=True).returncode == 0
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", str(job), "--no-progress"],
                          env=_env(bad_url), capture_output=True, text=True, timeout=60)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("mediamon: "), proc.stderr
    assert "retrying" not in proc.stderr  # not retried as if the server were unreachable


def test_the_reader_role_cannot_block_a_crawl(small_site: _BadSite, db_url: str, tmp_path: Path) -> None:
    job = small_site.job(tmp_path)
    with psycopg.connect(db_url, autocommit=True) as reader:
        reader.execute("SET ROLE mediamon_reader")
        reader.execute("SELECT pg_advisory_lock(%s)", (crawl.lock_key("badpages"),))  # the former job lock
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("INSERT INTO leases (name, token, holder_host, holder_pid, expires_at) "
                           "VALUES ('job:badpages', gen_random_uuid(), 'x', 1, now() + interval '1 day')")
        summary = crawl.run_exclusive(job, config.Settings(workers=1), db_url=db_url)
    assert summary.status == "succeeded"


# --- connection limits ------------------------------------------------------------------------------


def test_every_connection_has_timeouts_and_keepalives(db_url: str) -> None:
    from crawler.store import db

    with db.connect(db_url, timeouts=db.Timeouts(connect=7, statement=42)) as conn:
        options = {o.keyword.decode(): (o.val or b"").decode() for o in conn.pgconn.info}
        (statement_timeout,) = conn.execute("SHOW statement_timeout").fetchone()
    assert options["connect_timeout"] == "7"
    assert (options["keepalives"], options["keepalives_idle"], options["keepalives_interval"],
            options["keepalives_count"]) == ("1", "10", "3", "3")
    assert options["tcp_user_timeout"] == "30000"
    assert statement_timeout == "42s"


def test_a_call_on_a_hung_connection_is_cut_by_the_watchdog(db_url: str) -> None:
    from crawler.store import db

    proxy, via_proxy = _proxy_for(db_url)
    with proxy, db.connect(via_proxy) as conn:
        conn.execute("SELECT 1")
        proxy.hang()  # the peer's TCP stays up, nothing is answered: keepalives cannot see this
        with pytest.raises(db.DatabaseUnavailable), db.watchdog(conn, 1.0):  # without it: blocked for good
            conn.execute("SELECT 1")
        proxy.restore()
