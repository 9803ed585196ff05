"""Word-level differences between two texts, for revisions and story variants."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MAX_WORDS = 6000  # beyond this both texts are cut: a diff is for reading, and difflib is quadratic at worst
CONTEXT = 12  # unchanged words kept on each side of a change; longer unchanged runs are folded
_WORDS = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Segment:
    """`op` is "same", "del" (only in the old text), "ins" (only in the new one) or "fold" (unchanged, hidden)."""

    op: str
    text: str


@dataclass(frozen=True)
class Diff:
    segments: tuple[Segment, ...]
    added: int  # words
    removed: int
    truncated: bool

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def _fold(words: list[str], first: bool, last: bool) -> list[Segment]:
    keep_head = 0 if first else CONTEXT
    keep_tail = 0 if last else CONTEXT
    if len(words) <= keep_head + keep_tail + 3:
        return [Segment("same", "".join(words))]
    out = []
    if keep_head:
        out.append(Segment("same", "".join(words[:keep_head])))
    out.append(Segment("fold", f"{len(words) - keep_head - keep_tail} unchanged words"))
    if keep_tail:
        out.append(Segment("same", "".join(words[-keep_tail:])))
    return out


def diff(old: str, new: str) -> Diff:
    """Segments turning `old` into `new`, word by word, with long unchanged stretches folded."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    truncated = len(a) > MAX_WORDS or len(b) > MAX_WORDS
    a, b = a[:MAX_WORDS], b[:MAX_WORDS]
    # Compare words without their trailing whitespace, so a changed line break is not a change.
    matcher = difflib.SequenceMatcher(None, [w.rstrip() for w in a], [w.rstrip() for w in b], autojunk=False)
    opcodes = matcher.get_opcodes()
    segments: list[Segment] = []
    added = removed = 0
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            segments += _fold(a[i1:i2], first=n == 0, last=n == len(opcodes) - 1)
            continue
        if i2 > i1:
            segments.append(Segment("del", "".join(a[i1:i2])))
            removed += i2 - i1
        if j2 > j1:
            segments.append(Segment("ins", "".join(b[j1:j2])))
            added += j2 - j1
    return Diff(tuple(segments), added, removed, truncated)
