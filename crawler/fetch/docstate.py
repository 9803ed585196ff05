"""Values that describe the monitoring state: polled documents, one poll's result, known article pages. Pure.

Read from and written to PostgreSQL by ``crawler.store.monitor``; used by the spider to decide what to send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.fetch import conditional, polling


@dataclass(frozen=True)
class Document:
    """One polled document and what the last polls left."""

    id: int
    url: str
    kind: str
    root_url: str  # the declared source it belongs to (itself when declared)
    validators: conditional.Validators
    body_hash: str | None
    polls_since_audit: int
    poll: polling.PollState
    host_verdict: str | None  # conditional.STALE / UNSTABLE, None when not caught lying
    last_status: str | None = None  # "ok" or error_source, from the last poll
    last_error: str | None = None

    @property
    def declared(self) -> bool:
        return self.root_url == self.url

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Document:
        (id_, url, kind, root_url, etag, last_modified, body_hash, since_audit, items, hours, errors, polled,
         new_at, next_at, verdict, profile, last_status, last_error) = row
        poll = polling.PollState(items=items, hours=hours, errors=errors, last_polled_at=polled,
                                 last_new_at=new_at, next_poll_at=next_at, profile=tuple(profile or ()))
        return cls(int(id_), url, kind, root_url, conditional.Validators(etag, last_modified), body_hash,
                   int(since_audit), poll, verdict, last_status, last_error)


@dataclass(frozen=True)
class Poll:
    """What one poll of a document showed, to be written back."""

    validators: conditional.Validators
    body_hash: str | None
    audited: bool
    state: polling.PollState
    status: str  # "ok" or an error outcome name
    error: str | None = None


@dataclass(frozen=True)
class KnownPage:
    """A URL this job already finished, with what decides whether to check it again."""

    url: str
    article_id: int | None
    first_seen_at: datetime
    hinted_at: datetime | None
    last_checked_at: datetime | None
    validators: conditional.Validators
