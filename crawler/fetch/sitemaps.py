"""Sitemaps: urlset, sitemap index, Google News (news:*) and plain-text sitemaps -> links / child sitemaps.

Pure (bytes in, values out, no network) and never raises on bad input; same conventions as
``crawler.fetch.found`` (its ``Discovery`` value, dates, languages, dedup). Gzip is decompressed under
a size cap and XML is parsed without entity expansion or DTD loading (XXE-safe).
"""

from __future__ import annotations

import zlib
from typing import Any

import lxml.etree

from crawler import models
from crawler.fetch import found, urls

#: Decompressed size cap for gzipped (and plain) sitemaps: the sitemaps.org limit is 50 MB
#: uncompressed, so anything bigger is a broken or hostile (zip bomb) document.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


def parse_sitemap(body: bytes, url: str) -> found.Discovery:
    """A sitemap (urlset, sitemap index, Google News, plain text; gzip or not) as links / child sitemaps."""
    if body[:2] == found.GZIP_MAGIC:
        body_or_error = _gunzip(body)
        if isinstance(body_or_error, str):
            return found.Discovery((), error=body_or_error)
        body = body_or_error
    if len(body) > MAX_SITEMAP_BYTES:
        return found.Discovery((), error=f"sitemap larger than {MAX_SITEMAP_BYTES} bytes")
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        return found.Discovery((), error="empty document")
    if not stripped.startswith(b"<"):
        return _parse_text_sitemap(stripped, url)
    root, error = _parse_xml(body)
    if root is None:
        return found.Discovery((), error=error)
    kind = _local(root)
    if kind == "sitemapindex":
        children = _dedupe_urls(_abs_locs(root, "sitemap", url))
        return found.Discovery((), sitemaps=children, error=error)
    if kind != "urlset":
        return found.Discovery((), error=f"not a sitemap (root element <{kind}>)")
    links = [link for node in root if _local(node) == "url" and (link := _url_link(node, url))]
    if error and links and b"</urlset>" not in body[-found.SNIFF_BYTES:]:
        links.pop()  # truncated file: lxml's recovery closed the last <loc> mid-URL
    return found.Discovery(found.dedupe_links(links), error=error)


def _gunzip(body: bytes) -> bytes | str:
    """Decompressed gzip body, or an error string when corrupt or over MAX_SITEMAP_BYTES."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)  # 16+: expect a gzip header
    try:
        # max_length bounds memory whatever the compression ratio (zip bombs).
        out = decompressor.decompress(body, MAX_SITEMAP_BYTES + 1)
    except zlib.error as exc:
        return f"corrupt gzip: {exc}"
    if len(out) > MAX_SITEMAP_BYTES or decompressor.unconsumed_tail:
        return f"gzipped sitemap larger than {MAX_SITEMAP_BYTES} bytes uncompressed"
    if not out and not decompressor.eof:
        return "corrupt gzip: truncated or empty stream"
    return out  # a truncated stream with data goes on to XML recovery


def _parse_xml(body: bytes) -> tuple[Any, str | None]:
    """(root element, error): strict parse first, then lxml's recovery so a truncated file still yields URLs."""
    # XXE-safe: no entity expansion, no DTD loading, no network.
    options = dict(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True)
    try:
        return lxml.etree.fromstring(body, lxml.etree.XMLParser(recover=False, **options)), None
    except lxml.etree.XMLSyntaxError as exc:
        error = f"ill-formed XML: {exc}"
    try:
        root = lxml.etree.fromstring(body, lxml.etree.XMLParser(recover=True, **options))
    except lxml.etree.XMLSyntaxError:
        root = None
    return root, error


def _local(node: Any) -> str:
    """Element name without namespace ("" for comments and other non-elements)."""
    tag = node.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _child_text(node: Any, name: str) -> str | None:
    """Stripped text of the first child element with local name `name`, ignoring namespaces."""
    for child in node:
        if _local(child) == name:
            return (child.text or "").strip() or None
    return None


def _child(node: Any, name: str) -> Any | None:
    """First child element with local name `name`."""
    return next((child for child in node if _local(child) == name), None)


def _abs_locs(root: Any, entry_name: str, base: str) -> list[str]:
    """Absolute http(s) <loc> values of the root's `entry_name` children."""
    locs = []
    for node in root:
        loc = _child_text(node, "loc") if _local(node) == entry_name else None
        if loc and (target := urls.absolute(base, loc)):
            locs.append(target)
    return locs


def _dedupe_urls(candidates: list[str]) -> tuple[str, ...]:
    """URLs deduplicated by canonical form, order kept."""
    seen: dict[str, str] = {}
    for url in candidates:
        seen.setdefault(urls.canonical_url(url), url)
    return tuple(seen.values())


def _url_link(node: Any, sitemap_url: str) -> models.Link | None:
    """One <url> entry as a Link with lastmod and Google News hints; None without an http(s) <loc>."""
    loc = _child_text(node, "loc")
    target = urls.absolute(sitemap_url, loc) if loc else None
    if target is None:
        return None
    news = _child(node, "news")
    title = published = language = None
    if news is not None:
        title = found.clean_text(_child_text(news, "title"))
        published = found.parse_date(_child_text(news, "publication_date"))
        publication = _child(news, "publication")
        if publication is not None:
            language = found.primary_language(_child_text(publication, "language"))
    return models.Link(
        url=target,
        source_url=sitemap_url,
        kind="sitemap",
        title=title,
        published=published,
        lastmod=found.parse_date(_child_text(node, "lastmod")),
        language=language,
    )


def _parse_text_sitemap(body: bytes, url: str) -> found.Discovery:
    """A plain-text sitemap (one URL per line, allowed by sitemaps.org)."""
    text = body.decode("utf-8", errors="replace")
    links = [
        models.Link(url=target, source_url=url, kind="sitemap")
        for line in text.splitlines()
        if (target := urls.absolute(url, line)) and "://" in line
    ]
    if not links:
        return found.Discovery((), error="not a sitemap (no XML and no URL lines)")
    return found.Discovery(found.dedupe_links(links))
