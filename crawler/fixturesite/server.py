"""Serve the fixture sites on loopback addresses in background threads, counting every request."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from crawler.fixturesite import catalog
from crawler.fixturesite.catalog import Bases, Response
from crawler.fixturesite.manifest import Manifest

logger = logging.getLogger(__name__)

# One loopback address per host, so "another domain" is a real different host without DNS.
HOSTS = {"a": "127.0.0.1", "b": "127.0.0.2", "offsite": "127.0.0.3"}


class _Server(ThreadingHTTPServer):
    """One host: its routes, a fallback response and its request counters."""

    daemon_threads = True
    block_on_close = False  # a slow-page thread must not hold up stop()

    def __init__(self, address: str) -> None:
        super().__init__((address, 0), _Handler)
        self.routes: dict[str, Response] = {}
        self.fallback = Response(404, "text/plain", b"not found")
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    """Answers GET/HEAD from the pre-rendered routes; never computes a body per request."""

    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy uses it
    server_version = "FixtureNews/1.0"
    disable_nagle_algorithm = True  # small responses go out at once
    timeout = 30  # an idle keep-alive connection frees its thread after this long
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        path = urlsplit(self.path).path or "/"
        with self.server.lock:
            self.server.counts[self.path] += 1
        response = self.server.routes.get(path, self.server.fallback)
        if response.delay and self.server.stopping.wait(response.delay):
            self.close_connection = True
            return
        head = [f"{self.protocol_version} {response.status} {self.responses.get(response.status, ('',))[0]}"]
        head += [f"Server: {self.version_string()}", f"Date: {self.date_time_string()}"]
        head += [f"Content-Type: {response.content_type}", f"Content-Length: {len(response.body)}"]
        head += [f"{name}: {value}" for name, value in response.headers]
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        try:
            # One write per response: headers and body in separate segments cost a round trip each.
            self.wfile.write(data + response.body if send_body else data)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its timeout on the slow page): nothing left to do.
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        logger.debug("fixture %s %s", self.server.base, format % args)


class Sites:
    """The running fixture hosts: base URLs, request counters and the manifest."""

    def __init__(self, servers: dict[str, _Server], manifest: Manifest) -> None:
        self._servers = servers
        self._threads: list[threading.Thread] = []
        self.manifest = manifest
        self.a = servers["a"].base
        self.b = servers["b"].base
        self.offsite = servers["offsite"].base

    def _start(self) -> None:
        for key, server in self._servers.items():
            thread = threading.Thread(target=server.serve_forever, name=f"fixturesite-{key}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _server(self, host: str) -> _Server:
        for key, server in self._servers.items():
            if host in (key, server.base, server.base + "/"):
                return server
        raise KeyError(f"unknown fixture host {host!r}: use 'a', 'b', 'offsite' or a base URL")

    def requests(self, host: str, *, with_query: bool = False) -> dict[str, int]:
        """How many times each path of `host` ("a", "b", "offsite" or its base URL) was requested.

        Paths ignore the query string (utm variants add up) unless `with_query`.
        """
        server = self._server(host)
        with server.lock:
            raw = dict(server.counts)
        if with_query:
            return raw
        counts: Counter[str] = Counter()
        for target, n in raw.items():
            counts[urlsplit(target).path or "/"] += n
        return dict(counts)

    def total_requests(self, host: str) -> int:
        """All requests `host` received."""
        return sum(self.requests(host).values())

    def reset_counts(self) -> None:
        """Forget every request counted so far (e.g. between a first and a second crawl)."""
        for server in self._servers.values():
            with server.lock:
                server.counts.clear()

    def stop(self) -> None:
        """Stop all hosts; pending slow answers are abandoned."""
        for server in self._servers.values():
            server.stopping.set()
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> Sites:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def start_sites(
    *,
    extra_articles: int = 0,
    slow_seconds: float = 5.0,
    crawl_delay: float = 0.0,
    now: datetime | None = None,
) -> Sites:
    """Start site A (127.0.0.1), site B (127.0.0.2) and the offsite host (127.0.0.3) on ephemeral ports.

    Every date is relative to `now` (default: the current time); `extra_articles` adds that many
    generated pages listed in /bench-sitemap.xml on site A.
    """
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    servers = {key: _Server(address) for key, address in HOSTS.items()}
    try:
        bases = Bases(a=servers["a"].base, b=servers["b"].base, offsite=servers["offsite"].base)
        built = catalog.build(
            bases, moment, slow_seconds=slow_seconds, crawl_delay=crawl_delay, extra_articles=extra_articles
        )
    except BaseException:
        for server in servers.values():
            server.server_close()
        raise
    for key, server in servers.items():
        server.routes = built.routes[key]
        server.fallback = built.fallback[key]
    sites = Sites(servers, built.manifest)
    sites._start()
    logger.info("fixture sites up", extra={"a": sites.a, "b": sites.b, "offsite": sites.offsite})
    return sites
