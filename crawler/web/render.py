"""Templates and their filters, JSON for /api, and conditional responses (ETag / Last-Modified)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from crawler.analyst import search as search_mod

TEMPLATES = Path(__file__).parent / "templates"

# Pages get no inline script or style and load nothing from elsewhere: an injected tag would not run.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def fmt_dt(value: datetime | None, with_seconds: bool = False) -> str:
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC" if with_seconds else "%Y-%m-%d %H:%M UTC")


def fmt_after(value: timedelta | None) -> str:
    """+2 h 05 min after the first copy."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    if minutes <= 0:
        return "first"
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return "+" + (f"{days} d " if days else "") + (f"{hours} h " if hours or days else "") + f"{mins:02d} min"


def fmt_offset(value: timedelta | None) -> str:
    """A UTC offset as +HH:MM (None: no offset stated)."""
    if value is None:
        return "none stated"
    total = int(value.total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    hours, mins = divmod(abs(total), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def highlight(snippet: str) -> Markup:
    """A search snippet, escaped, with the matched words in <mark>."""
    text = str(escape(snippet))
    return Markup(text.replace(search_mod.MARK_START, "<mark>").replace(search_mod.MARK_END, "</mark>"))


def make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "atom", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(dt=fmt_dt, after=fmt_after, offset=fmt_offset, highlight=highlight)
    env.globals["atom_dt"] = lambda v: v.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return env


def jsonable(value: Any) -> Any:
    """Data of a page -> JSON types (datetimes as ISO 8601, intervals as seconds)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if k != "last_modified"}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    return value


def to_json(data: Any) -> bytes:
    return json.dumps(jsonable(data), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def conditional(
    request: Request, body: bytes, media_type: str, last_modified: datetime | None, status: int = 200
) -> Response:
    """The response, or 304 when the client's If-None-Match / If-Modified-Since shows it is current.

    The ETag is a hash of the body, so it changes exactly when the page does; Last-Modified is the
    newest change of the data shown (If-None-Match wins when both are sent, as RFC 9110 says).
    """
    etag = f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Authorization", **SECURITY_HEADERS}
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
    if status == 200:
        if_none_match = request.headers.get("if-none-match")
        if_modified_since = request.headers.get("if-modified-since")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            if "*" in tags or etag.removeprefix("W/") in tags:
                return Response(status_code=304, headers=headers)
        elif if_modified_since and last_modified is not None:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                since = None
            if since is not None and since.tzinfo is not None and last_modified.replace(microsecond=0) <= since:
                return Response(status_code=304, headers=headers)
    return Response(body, status_code=status, media_type=media_type, headers=headers)
