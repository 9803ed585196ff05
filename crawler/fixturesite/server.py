"""Serve the fixture sites on loopback addresses in background threads, counting every request."""

from __future__ import annotations

import hashlib
import itertools
import logging
import threading
from collections import Counter
from dataclasses import dataclass
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

#: how a host's 200 answers carry validators (ETag, Last-Modified) and answer conditional requests
HONEST = "honest"  # ETag = hash of the body, Last-Modified = when the route last changed; 304 when they match
NONE = "none"  # no validators, never 304
STALE = "stale"  # the first ETag / Last-Modified forever, and 304 to them even after the body changed
UNSTABLE = "unstable"  # a new ETag on every response, never 304
VALIDATOR_MODES = (HONEST, NONE, STALE, UNSTABLE)
_HTTP_DATE = "%a, %d %b %Y %H:%M:%S GMT"


@dataclass(frozen=True)
class Logged:
    """One request as the server saw it."""

    path: str  # with the query string
    status: int
    if_none_match: str | None
    if_modified_since: str | None


class _Server(ThreadingHTTPServer):
    """One host: its routes, a fallback response and its request counters."""

    daemon_threads = True
    block_on_close = False  # a slow-page thread must not hold up stop()

    def __init__(self, address: str) -> None:
        super().__init__((address, 0), _Handler)
        self.routes: dict[str, Response] = {}
        self.fallback = Response(404, "text/plain", b"not found")
        self.counts: Counter[str] = Counter()
        self.log: list[Logged] = []
        self.validators = HONEST
        self.changed: dict[str, datetime] = {}  # path -> when its body last changed (Last-Modified)
        self.started = datetime.now(UTC).replace(microsecond=0)
        self.first: dict[str, tuple[str, str]] = {}  # path -> the first (ETag, Last-Modified) sent (stale mode)
        self.serial = itertools.count(1)
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


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
            extra, not_modified = self._validators(path, response)
            status = 304 if not_modified else response.status
            self.server.log.append(Logged(self.path, status, self.headers.get("If-None-Match"),
                                          self.headers.get("If-Modified-Since")))
        if response.delay and self.server.stopping.wait(response.delay):
            self.close_connection = True
            return
        body = b"" if not_modified else response.body
        head = [f"{self.protocol_version} {status} {self.responses.get(status, ('',))[0]}"]
        head += [f"Server: {self.version_string()}", f"Date: {self.date_time_string()}"]
        if not not_modified:
            head += [f"Content-Type: {response.content_type}"]
        head += [f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in (*response.headers, *extra)]
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        try:
            # One write per response: headers and body in separate segments cost a round trip each.
            self.wfile.write(data + body if send_body else data)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its timeout on the slow page): nothing left to do.
            self.close_connection = True

    def _validators(self, path: str, response: Response) -> tuple[list[tuple[str, str]], bool]:
        """(ETag / Last-Modified headers to send, whether to answer 304) in the host's validator mode."""
        mode = self.server.validators
        if response.status != 200 or mode == NONE:
            return [], False
        modified = self.server.changed.get(path, self.server.started).strftime(_HTTP_DATE)
        etag = '"' + hashlib.sha1(response.body).hexdigest()[:16] + '"'
        if mode == UNSTABLE:
            return [("ETag", f'"v{next(self.server.serial)}"')], False
        if mode == STALE:
            etag, modified = self.server.first.setdefault(path, (etag, modified))
        sent_etag, sent_since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if sent_etag is not None:
            not_modified = etag in [tag.strip() for tag in sent_etag.split(",")]
        else:
            not_modified = sent_since is not None and sent_since == modified
        return [("ETag", etag), ("Last-Modified", modified)], not_modified

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
                server.log.clear()

    def request_log(self, host: str) -> list[Logged]:
        """Every request `host` received since the last reset, in order, with its conditional headers."""
        server = self._server(host)
        with server.lock:
            return list(server.log)

    def set_validators(self, host: str, mode: str) -> None:
        """How `host` sends validators and answers conditional requests (one of VALIDATOR_MODES)."""
        if mode not in VALIDATOR_MODES:
            raise ValueError(f"unknown validator mode {mode!r}")
        server = self._server(host)
        with server.lock:
            server.validators = mode

    def set_route(self, host: str, path: str, response: Response, *, changed: datetime | None = None) -> None:
        """Serve `response` at `path` from now on (a revised article, a feed with a new entry)."""
        server = self._server(host)
        with server.lock:
            server.routes[path] = response
            server.changed[path] = (changed or datetime.now(UTC)).replace(microsecond=0)

    def route(self, host: str, path: str) -> Response:
        """What `host` serves at `path`."""
        server = self._server(host)
        with server.lock:
            return server.routes[path]

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

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
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
