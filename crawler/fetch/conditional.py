"""Conditional polling of feeds, sitemaps and listings: validators, body hashes and their honesty. Pure.

A document is asked for with ``If-None-Match`` / ``If-Modified-Since`` when its host's validators are
trusted; a 304 ends ``not_modified``. A 200 whose body hash equals the last one is not parsed again either.
Some hosts lie: they answer 304 (or repeat the ETag) although the content changed ("stale"), or send a new
ETag for the same bytes on every response ("unstable"). An occasional unconditional fetch (an audit) compares
the body hash with the validators; a host caught lying is recorded and then polled by hash alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

#: host verdicts (``host_validators.verdict``): validators that do not follow the content
STALE = "stale"  # same validator, different content: a conditional request would have got a false 304
UNSTABLE = "unstable"  # different ETag, identical content: conditional requests never match
VERDICTS = (STALE, UNSTABLE)


@dataclass(frozen=True)
class Validators:
    """What a server said identifies a response's content."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


def body_hash(body: bytes) -> str:
    """SHA-256 of the raw body, hex."""
    return hashlib.sha256(body).hexdigest()


def request_headers(stored: Validators, *, trusted: bool) -> dict[str, str]:
    """Conditional request headers for a document; none when the host is not trusted or nothing is stored."""
    if not trusted:
        return {}
    headers = {}
    if stored.etag:
        headers["If-None-Match"] = stored.etag
    if stored.last_modified:
        headers["If-Modified-Since"] = stored.last_modified
    return headers


def should_audit(polls_since_audit: int, every: int) -> bool:
    """True when this poll should be unconditional, to check the host's validators against the body hash.

    ``every`` = 0 switches audits off; 1 audits every poll.
    """
    return every > 0 and polls_since_audit + 1 >= every


def judge(stored: Validators, stored_hash: str | None, got: Validators, got_hash: str, *, audited: bool) -> str | None:
    """A verdict on the host's validators from one full (200) response, or None when nothing is wrong.

    `stored`/`stored_hash` describe the previous full response. Unstable: identical bytes, another ETag.
    Stale (only known from an unconditional fetch): different bytes under the same ETag, or under the
    same Last-Modified when there is no ETag; a conditional request would have been answered 304.
    """
    if stored_hash is None:
        return None
    same_body = got_hash == stored_hash
    if same_body and stored.etag and got.etag and stored.etag != got.etag:
        return UNSTABLE
    if audited and not same_body:
        if stored.etag and got.etag == stored.etag:
            return STALE
        if not stored.etag and not got.etag and stored.last_modified and got.last_modified == stored.last_modified:
            return STALE
    return None
