"""Job files (TOML text) that crawl the running fixture sites; schema as in docs/example-job.toml."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.fixturesite.server import Sites

# Searched in each link's absolute URL: /en|es/<section>/<slug> (the PDF path matches too, on purpose).
ARTICLE_PATTERN = r"/(?:en|es)/[a-z-]+/[a-z0-9][a-z0-9.-]*"

TOPICS = """
[[topics]]
name = "cuba"
exclude = ["Cuba Gooding"]
[topics.terms]
en = ["Cuba", "Cuban*", "Havana", "Díaz-Canel"]
es = ["Cuba", "cubano*", "cubana*", "La Habana", "Díaz-Canel"]

[[topics]]
name = "venezuela"
[topics.terms]
en = ["Venezuela", "Venezuelan*", "Maduro", "PDVSA", "Caracas"]
es = ["Venezuela", "venezolan*", "Maduro", "PDVSA", "Caracas", "chavismo"]
"""


def _host(base: str) -> str:
    return base.split("://", 1)[1].split(":", 1)[0]


def _q(value: str) -> str:
    """A TOML basic string (JSON string syntax is valid TOML for these values)."""
    return json.dumps(value, ensure_ascii=False)


def _source(name: str, kind: str, url: str, *, language: str | None = None, domains: tuple[str, ...] = (),
            patterns: tuple[str, ...] = ()) -> str:
    lines = ["[[sources]]", f"name = {_q(name)}", f"kind = {_q(kind)}", f"url = {_q(url)}"]
    if language:
        lines.append(f"language = {_q(language)}")
    if domains:
        lines.append("allowed_domains = [" + ", ".join(_q(d) for d in domains) + "]")
    if patterns:
        # TOML literal strings: regex backslashes stay as written.
        lines.append("article_patterns = [" + ", ".join(f"'{p}'" for p in patterns) + "]")
    return "\n".join(lines) + "\n"


def job_toml(sites: Sites, *, name: str = "fixture-news") -> str:
    """The job file for crawling the fixture sites: feeds, sitemap index, listing, partner feed."""
    a, b = sites.a, sites.b
    host_a = (_host(a),)
    sources = [
        _source("gazette-rss", "feed", f"{a}/feed.rss", language="en", domains=host_a),
        _source("gazette-atom", "feed", f"{a}/atom.xml", language="es", domains=host_a),
        _source("gazette-breaking", "feed", f"{a}/broken.rss", language="en", domains=host_a),
        _source("gazette-sitemap", "sitemap", f"{a}/sitemap.xml", domains=host_a),
        _source("gazette-latest", "listing", f"{a}/en/latest", domains=host_a, patterns=(ARTICLE_PATTERN,)),
        _source("caribe-feed", "feed", f"{b}/feed.xml", domains=(_host(b),)),
    ]
    return f"""# Job for the bundled fixture news sites (crawler.fixturesite), served on loopback.
name = {_q(name)}
description = "Fixture sites: La Gaceta / The Gazette (site A) and its syndication partner (site B)"

[schedule]
interval = "1h"
timezone = "UTC"

[limits]
max_articles_per_run = 200
max_age_days = 7               # every fixture article is younger, except the 60-day-old one
concurrency_per_host = 4
delay_seconds = 0              # loopback: no politeness delay needed
max_page_bytes = 1_000_000
timeout_seconds = 2            # below the slow page's delay, so it times out
store_off_topic = false
min_text_chars = 400           # the soft-404 page has far less text
{TOPICS}
""" + "\n".join(sources)


def bench_job_toml(sites: Sites, *, name: str = "fixture-bench") -> str:
    """A job that crawls only the generated benchmark pages listed in /bench-sitemap.xml."""
    count = len(sites.manifest.bench)
    return f"""# Benchmark job: the {count} generated pages of the fixture site.
name = {_q(name)}
description = "Throughput benchmark over generated fixture articles"

[limits]
max_articles_per_run = {max(count, 1)}
max_age_days = 7
concurrency_per_host = 16      # the job schema's maximum: loopback can take it
delay_seconds = 0
max_page_bytes = 5_000_000
timeout_seconds = 30
store_off_topic = false
min_text_chars = 400
{TOPICS}
""" + _source("bench-sitemap", "sitemap", f"{sites.a}/bench-sitemap.xml", language="en", domains=(_host(sites.a),))
