"""Tests for crawler.langtags: the one language-tag normaliser (pure)."""

from __future__ import annotations

import pytest

from crawler import langtags


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("es", "es"), (" EN ", "en"), ("es-ES", "es"), ("pt_BR", "pt"), ("zh-Hant-TW", "zh"), ("en_US.UTF-8", "en"),
     ("yue", "yue"), ("und", None), ("", None), (None, None), ("english", None), ("12", None), ("e", None)],
)
def test_primary_subtag(tag: str | None, expected: str | None) -> None:
    assert langtags.primary(tag) == expected


@pytest.mark.parametrize(("tag", "expected"), [("de-AT", "de"), ("yue-HK", None), ("und", None)])
def test_iso639_1_keeps_two_letter_codes_only(tag: str, expected: str | None) -> None:
    assert langtags.iso639_1(tag) == expected
