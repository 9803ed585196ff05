"""A minimal valid job file on disk, for tests of the service, `status` and the jobs directory."""

from __future__ import annotations

from pathlib import Path

_TEMPLATE = """
name = "{name}"
{schedule}
[[topics]]
name = "cuba"
query = "cuba"
[[sources]]
name = "feed"
kind = "feed"
url = "http://127.0.0.1:9/feed.rss"
"""


def write_job(directory: Path, stem: str, *, name: str | None = None, schedule: str | None = 'interval = "1h"') -> Path:
    """Write `<stem>.toml`; `schedule` is the body of its [schedule] table (None: no schedule at all)."""
    table = f"[schedule]\n{schedule}" if schedule is not None else ""
    path = directory / f"{stem}.toml"
    path.write_text(_TEMPLATE.format(name=name or stem, schedule=table), encoding="utf-8")
    return path
