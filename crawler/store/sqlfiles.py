"""mediamon's SQL files, read as package data of ``crawler.sql`` through importlib.resources.

In a source tree that is the top-level ``sql/`` directory (setup.py maps it); in an installed wheel
it is ``crawler/sql/`` next to the code. Named queries (``-- name: x`` headers in
``queries/<module>.sql``) are parsed once per process.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from importlib.resources.abc import Traversable

from crawler.errors import MediamonError

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)
_MIGRATION = re.compile(r"^(\d{4})_(.+)\.sql$")


class SqlFilesError(MediamonError):
    """The installed SQL files are missing or inconsistent (a broken install, not a user's query)."""


def root() -> Traversable:
    """The directory holding migrations/, queries/ and examples/."""
    return importlib.resources.files("crawler.sql")


def _folder(name: str) -> Traversable:
    folder = root() / name
    if not folder.is_dir():
        raise SqlFilesError(f"mediamon's SQL folder {name}/ is missing from the installation ({root()})")
    return folder


@functools.cache
def load_queries(module: str) -> dict[str, str]:
    """Parse queries/<module>.sql into {name: statement}."""
    text = (_folder("queries") / f"{module}.sql").read_text(encoding="utf-8")
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise SqlFilesError(f"sql/queries/{module}.sql: query {name!r} defined twice")
        queries[name] = body.strip().rstrip(";")
    return queries


def migrations(folder: Traversable | None = None) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every NNNN_name.sql in `folder` (default: the installed migrations/), in order.

    Finding none is an error: an install without its SQL must not report "up to date".
    """
    folder = _folder("migrations") if folder is None else folder
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    if not found:
        raise SqlFilesError(f"no migration files in {folder}: this mediamon installation is incomplete")
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise SqlFilesError(f"duplicate migration numbers in {folder}")
    return found


def examples() -> list[tuple[str, str]]:
    """(file name, sql) of every examples/*.sql, by name."""
    files = (entry for entry in _folder("examples").iterdir() if entry.name.endswith(".sql"))
    return sorted((entry.name, entry.read_text(encoding="utf-8")) for entry in files)
