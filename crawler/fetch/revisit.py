"""Change capture: when a known article is worth fetching again. Pure.

A known article is fetched again (conditionally, with its own validators) when its feed ``updated``, its
sitemap ``lastmod`` or its news-sitemap date is newer than the newest date seen for it before, and on a
revisit schedule while it is young (``[monitor] revisit``, e.g. 1 h, 6 h and 24 h after first sight;
the schedule itself is evaluated in SQL, ``due_revisits``, with the same rule as `scheduled_due`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from crawler import models
from crawler.fetch import docstate


def hint_date(link: models.Link) -> datetime | None:
    """The newest date a feed or sitemap gives a link (its publication or its last change)."""
    dates = [d for d in (link.published, link.lastmod) if d is not None]
    return max(dates) if dates else None


def changed_since(page: docstate.KnownPage, link: models.Link) -> bool:
    """True when the link's date is newer than what was known of the page when it was last fetched.

    Compared with the newest hint stored for the page; a page fetched without a hint is compared with the
    time it was last checked (or first seen).
    """
    hint = hint_date(link)
    if hint is None:
        return False
    if page.hinted_at is not None:
        return hint > page.hinted_at
    baseline = page.last_checked_at or page.first_seen_at
    return hint > baseline


def scheduled_due(first_seen: datetime, last_checked: datetime | None, now: datetime,
                  offsets: Sequence[timedelta]) -> bool:
    """True when a revisit offset after first sight has passed since the page was last checked."""
    checked = last_checked or first_seen
    return any(first_seen + o <= now and checked < first_seen + o for o in offsets)
