"""HTTP body bytes -> HTML text: binary / content-type sniffing and charset decoding (pure)."""

from __future__ import annotations

import codecs
import re

_MAGIC = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"GIF8", "gif"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"RIFF", "riff"),
    (b"ID3", "mp3"),
    (b"OggS", "ogg"),
    (b"wOFF", "woff"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"BM", "bmp"),
    (b"\xd0\xcf\x11\xe0", "ms-office"),
    (b"7z\xbc\xaf", "7z"),
)
_HTML_TYPES = {"text/html", "application/xhtml+xml", "application/html"}
# Types servers wrongly put on HTML; the bytes decide for these.
_SNIFF_TYPES = {"", "text/plain", "application/octet-stream", "binary/octet-stream", "text/xml", "application/xml"}
_LOOKS_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p)\b", re.I | re.S)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)|<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_:.-]+)""", re.I
)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_SINGLE_BYTE = re.compile(r"^(ascii|latin[-_]?1|iso8859|cp125\d|windows-125\d|iso-8859)", re.I)
_BAD_CHARS = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")
# Labels browsers read as a larger charset (WHATWG Encoding): pages labelled EUC-KR are written in Windows-949 and
# fail strict EUC-KR decoding at the first extension syllable; likewise GB2312/GBK, Shift_JIS and Big5.
_SUPERSET = {"euc_kr": "cp949", "gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932", "big5": "big5hkscs"}
# Share of replacement / control characters above which the decoded text is garbage.
MAX_BAD_CHAR_RATIO = 0.05


def binary_refusal(body: bytes, content_type: str | None) -> str | None:
    """Why these bytes are not an HTML page (content type or magic bytes), or None."""
    head = body[:16].lstrip()
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return f"binary content ({name})"
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime and mime not in _HTML_TYPES and not (mime in _SNIFF_TYPES and _LOOKS_HTML.match(body[:2048])):
        return f"content type {mime}"
    has_utf16 = body[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or "utf-16" in (content_type or "").lower()
    sample = body[:1024]
    nuls = sample.count(b"\x00")
    # a few stray NULs in markup are stripped at decoding (_checked); a larger share, or no markup, mean binary
    if (
        not has_utf16
        and nuls > 2
        and (nuls > MAX_BAD_CHAR_RATIO * len(sample) or not _LOOKS_HTML.match(body[:2048].replace(b"\x00", b"")))
    ):
        return "binary content (NUL bytes)"
    return None


def decode_html(body: bytes, content_type: str | None = None) -> str | None:
    """Decode by BOM, HTTP charset, <meta charset>, then detection; None when nothing yields text."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return _checked(body[len(bom) :].decode(encoding, errors="replace"))
    for label in _declared_charsets(body, content_type):
        text = _decode_as(body, label)
        if text is not None:
            return _checked(text)
    text = _decode_as(body, "utf-8")
    if text is not None:
        return _checked(text)
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is not None:
        return _checked(str(best))
    return _checked(body.decode("cp1252", errors="replace"))


def _declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Valid charset labels from the HTTP header, then the document's <meta>, without repeats."""
    labels = []
    match = re.search(r"charset\s*=\s*[\"']?([\w:.-]+)", content_type or "", re.I)
    if match:
        labels.append(match.group(1))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        labels.append((meta.group(1) or meta.group(2)).decode("ascii", "ignore"))
    names: list[str] = []
    for label in labels:
        try:
            name = codecs.lookup(label).name
        except LookupError:
            continue
        name = _SUPERSET.get(name, name)
        if name not in names:
            names.append(name)
    return names


def _decode_as(body: bytes, name: str) -> str | None:
    """Decode with one charset, or None when the bytes contradict it."""
    if _SINGLE_BYTE.match(name) or name in ("latin-1", "iso8859-1"):
        # valid multi-byte UTF-8 is practically never intended Latin-1: UTF-8 served as Latin-1
        if _UTF8_MULTIBYTE.search(body):
            utf8 = _decode_as(body, "utf-8")
            if utf8 is not None:
                return utf8
        # browsers (WHATWG) read latin-1 / ascii labels as windows-1252
        return body.decode("cp1252" if name in ("ascii", "latin-1", "iso8859-1") else name, errors="replace")
    try:
        text = body.decode(name)
    except UnicodeDecodeError:
        pass
    else:
        # a wrong multi-byte label (utf-16 on an ASCII page) decodes "cleanly" into markup-free garbage
        return text if "<" in text[:4096] or b"<" not in body[:4096] else None
    if name != "utf-8":
        return None
    # mostly UTF-8 with a few broken bytes (a truncated page): keep UTF-8; otherwise it is another charset
    bad = body.decode("utf-8", errors="replace").count("\ufffd")
    # 10: a Latin-1 page read as UTF-8 has about as many broken as valid sequences
    return body.decode("utf-8", errors="replace") if len(_UTF8_MULTIBYTE.findall(body)) >= 10 * bad else None


def _checked(text: str) -> str | None:
    """The text without NUL characters, unless replacement and control characters make it garbage."""
    text = text.replace("\x00", "")
    if not text:
        return None
    bad = len(_BAD_CHARS.findall(text, 0, 100_000))
    return None if bad > MAX_BAD_CHAR_RATIO * min(len(text), 100_000) else text
