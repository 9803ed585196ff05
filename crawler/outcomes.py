"""The one outcome vocabulary.

Every discovered link and every fetched page ends in exactly one counted outcome. The same names
are Scrapy stats keys (prefixed ``mediamon/``), ``crawl_runs`` counters and Prometheus labels.
"""

from __future__ import annotations

# --- discovery: what happened to a candidate link before any article request
DISCOVERED = "discovered"  # a distinct article link found in a feed / sitemap / listing
SKIPPED_KNOWN = "skipped_known"  # already fetched by this job in an earlier run (checked in PostgreSQL)
SKIPPED_SEEN = "skipped_seen"  # another URL variant of the same article was already requested in this run
SKIPPED_OFFSITE = "skipped_offsite"  # host is not one of the job's sources
SKIPPED_OLD = "skipped_old"  # feed/sitemap date older than the job's max_age
SKIPPED_PATTERN = "skipped_pattern"  # listing link does not match the source's article patterns
SKIPPED_LIMIT = "skipped_limit"  # over the job's max_articles per run
SKIPPED_ROBOTS = "skipped_robots"  # robots.txt forbids it

# --- fetch + extraction
FETCHED = "fetched"  # an article page answered 200 and was handed to extraction
EXTRACTED = "extracted"  # extraction accepted it as an article
NOT_HTML = "not_html"  # PDF, image, other binary
TOO_LARGE = "too_large"
EMPTY = "empty"  # no text at all
NOT_ARTICLE = "not_article"  # listing page, soft 404, too little text
EXTRACT_FAILED = "extract_failed"  # extractor raised / returned nothing usable
BAD_ENCODING = "bad_encoding"

# --- topic + dedup + store
OFF_TOPIC = "off_topic"
STORED = "stored"  # a new article row
DUPLICATE_URL = "duplicate_url"  # the URL (or its canonical) is already an article: alias / refresh
DUPLICATE_CONTENT = "duplicate_content"  # identical normalized text already stored under another URL
UPDATED = "updated"  # a known article re-fetched with changed text (a revision)

# --- errors (counted under errors by kind)
ERROR_HTTP = "error_http"  # 4xx / 5xx, retried on the next run
ERROR_GONE = "error_gone"  # 404 / 410: not fetched again by later runs
ERROR_TIMEOUT = "error_timeout"
ERROR_CONNECTION = "error_connection"  # DNS, refused, reset
ERROR_SOURCE = "error_source"  # a feed / sitemap / listing that could not be fetched or parsed
ERROR_DB = "error_db"  # a row the database rejected (stored alone, recorded with its URL)

# --- problems counted besides a page's one outcome (the page itself may still be stored)
DATE_REJECTED = "date_rejected"  # a date the page states was refused (impossible or in the future)

#: outcomes that mean "this URL is done for this job; do not fetch it again on the next run"
FINAL = frozenset(
    {STORED, DUPLICATE_URL, DUPLICATE_CONTENT, UPDATED, OFF_TOPIC, NOT_ARTICLE, NOT_HTML, TOO_LARGE, EMPTY, ERROR_GONE}
)

ERRORS = frozenset({ERROR_HTTP, ERROR_GONE, ERROR_TIMEOUT, ERROR_CONNECTION, ERROR_SOURCE, ERROR_DB, EXTRACT_FAILED, BAD_ENCODING})


def stat_key(outcome: str) -> str:
    """Scrapy stats key for an outcome."""
    return f"mediamon/{outcome}"
