"""The per-page work done in the extraction process pool: extract -> topics -> dedup keys.

Pure (no I/O): takes the fetched bytes and returns a Page to store or an Outcome saying why not.
The job's settings (compiled topic matcher, limits) travel with each page as a pickled `WorkerConfig`
keyed by a digest and are unpickled once per worker process (`process_keyed`), so one pool serves the
crawls of every job a process runs (the long-lived crawl process of `mediamon worker`). `init_worker`
bounds the worker (README, "Reliability"):

- the parser gets at most `MAX_PARSE_BYTES` of a page (cut at a tag boundary): parsing costs up
  to a few hundred times its input in memory, so this bounds one page's cost (~200-400 MB);
- after a page over `TRIM_AFTER_BYTES` the worker returns freed memory to the OS (gc + malloc_trim;
  the objects present at start are frozen first, so that collection scans only what the pages left);
- the pool is replaced after `WORKER_MAX_PAGES` pages per worker (slow growth of library caches;
  `crawler.fetch.pagepool`, not `max_tasks_per_child`, which can deadlock: gh-115634);
- `RLIMIT_AS` caps a worker's address space at `WORKER_MEMORY_LIMIT`: a page that still needs more
  fails alone as ``extract_failed`` (MemoryError, or the worker dies and the pool is rebuilt);
- the worker dies with the crawl process (`lifeline.die_with_process`; its parent is the pool's fork
  server, which lives as long as its children do, so the parent's death signal alone is not enough).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import hashlib
import pickle
import resource
import sys
from dataclasses import dataclass
from datetime import datetime

from crawler import models, outcomes
from crawler.extract import extract
from crawler.fetch import urls
from crawler.match import topics
from crawler.store import dedup

#: bytes of a page handed to the HTML parser; the rest is cut off at the last tag before this
MAX_PARSE_BYTES = 1_000_000
#: a page at least this large is followed by returning freed memory to the OS
TRIM_AFTER_BYTES = 500_000
#: pages per worker extracted before the pool is replaced (crawler.fetch.pagepool)
WORKER_MAX_PAGES = 200
#: modules the extraction pool's fork server imports once (crawler.fetch.pagepool): this one and,
#: through it, trafilatura, lxml and htmldate
PRELOAD = ("crawler.run.work",)
#: address-space limit of one extraction worker (RLIMIT_AS, bytes)
WORKER_MEMORY_LIMIT = 2 * 1024**3


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs from the job, sent once per process."""

    matcher: topics.Matcher
    store_off_topic: bool
    min_text_chars: int
    max_page_bytes: int
    memory_limit: int | None = WORKER_MEMORY_LIMIT
    max_parse_bytes: int = MAX_PARSE_BYTES


_config: WorkerConfig | None = None


@dataclass(frozen=True)
class PackedConfig:
    """A WorkerConfig pickled once per crawl, with its digest: what is sent along with each page."""

    key: str
    blob: bytes

    @classmethod
    def of(cls, config: WorkerConfig) -> PackedConfig:
        blob = pickle.dumps(config, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(hashlib.blake2b(blob, digest_size=16).hexdigest(), blob)


#: configs unpickled in this worker, by digest (a worker serves the crawls of several jobs in turn)
_configs: dict[str, WorkerConfig] = {}
#: how many distinct job configs a worker keeps unpickled
CONFIGS_KEPT = 8


def init_worker(config: WorkerConfig | None = None, memory_limit: int | None = WORKER_MEMORY_LIMIT,
                crawl_pid: int | None = None) -> None:
    """Process-pool initializer: bound this worker's memory, die with the crawl process (`crawl_pid`, or
    the parent); `config` installs one job's config for `process_page` (pools that serve one job only,
    and the benches)."""
    global _config
    _config = config
    if config is not None:
        memory_limit = config.memory_limit
    from crawler.run import lifeline

    lifeline.set_death_signal()
    if crawl_pid is not None:  # started by a fork server: the parent is the server, not the crawl
        lifeline.die_with_process(crawl_pid)
    # the imported libraries' objects (~100,000) live for the worker's life: out of the collector's
    # sight, the full collection after a large page (`_trim`) costs ~0 ms instead of ~50 ms
    gc.freeze()
    if memory_limit is not None:
        with contextlib.suppress(ValueError, OSError):
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def cut_for_parser(body: bytes, limit: int) -> bytes:
    """At most `limit` bytes of an HTML page, ending before a ``<`` (so no tag or UTF-8 character is split).

    UTF-16 pages (a BOM, rare) are cut at an even offset instead.
    """
    if len(body) <= limit:
        return body
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return body[: limit - limit % 2]
    cut = body.rfind(b"<", 0, limit)
    return body[: cut if cut > 0 else limit]


def _trim() -> None:
    """Give freed memory back to the OS after a large page (glibc keeps it otherwise)."""
    gc.collect()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


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


def process_keyed(packed: PackedConfig, page: Fetched) -> models.Page | models.Ended:
    """`process_page` with the crawl's config, unpickled on this worker's first page of that crawl."""
    config = _configs.get(packed.key)
    if config is None:
        if len(_configs) >= CONFIGS_KEPT:
            _configs.pop(next(iter(_configs)))
        config = _configs[packed.key] = pickle.loads(packed.blob)  # noqa: S301 - our own pickle, same process tree
    return process_page(page, config)


def process_page(page: Fetched, config: WorkerConfig | None = None) -> models.Page | models.Ended:
    """Turn one fetched page into a Page to store, or an Outcome with the reason it is not stored."""
    cfg = config or _config
    if cfg is None:
        raise RuntimeError("work.init_worker was not called in this process")
    alias_urls = tuple(dict.fromkeys(u for u, _ in page.aliases))
    body = page.body if len(page.body) > cfg.max_page_bytes else cut_for_parser(page.body, cfg.max_parse_bytes)
    try:
        result = extract.extract_article(
            body, page.url, content_type=page.content_type, hints=page.hints, now=page.now,
            max_bytes=cfg.max_page_bytes,
        )
    except MemoryError:
        result = models.Rejected(outcomes.EXTRACT_FAILED, "out of memory (worker limit)")
    finally:
        if len(page.body) >= TRIM_AFTER_BYTES:
            _trim()
    if isinstance(result, models.Rejected):
        return models.Ended(alias_urls, result.reason, result.detail)
    article = result
    # a dense script (Chinese, Japanese, Korean) says as much in fewer characters: its characters count more
    if extract.text_length(article.text) < cfg.min_text_chars:
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
