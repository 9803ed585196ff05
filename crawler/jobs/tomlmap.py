"""Where a job file's errors are: TOML lines for validation error locations and syntax errors.

Turns a pydantic ValidationError on a job file into one JobError (file, line, field, message)
that carries the others in ``more``, sorted by line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pydantic

from crawler.errors import JobError

_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|#')
_KEY_PART = re.compile(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)')
_ARRAY_TABLE = re.compile(r"^\[\[\s*(.+?)\s*\]\]")
_TABLE = re.compile(r"^\[\s*(.+?)\s*\]")
_KEY_VALUE = re.compile(r"""^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-.\s])+?)\s*=\s*(.*)$""")


def syntax_error_line(message: str) -> tuple[int | None, str]:
    """tomllib's "... (at line 3, column 7)" -> (3, "... (column 7)"); 3.11 has no lineno attribute."""
    found = _SYNTAX_AT.search(message)
    if not found:
        return None, message
    return int(found.group(1)), f"{message[: found.start()]} (column {found.group(2)})"


def job_error(name: str, text: str, error: pydantic.ValidationError) -> JobError:
    """The validation errors of job file `name` (content `text`) as one JobError, first line first."""
    lines = LineMap(text)
    found = []
    errors = error.errors(include_url=False)
    locs = [item["loc"] for item in errors]
    for item in errors:
        loc = tuple(part for part in item["loc"] if part != "[key]")
        if item["type"] == "too_short" and any(other[: len(loc)] == loc != other for other in locs):
            continue  # pydantic also reports a list as too short when one of its items failed
        if item["type"] == "duplicate_name":
            loc += (item["ctx"]["index"], "name")
        loc += tuple(item.get("ctx", {}).get("at", ()))  # a job-level check pointing into a list (alerts)
        found.append(JobError(name, lines.line(loc), _field(loc), _message(item)))
    found.sort(key=lambda e: e.line or 0)
    return JobError(found[0].file, found[0].line, found[0].field, found[0].message, more=tuple(found[1:]))


def _field(loc: tuple[int | str, ...]) -> str:
    """("sources", 2, "url") -> "sources[2].url"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(job)"


def _message(item: Mapping[str, Any]) -> str:
    """pydantic's message for one error, in job-file words."""
    kind = item["type"]
    if kind == "extra_forbidden":
        return "unknown key (misspelt? see docs/example-job.toml)"
    if kind == "missing":
        return "required key is missing"
    message = str(item["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


# --------------------------------------------------------------------------- TOML line map


def _split_key(key: str) -> tuple[str, ...]:
    return tuple(next(g for g in m.groups() if g is not None) for m in _KEY_PART.finditer(key))


def _code(line: str) -> tuple[str, int]:
    """The line without its comment and with strings emptied (so brackets in regexes don't count),
    plus how many strings it holds."""
    out, count, pos = [], 0, 0
    for m in _TOKEN.finditer(line):
        out.append(line[pos : m.start()])
        if m.group() == "#":
            return "".join(out).strip(), count
        out.append('""')
        count, pos = count + 1, m.end()
    out.append(line[pos:])
    return "".join(out).strip(), count


class LineMap:
    """Best-effort map from a validation error location (("sources", 2, "url")) to its TOML line.

    Scans table headers ([t], [[t]], [t.sub]), key lines, dotted keys and the elements of
    multi-line arrays; a location it cannot place falls back to its nearest placed ancestor.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[int | str, ...], int] = {}
        self._counts: dict[tuple[str, ...], int] = {}
        self._table: tuple[int | str, ...] = ()
        self._array: tuple[int | str, ...] | None = None  # key path of an open multi-line array
        self._element = self._depth = 0
        in_string: str | None = None
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if in_string:  # inside a multi-line string: only look for its end
                if line.count(in_string) % 2:
                    in_string = None
                continue
            code, strings = _code(line)
            if self._array is not None:
                self._array_line(number, code, strings)
            elif code.startswith("["):
                self._header(number, line)
            elif code:
                in_string = self._key(number, line, code)

    def _array_line(self, number: int, code: str, strings: int) -> None:
        if strings:
            assert self._array is not None
            self.lines.setdefault(self._array + (self._element,), number)
            self._element += strings
        self._depth += code.count("[") - code.count("]")
        if self._depth <= 0:
            self._array = None

    def _header(self, number: int, line: str) -> None:
        array_table = _ARRAY_TABLE.match(line)
        if array_table:
            key = _split_key(array_table.group(1))
            index = self._counts.get(key, -1) + 1
            self._counts[key] = index
            self._table = self._resolve(key[:-1]) + (key[-1], index)
            self.lines.setdefault(self._table[:-1], number)
        elif table := _TABLE.match(line):
            self._table = self._resolve(_split_key(table.group(1)))
        self.lines[self._table] = number

    def _key(self, number: int, line: str, code: str) -> str | None:
        pair = _KEY_VALUE.match(line)
        if not pair:
            return None
        path = self._table + _split_key(pair.group(1))
        self.lines[path] = number
        value = code.split("=", 1)[1]
        opened = value.count("[") - value.count("]")
        if opened > 0:
            self._array, self._depth = path, opened
            self._element = _code(pair.group(2).split("[", 1)[1])[1]
        for quote in ('"""', "\'\'\'"):
            if pair.group(2).count(quote) % 2:
                return quote
        return None

    def _resolve(self, key: tuple[str, ...]) -> tuple[int | str, ...]:
        """("topics", "terms") -> ("topics", <current [[topics]] index>, "terms")."""
        path: list[int | str] = []
        for i, part in enumerate(key):
            path.append(part)
            if key[: i + 1] in self._counts:
                path.append(self._counts[key[: i + 1]])
        return tuple(path)

    def line(self, loc: tuple[int | str, ...]) -> int | None:
        """The line of loc or of its nearest ancestor found in the file."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None
