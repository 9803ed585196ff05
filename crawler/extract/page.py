"""What a parsed page states, read once and shared by the extraction stages: meta tags, JSON-LD objects, whether
a JSON-LD object is an article, and the visible text of the body (pure)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

if TYPE_CHECKING:  # annotations only: dates imports this module and the store imports dates
    from lxml.html import HtmlElement

#: schema.org types of an article: NewsArticle, ReportageNewsArticle, BlogPosting, LiveBlogPosting, Report,
#: SocialMediaPosting ... (a WebPage or a listed related item is not one)
ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report|LiveBlog|SocialMediaPosting", re.I)
#: scripts that carry a word or more per character: Han, kana, Hangul (syllable blocks and jamo)
DENSE_SCRIPT = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
#: a dense-script character counts as this many characters of length: the same news text has about 2.5 to 3
#: times as many characters in English as in Chinese, Japanese or Korean, so thresholds measured on Latin text
#: (trafilatura's 250 characters, a job's minimum text length) count a Hangul or Han character accordingly
DENSE_WEIGHT = 2.5
#: characters a reader never sees in a title or a name: the soft hyphen (a line-break hint), the zero-width space,
#: the word joiner and a stray byte-order mark (not the zero-width joiners, which Persian and Indic scripts need)
INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
#: XPath predicate for text a reader sees: not in scripts, styles or noscript fallbacks
VISIBLE = "[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"


@dataclass(frozen=True)
class PageData:
    """Structured data read once from the tree: meta tags and JSON-LD objects."""

    meta: Mapping[str, str]
    jsonld: tuple[Mapping[str, Any], ...]

    def article_object(self) -> Mapping[str, Any] | None:
        """The first article-typed JSON-LD object."""
        return next((o for o in self.jsonld if is_article(o)), None)


def read_page_data(tree: HtmlElement) -> PageData:
    """Meta tags (first value per lower-cased name/property/itemprop) and flattened JSON-LD objects."""
    meta: dict[str, str] = {}
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or node.get("http-equiv") or "")
        content = node.get("content")
        if key and content and key.strip().lower() not in meta:
            meta[key.strip().lower()] = content.strip()
    for node in tree.xpath("//*[@itemprop='datePublished' or @itemprop='dateModified'][not(self::meta)]"):
        value = node.get("content") or node.get("datetime")
        if value:
            meta.setdefault(node.get("itemprop").lower(), value.strip())
    objects: list[Mapping[str, Any]] = []
    for script in tree.xpath("//script[@type='application/ld+json' or @type='application/json+ld']"):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        objects.extend(_flatten_jsonld(data))
    return PageData(meta, tuple(objects))


def _flatten_jsonld(data: Any, depth: int = 0) -> Iterable[Mapping[str, Any]]:
    if depth > 3:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            yield data
        for key in ("@graph", "mainEntity"):
            if key in data:
                yield from _flatten_jsonld(data[key], depth + 1)


def jsonld_types(obj: Mapping[str, Any] | None) -> str:
    """A JSON-LD object's @type as one string ("NewsArticle", or "WebPage ItemPage" for a list)."""
    kind = (obj or {}).get("@type", "")
    return " ".join(map(str, kind)) if isinstance(kind, list) else str(kind)


def is_article(obj: Mapping[str, Any] | None) -> bool:
    """The JSON-LD object is an article (by ARTICLE_TYPES)."""
    return bool(ARTICLE_TYPES.search(jsonld_types(obj)))


def canonical_url(tree: HtmlElement, data: PageData, url: str) -> str | None:
    """rel=canonical, else og:url, made absolute; None when the page names none."""
    hrefs = tree.xpath("//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href")
    raw = next((h for h in [*hrefs, data.meta.get("og:url")] if isinstance(h, str) and h.strip()), None)
    return urljoin(url, " ".join(html.unescape(raw).split())) if raw else None


def without_invisible(text: str) -> str:
    """The text without the INVISIBLE characters ("Ver\u00adfas\u00adsung" -> "Verfassung")."""
    return INVISIBLE.sub("", text)


def text_length(text: str) -> int:
    """Length in Latin-text characters: a dense-script character (DENSE_SCRIPT) counts DENSE_WEIGHT times."""
    dense = len(DENSE_SCRIPT.findall(text))
    return int(len(text) + dense * (DENSE_WEIGHT - 1))


def dense_share(text: str) -> float:
    """Share of the letters in `text` that are dense-script characters (0.0 for text without letters)."""
    letters = sum(1 for ch in text if ch.isalpha())
    return len(DENSE_SCRIPT.findall(text)) / letters if letters else 0.0


def visible_text(tree: HtmlElement) -> str:
    """The text a reader sees in the body, text nodes joined by spaces ('' without a body)."""
    body = tree.find("body")
    if body is None:
        return ""
    return " ".join(body.xpath(f".//text(){VISIBLE}"))
