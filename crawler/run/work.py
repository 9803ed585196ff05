"""The per-page work done in the extraction process pool: extract -> topics -> dedup keys.

Pure (no I/O): takes the fetched bytes and returns a Page to store or an Outcome saying why not.
The compiled topic matcher is installed once per worker process by `init_worker`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawler import models, outcomes
from crawler.extract import extract
from crawler.fetch import urls
from crawler.match import topics
from crawler.store import dedup


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs from the job, sent once per process."""

    matcher: object  # topics.Matcher
    store_off_topic: bool
    min_text_chars: int
    max_page_bytes: int


_config: WorkerConfig | None = None


def init_worker(config: WorkerConfig) -> None:
    """Process-pool initializer."""
    global _config
    _config = config


@dataclass(frozen=True)
class Fetched:
    """A fetched article page and what we knew about it before fetching."""

    body: bytes
    url: str  # final response URL
    content_type: str | None
    hints: models.Hints
    aliases: tuple[tuple[str, str], ...]  # (canonicalised url, via) for requested / redirect / discovered
    source_id: int | None
    now: datetime


def process_page(page: Fetched, config: WorkerConfig | None = None) -> models.Page | models.Ended:
    """Turn one fetched page into a Page to store, or an Outcome with the reason it is not stored."""
    cfg = config or _config
    if cfg is None:
        raise RuntimeError("work.init_worker was not called in this process")
    alias_urls = tuple(dict.fromkeys(u for u, _ in page.aliases))
    result = extract.extract_article(
        page.body, page.url, content_type=page.content_type, hints=page.hints, now=page.now,
        max_bytes=cfg.max_page_bytes,
    )
    if isinstance(result, models.Rejected):
        return models.Ended(alias_urls, result.reason, result.detail)
    article = result
    if len(article.text) < cfg.min_text_chars:
        return models.Ended(alias_urls, outcomes.NOT_ARTICLE, f"text has {len(article.text)} characters")
    matches = topics.match(cfg.matcher, title=article.title, text=article.text, language=article.language)
    if not matches and not cfg.store_off_topic:
        return models.Ended(alias_urls, outcomes.OFF_TOPIC, "")
    canonical = urls.choose_canonical(page.url, article.canonical_url)
    return models.Page(
        article=article,
        canonical_url=canonical,
        urls=page.aliases,
        content_hash=dedup.content_hash(article.text),
        topics=tuple(matches),
        signature=dedup.signature(article.title, article.text),
        source_id=page.source_id,
    )
