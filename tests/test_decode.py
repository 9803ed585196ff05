"""Tests for crawler.extract.decode: binary sniffing and charset decoding of HTTP bodies (pure)."""

from __future__ import annotations

import codecs

import pytest

from crawler.extract import decode

HTML = "<html><head><title>Caf\u00e9</title></head><body><p>Cr\u00e8me br\u00fbl\u00e9e</p></body></html>"


@pytest.mark.parametrize(
    ("body", "content_type", "refusal"),
    [
        (b"%PDF-1.7 ...", "text/html", "binary content (pdf)"),
        (b"\x89PNG\r\n\x1a\n", None, "binary content (png)"),
        (HTML.encode(), "application/json", "content type application/json"),
        (HTML.encode(), "text/plain; charset=utf-8", None),  # mislabelled HTML: the bytes decide
        (b"<html>\x00\x00\x00\x00</html>", "text/html", "binary content (NUL bytes)"),
        (HTML.encode(), "text/html", None),
    ],
)
def test_binary_refusal(body: bytes, content_type: str | None, refusal: str | None) -> None:
    assert decode.binary_refusal(body, content_type) == refusal


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (codecs.BOM_UTF8 + HTML.encode("utf-8"), "text/html; charset=iso-8859-1"),  # the BOM wins
        (HTML.encode("cp1252"), "text/html; charset=windows-1252"),
        (HTML.replace("<head>", '<head><meta charset="iso-8859-1">').encode("latin-1"), "text/html"),
        (HTML.encode("utf-8"), "text/html; charset=iso-8859-1"),  # UTF-8 served as Latin-1
        (HTML.encode("utf-8"), None),
    ],
)
def test_decode_html_reads_accents(body: bytes, content_type: str | None) -> None:
    text = decode.decode_html(body, content_type)
    assert text is not None and "Cr\u00e8me br\u00fbl\u00e9e" in text


def test_decode_html_refuses_garbage() -> None:
    assert decode.decode_html(b"\xff\xfe" + b"\x00\xd8" * 400, "text/html; charset=utf-16") is None
