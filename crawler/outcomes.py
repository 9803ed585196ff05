"""The one outcome vocabulary.

Every discovered link, every polled source and every fetched page ends in exactly one counted
`Outcome`. The same names are Scrapy stats keys (prefixed ``mediamon/``), ``crawl_runs`` counters,
log fields, Prometheus labels and the values a SQL ``CHECK`` allows (``mm_outcomes()``, see
``tests/test_outcomes.py``, which keeps the two in step).

`Outcome` is a ``StrEnum``: a member *is* its name as a string, so it can be used as a dict key,
a log field or a query parameter unchanged. The module-level constants are the same members.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class Outcome(StrEnum):
    # --- discovery: what happened to a candidate link before any article request
    DISCOVERED = "discovered"  # a distinct article link found in a feed / sitemap / listing
    SKIPPED_KNOWN = "skipped_known"  # already fetched by this job in an earlier run (checked in PostgreSQL)
    SKIPPED_SEEN = "skipped_seen"  # another URL variant of the same article was already requested in this run
    SKIPPED_OFFSITE = "skipped_offsite"  # host is not one of the job's sources
    SKIPPED_OLD = "skipped_old"  # feed/sitemap date older than the job's max_age
    SKIPPED_PATTERN = "skipped_pattern"  # listing link does not match the source's article patterns
    SKIPPED_LIMIT = "skipped_limit"  # over the job's max_articles per run
    SKIPPED_ROBOTS = "skipped_robots"  # robots.txt forbids it
    SKIPPED_LONG_URL = "skipped_long_url"  # longer than browsers and servers accept (2,083 characters)
    SKIPPED_CLAIMED = "skipped_claimed"  # another worker holds a live claim on this URL (scale-out)

    # --- sources (feeds, sitemaps, listings) polled again
    NOT_MODIFIED = "not_modified"  # 304, or a body whose hash equals the last one: not parsed again

    # --- fetch + extraction
    FETCHED = "fetched"  # an article page answered 200 and was handed to extraction
    EXTRACTED = "extracted"  # extraction accepted it as an article
    NOT_HTML = "not_html"  # PDF, image, other binary
    TOO_LARGE = "too_large"  # over the page size cap (also when found while decompressing)
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
    REVISITED_UNCHANGED = "revisited_unchanged"  # a known article checked again (change capture): same text
    REVISED = "revised"  # a known article checked again (change capture): new text, revision written

    # --- errors (counted under errors by kind)
    ERROR_HTTP = "error_http"  # 4xx / 5xx, retried on the next run
    ERROR_GONE = "error_gone"  # 404 / 410: not fetched again by later runs
    ERROR_TIMEOUT = "error_timeout"
    ERROR_CONNECTION = "error_connection"  # DNS, refused, reset
    ERROR_REDIRECT = "error_redirect"  # a redirect loop or too many redirects
    ERROR_SOURCE = "error_source"  # a feed / sitemap / listing that could not be fetched or parsed
    ERROR_DB = "error_db"  # a row the database rejected (stored alone, recorded with its URL)

    # --- problems counted besides a page's one outcome (the page itself may still be stored)
    DATE_REJECTED = "date_rejected"  # a date the page states was refused (impossible or in the future)


DISCOVERED = Outcome.DISCOVERED
SKIPPED_KNOWN = Outcome.SKIPPED_KNOWN
SKIPPED_SEEN = Outcome.SKIPPED_SEEN
SKIPPED_OFFSITE = Outcome.SKIPPED_OFFSITE
SKIPPED_OLD = Outcome.SKIPPED_OLD
SKIPPED_PATTERN = Outcome.SKIPPED_PATTERN
SKIPPED_LIMIT = Outcome.SKIPPED_LIMIT
SKIPPED_ROBOTS = Outcome.SKIPPED_ROBOTS
SKIPPED_LONG_URL = Outcome.SKIPPED_LONG_URL
SKIPPED_CLAIMED = Outcome.SKIPPED_CLAIMED
NOT_MODIFIED = Outcome.NOT_MODIFIED
FETCHED = Outcome.FETCHED
EXTRACTED = Outcome.EXTRACTED
NOT_HTML = Outcome.NOT_HTML
TOO_LARGE = Outcome.TOO_LARGE
EMPTY = Outcome.EMPTY
NOT_ARTICLE = Outcome.NOT_ARTICLE
EXTRACT_FAILED = Outcome.EXTRACT_FAILED
BAD_ENCODING = Outcome.BAD_ENCODING
OFF_TOPIC = Outcome.OFF_TOPIC
STORED = Outcome.STORED
DUPLICATE_URL = Outcome.DUPLICATE_URL
DUPLICATE_CONTENT = Outcome.DUPLICATE_CONTENT
UPDATED = Outcome.UPDATED
REVISITED_UNCHANGED = Outcome.REVISITED_UNCHANGED
REVISED = Outcome.REVISED
ERROR_HTTP = Outcome.ERROR_HTTP
ERROR_GONE = Outcome.ERROR_GONE
ERROR_TIMEOUT = Outcome.ERROR_TIMEOUT
ERROR_CONNECTION = Outcome.ERROR_CONNECTION
ERROR_REDIRECT = Outcome.ERROR_REDIRECT
ERROR_SOURCE = Outcome.ERROR_SOURCE
ERROR_DB = Outcome.ERROR_DB
DATE_REJECTED = Outcome.DATE_REJECTED

#: outcomes that mean "this URL is done for this job; do not fetch it again on the next run"
FINAL = frozenset(
    {
        STORED, DUPLICATE_URL, DUPLICATE_CONTENT, UPDATED, REVISED, REVISITED_UNCHANGED, OFF_TOPIC,
        NOT_ARTICLE, NOT_HTML, TOO_LARGE, EMPTY, ERROR_GONE,
    }
)

ERRORS = frozenset(
    {ERROR_HTTP, ERROR_GONE, ERROR_TIMEOUT, ERROR_CONNECTION, ERROR_REDIRECT, ERROR_SOURCE, ERROR_DB, EXTRACT_FAILED,
     BAD_ENCODING}
)


def stat_key(outcome: str) -> str:
    """Scrapy stats key for an outcome."""
    return f"mediamon/{outcome}"
