"""Language tags -> primary language subtag: the one normaliser for pages, feeds, sitemaps, topics and search (pure)."""

from __future__ import annotations

import re

# BCP 47 / POSIX locale shapes: "es", "es-ES", "pt_BR", "zh-Hant-TW", "en_US.UTF-8"; the primary subtag is 2-3 letters
_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_.][A-Za-z0-9.-]*)?$")
# BCP 47 "undetermined" and "no linguistic content", and the placeholders CMSs print
_UNKNOWN = frozenset({"und", "zxx", "mul", "mis"})


def primary(tag: str | None) -> str | None:
    """'es-ES' / 'en_US' / ' EN ' -> 'es' / 'en'; None for blanks, 'und' and anything that is not a language tag."""
    match = _TAG.match((tag or "").strip())
    if not match:
        return None
    code = match.group(1).lower()
    return None if code in _UNKNOWN else code


def iso639_1(tag: str | None) -> str | None:
    """The primary subtag when it is a two-letter ISO 639-1 code (what the articles.language column holds)."""
    code = primary(tag)
    return code if code is not None and len(code) == 2 else None
