"""Named SQL queries from sql/queries/<module>.sql (``-- name: x`` headers), loaded once."""

from __future__ import annotations

import functools
import re
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent.parent / "sql"
_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


@functools.cache
def load_queries(module: str) -> dict[str, str]:
    """Parse sql/queries/<module>.sql into {name: statement}."""
    text = (SQL_DIR / "queries" / f"{module}.sql").read_text(encoding="utf-8")
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"sql/queries/{module}.sql: query {name!r} defined twice")
        queries[name] = body.strip().rstrip(";")
    return queries


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every sql/migrations/NNNN_name.sql, in order."""
    out = []
    for path in sorted((SQL_DIR / "migrations").glob("[0-9][0-9][0-9][0-9]_*.sql")):
        version = int(path.name[:4])
        out.append((version, path.stem[5:], path.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in out]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration numbers in {SQL_DIR / 'migrations'}")
    return out
