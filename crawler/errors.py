"""The small exception hierarchy: user-facing errors that the CLI prints as one clean line."""

from __future__ import annotations


class MediamonError(Exception):
    """Base class for errors caused by the user's input or environment, not by a bug."""


class JobError(MediamonError):
    """A job file that cannot be used: names the file, the line and the field that is wrong.

    ``str()`` reads like a compiler message: ``jobs/x.toml:12: sources[2].url: not an http(s) URL``.
    ``more`` holds further problems found in the same file (printed one per line after the first).
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        field: str | None,
        message: str,
        more: tuple[JobError, ...] = (),
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        self.more = more
        super().__init__(self._one_line())

    def _one_line(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def __str__(self) -> str:
        return "\n".join([self._one_line(), *(e._one_line() for e in self.more)])

    @property
    def all(self) -> tuple[JobError, ...]:
        """This error followed by the others found in the same file."""
        return (self, *self.more)


class QueryError(MediamonError):
    """A topic query that does not parse; ``position`` is the 0-based column in ``query``."""

    def __init__(self, message: str, query: str, position: int) -> None:
        self.message = message
        self.query = query
        self.position = position
        super().__init__(f"column {position}: {message}")

    def pointer(self) -> str:
        """The query with a caret under the offending column, for CLI output."""
        return f"{self.query}\n{' ' * self.position}^"
