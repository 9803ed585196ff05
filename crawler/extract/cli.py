"""`mediamon extract`: what a crawl makes of a saved page (title, date, authors, language, text or the rejection).

The same call as the crawl's page worker (`extract.extract_article`, then the job's minimum text length), so
evaluations and users can run the production path on files, one page or in bulk (`--jsonl`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from crawler import config, models, outcomes
from crawler.errors import MediamonError
from crawler.extract import dates

EXIT_OK, EXIT_REJECTED = 0, 1
#: the job defaults the crawl applies after extraction (crawler.jobs.jobs.Limits)
DEFAULT_MIN_TEXT_CHARS, DEFAULT_MAX_PAGE_BYTES = 200, 5_000_000


class ExtractUsageError(MediamonError):
    """A page file or input line that cannot be read (printed as one line, exit 2)."""


def register(sub: Any) -> None:
    """Add `mediamon extract` to mediamon's argument parser."""
    p = sub.add_parser(
        "extract",
        help="print what a crawl makes of a saved page: title, date, authors, language, text or the rejection",
        description="Runs the crawl's extraction on a saved HTML file. With --jsonl, reads lines "
        '{"path": ..., "url": ...} on stdin and writes one JSON line per page (status, title, published_at, '
        "date_source, authors, language, text, reason).",
    )
    p.add_argument("file", nargs="?", type=Path, metavar="FILE", help="saved page (HTML bytes as served)")
    p.add_argument("--url", help="the page's URL (dates and titles read it); required with FILE")
    p.add_argument("--content-type", help="the HTTP Content-Type the page was served with (default: sniffed)")
    p.add_argument("--jsonl", action="store_true", help="bulk: JSON lines on stdin, JSON lines on stdout")
    p.add_argument("--min-text-chars", type=int, default=DEFAULT_MIN_TEXT_CHARS,
                   help=f"a job's limits.min_text_chars (default {DEFAULT_MIN_TEXT_CHARS})")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: config.Settings) -> int:
    """Entry point of `mediamon extract`."""
    now = datetime.now(UTC)
    if args.jsonl:
        if args.file is not None:
            raise ExtractUsageError("extract: give FILE --url URL or --jsonl (lines on stdin), not both")
        extract_lines(sys.stdin, sys.stdout, now=now, min_text_chars=args.min_text_chars)
        return EXIT_OK
    if args.file is None or not args.url:
        raise ExtractUsageError("extract: give FILE --url URL, or --jsonl with JSON lines on stdin")
    result = page_result(_read(args.file), args.url, now=now, content_type=args.content_type,
                         min_text_chars=args.min_text_chars)
    print_human(result, sys.stdout)
    return EXIT_OK if result["status"] == "article" else EXIT_REJECTED


def page_result(
    body: bytes, url: str, *, now: datetime, content_type: str | None = None,
    min_text_chars: int = DEFAULT_MIN_TEXT_CHARS,
) -> dict[str, Any]:
    """One page through the crawl's extraction, as a JSON-ready dict (status "article" or "rejected")."""
    from crawler.extract import extract  # lxml and trafilatura: paid by this command, not by every CLI start

    result = extract.extract_article(body, url, content_type=content_type, now=now, max_bytes=DEFAULT_MAX_PAGE_BYTES)
    if isinstance(result, models.Article) and extract.text_length(result.text) < min_text_chars:
        # the crawl's page worker refuses short texts after extraction (crawler.run.work.process_page)
        result = models.Rejected(outcomes.NOT_ARTICLE, f"text has {len(result.text)} characters")
    if isinstance(result, models.Rejected):
        return {"status": "rejected", "title": None, "published_at": None, "date_source": None, "offset": None,
                "authors": [], "language": None, "text": None, "reason": f"{result.reason}: {result.detail}"}
    offset = dates.stated_offset(result.published_at)
    return {
        "status": "article",
        "title": result.title,
        "published_at": result.published_at.isoformat() if result.published_at else None,
        "date_source": result.date_source,
        "offset": _offset_text(offset.total_seconds()) if offset is not None else None,
        "authors": list(result.authors),
        "language": result.language,
        "text": result.text,
        "reason": None,
    }


def extract_lines(lines: Iterable[str], out: TextIO, *, now: datetime, min_text_chars: int) -> int:
    """--jsonl: one output line per input line; a line that cannot be read gives status "error" and its reason."""
    count = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item: dict[str, Any] = {}
        try:
            parsed = json.loads(line)
            if not isinstance(parsed, dict) or not isinstance(parsed.get("path"), str):
                raise ExtractUsageError(f'line {number}: expected an object with "path" and "url"')
            item = parsed
            body = _read(Path(item["path"]))
            result = page_result(body, str(item.get("url") or ""), now=now,
                                 content_type=item.get("content_type"), min_text_chars=min_text_chars)
        except (ValueError, ExtractUsageError) as exc:  # ValueError: a line that is not JSON
            result = {"status": "error", "reason": str(exc)}
        out.write(json.dumps({"path": item.get("path"), "url": item.get("url"), **result}, ensure_ascii=False) + "\n")
        out.flush()
        count += 1
    return count


def print_human(result: dict[str, Any], out: TextIO) -> None:
    """The result as labelled lines, the text last."""
    if result["status"] != "article":
        out.write(f"rejected: {result['reason']}\n")
        return
    date = result["published_at"] or "none"
    if result["published_at"]:
        date += f" (source {result['date_source']}, offset {result['offset'] or 'not stated'})"
    out.write(f"title: {result['title']}\n")
    out.write(f"published: {date}\n")
    out.write(f"authors: {'; '.join(result['authors']) or 'none'}\n")
    out.write(f"language: {result['language'] or 'unknown'}\n\n")
    out.write(result["text"] + "\n")


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractUsageError(f"extract: cannot read {path}: {exc.strerror or exc}") from None
    if path.suffix == ".gz":
        import gzip

        try:
            return gzip.decompress(data)
        except OSError as exc:
            raise ExtractUsageError(f"extract: {path}: not a gzip file ({exc})") from None
    return data


def _offset_text(seconds: float) -> str:
    sign = "-" if seconds < 0 else "+"
    minutes = int(abs(seconds)) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
