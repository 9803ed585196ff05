"""A generated multi-host news farm for scale-out tests and benches: N hosts on 127.0.0.x, each with
RSS feeds of generated articles, and a server-side request log (time, path) per host.

Each article is linked from exactly one feed. Bodies are pre-rendered (nothing is computed per request),
or taken from `pages` (e.g. the Zyte corpus) so that extraction sees realistic sizes.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crawler.fixturesite import bench, render, server
from crawler.fixturesite.catalog import Response
from crawler.fixturesite.render import ArticleView, Site

#: first loopback address of the farm's hosts (127.0.0.11, .12, ...): apart from the fixture site's .1-.3
FIRST_ADDRESS = 11
ROBOTS = b"User-agent: *\nAllow: /\n"


class _LogHandler(server._Handler):
    server: _LogServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        with self.server.lock:
            self.server.arrivals.append((time.monotonic(), self.path))
        super().do_GET()


class _LogServer(server._Server):
    """A fixture host that also logs (monotonic time, path) of every request, as received (`arrivals`;
    the base server's own `log` holds what it answered)."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.RequestHandlerClass = _LogHandler
        self.arrivals: list[tuple[float, str]] = []


@dataclass
class Farm:
    servers: list[_LogServer]
    articles: dict[str, list[str]]  # base URL -> article paths
    feeds: dict[str, list[str]]  # base URL -> feed paths
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def bases(self) -> list[str]:
        return [s.base for s in self.servers]

    def article_urls(self) -> set[str]:
        return {base + path for base, paths in self.articles.items() for path in paths}

    def log(self, base: str) -> list[tuple[float, str]]:
        s = next(s for s in self.servers if s.base == base)
        with s.lock:
            return list(s.arrivals)

    def article_requests(self) -> Counter[str]:
        """How often each article URL was requested (feeds and robots.txt left out)."""
        counts: Counter[str] = Counter()
        for s in self.servers:
            paths = set(self.articles[s.base])
            for _t, path in self.log(s.base):
                if path in paths:
                    counts[s.base + path] += 1
        return counts

    def min_gaps(self) -> dict[str, float]:
        """Per host, the smallest time between two consecutive requests the server received."""
        out = {}
        for s in self.servers:
            times = sorted(t for t, _ in self.log(s.base))
            gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
            out[s.base] = min(gaps) if gaps else float("inf")
        return out

    def close_pairs(self, below: float) -> list[tuple[str, float, str, str]]:
        """(host, gap, path, next path) of consecutive requests to one host closer than `below` seconds."""
        out = []
        for s in self.servers:
            log = sorted(self.log(s.base))
            out += [(s.base, b - a, pa, pb) for (a, pa), (b, pb) in zip(log, log[1:], strict=False) if b - a < below]
        return out

    def job_toml(self, *, name: str = "farm", delay: float = 0.1, concurrency: int = 2) -> str:
        lines = [f'name = "{name}"', "", "[limits]", "max_articles_per_run = 100000", "max_age_days = 30",
                 f"concurrency_per_host = {concurrency}", f"delay_seconds = {delay}", "timeout_seconds = 20",
                 "store_off_topic = true", "", "[[topics]]", 'name = "farm"', "[topics.terms]",
                 'en = ["Cuba", "Venezuela", "Havana", "Caracas"]', ""]
        for base, feeds in self.feeds.items():
            for path in feeds:
                slug = (base.split("//")[1] + path).replace(".", "-").replace(":", "-").replace("/", "-")
                lines += ["[[sources]]", f'name = "{slug.strip("-")}"', 'kind = "feed"', f'url = "{base}{path}"',
                          'language = "en"', ""]
        return "\n".join(lines)

    def stop(self) -> None:
        for s in self.servers:
            s.stopping.set()
            s.shutdown()
            s.server_close()
        for t in self.threads:
            t.join(timeout=5)


def _site(key: str, base: str) -> Site:
    return Site(key=key, name=f"Farm {key}", base=base, nav=(("Home", "/"),), tz=UTC, logo="")


def start_farm(*, hosts: int = 5, feeds_per_host: int = 10, articles_per_feed: int = 40, words: int = 250,
               pages: Sequence[bytes] = (), now: datetime | None = None) -> Farm:
    """Start the farm on 127.0.0.11... (ephemeral ports). `pages`: serve these bodies as the articles,
    in turn, instead of generated ones (the feeds still carry distinct titles and dates)."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    servers = [_LogServer(f"127.0.0.{FIRST_ADDRESS + h}") for h in range(hosts)]
    articles: dict[str, list[str]] = {}
    feeds: dict[str, list[str]] = {}
    n = 0
    for h, srv in enumerate(servers):
        site = _site(f"h{h}", srv.base)
        routes: dict[str, Response] = {"/robots.txt": Response(200, "text/plain", ROBOTS)}
        articles[srv.base], feeds[srv.base] = [], []
        for f in range(feeds_per_host):
            items = []
            for _ in range(articles_per_feed):
                path = f"/news/h{h}/a{n:05d}.html"
                when = moment - timedelta(minutes=5 + n % 2000)
                title = f"Farm report {n}: Cuba and Venezuela"
                if pages:
                    body = pages[n % len(pages)]
                else:
                    rng = random.Random(n)
                    paras = bench._paragraphs(rng, "cuba" if n % 2 else "venezuela", words)
                    view = ArticleView(title=title, dek=paras[0][:120], author="Farm desk", section="News", lang="en",
                                       canonical=srv.base + path, paragraphs=paras, published=when,
                                       date_in_html="both")
                    body = render.article_html(view, site, moment).encode("utf-8")
                # served pages keep their own <meta charset>: no charset in the header
                routes[path] = Response(200, "text/html" if pages else "text/html; charset=utf-8", body)
                items.append((title, srv.base + path, "", when))
                articles[srv.base].append(path)
                n += 1
            feed = f"/feeds/f{f}.xml"
            text = render.rss(title=f"Farm {h} feed {f}", link=srv.base + "/", items=tuple(items))
            routes[feed] = Response(200, "application/rss+xml", text.encode("utf-8"))
            feeds[srv.base].append(feed)
        srv.routes = routes
    farm = Farm(servers, articles, feeds)
    for srv in servers:
        t = threading.Thread(target=srv.serve_forever, name=f"farm-{srv.base}", daemon=True)
        t.start()
        farm.threads.append(t)
    return farm
