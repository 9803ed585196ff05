"""HTTP body + URL -> Article | Rejected: decoded text (crawler.extract.decode), trafilatura body, metadata, dates;
the is-it-an-article verdict is crawler.extract.verdict."""

from __future__ import annotations

import functools
import html as html_lib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from configparser import ConfigParser
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler import models, outcomes
from crawler.extract import authors, dates, decode, language, page, published, verdict

logger = logging.getLogger(__name__)

#: the default: discovery told nothing about the page
NO_HINTS = models.Hints()

_ANY_TAG = re.compile(r"<[a-zA-Z!/?][^>]*>")

_TITLE_SEP = re.compile(r"\s+[|\-–—:·»•/]\s+|\s*[|·»•]\s*")
_BOILERPLATE_LINE = re.compile(
    r"^(?:sign up|subscribe|suscr[ií]bete|newsletter|get (?:the|our) (?:latest|newsletter)|follow us|s[ií]guenos|"
    r"share (?:this|on|it)|comparte|read more|leer m[aá]s|related:|related (?:articles|stories|posts)|also on \S+|"
    r"advertisement|publicidad|click here|(?:like|liked|enjoy|enjoyed) this (?:story|article)|"
    r"tell us what you think|(?:order )?reprints?$|print (?:this )?article$|"
    r"got a (?:story|tip)|have a (?:story|tip)|(?:more|also|see also|read also|lee también|lesen sie auch):)(?=\W|$)",
    re.I)
# a template placeholder left in the text for a script to fill ("$$ARTICLEAD$$", "{{ad_slot}}", "%%BANNER%%")
_PLACEHOLDER = re.compile(r"^\s*(?:\$\$|\{\{|%%|\[\[)\s*[\w.:-]+\s*(?:\$\$|\}\}|%%|\]\])\s*$")
# page furniture above the body: a byline or a dateline names its writer or date and little more
_BYLINE_START = re.compile(
    r"^\s*(?:by|por|von|par|di|door|av|af|publicado por|escrito por|written by|posted by)\s+\S", re.I)
_PRINTED_DATE = re.compile(
    rf"{dates.YMD.pattern}|{dates.WORDY_DATE.pattern}|\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}\b|\b\d{{1,2}}:\d{{2}}\b",
    re.I)
_LEADING_DATE = re.compile(rf"^\s*(?:{_PRINTED_DATE.pattern})[\s,:|–-]*", re.I)
_WORD = re.compile(r"[^\W\d_]{2,}")
# furniture sits in the first lines; the kicker above a headline is a few words ("Review", "Politik")
FURNITURE_LINES, KICKER_WORDS = 4, 4
# a dateline is short and, its date removed, keeps a few words (weekday, "Updated", a zone, "às")
MAX_DATELINE_CHARS, DATELINE_WORDS = 120, 6
# a headline has at least 12 letters/digits ("Storm hits coast"); a visible headline sharing fewer than 40% of its
# character bigrams with the metadata title (Dice) tells another story (a teaser or widget <h1>)
MIN_HEADLINE_CHARS, HEADLINE_OVERLAP = 12, 0.4
# A boilerplate line is short; a long paragraph that starts this way is real text.
MAX_BOILERPLATE_CHARS = 160
# Precision-mode text shorter than this may have lost the body (measured on the Zyte set: 17 of 181 pages
# fall under it); 0.6: precision mode normally keeps well over 60% of the balanced text.
SHORT_BODY_CHARS, RECALL_RATIO = 1000, 0.6
# the headlines are mostly Han, kana or Hangul: the page is in a dense script (page.DENSE_WEIGHT)
DENSE_TITLE_SHARE = 0.5
# a JSON string literal holding HTML paragraphs ("<p>" written as is or as \u003cp); 3 paragraphs: a body,
# not a caption or a teaser
_HTML_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
_PARAGRAPH = re.compile(r"(?:<|\\u003c)p(?:[\s>]|\\u003e)", re.I)
MIN_EMBEDDED_PARAGRAPHS = 3
# a shorter string is too small to hold a body worth more than the page's own text
MIN_EMBEDDED_CHARS = 500
# the body repeats much of its headline's wording: half of the title's character bigrams
EMBEDDED_TITLE_SHARE = 0.5
# Far more links than any article page has: in the benchmark corpora (680 pages) the most is 2,215, a
# government article with a huge menu; 5,000 keeps a wide margin.
MAX_ANCHORS = 5000


def extract_article(
    body: bytes,
    url: str,
    *,
    content_type: str | None = None,
    hints: models.Hints = NO_HINTS,
    now: datetime,
    max_bytes: int = 5_000_000,
) -> models.Article | models.Rejected:
    """Turn an HTTP body into an Article or a Rejected with its reason; never raises."""
    try:
        return _extract(body, url, content_type, hints, now, max_bytes)
    except Exception as exc:  # noqa: BLE001 - the item boundary: any failure becomes a counted outcome
        logger.warning("extraction failed", extra={"url": url, "error": repr(exc)}, exc_info=True)
        return models.Rejected(outcomes.EXTRACT_FAILED, f"{type(exc).__name__}: {exc}"[:500])


def _extract(
    body: bytes, url: str, content_type: str | None, hints: models.Hints, now: datetime, max_bytes: int
) -> models.Article | models.Rejected:
    if isinstance(body, memoryview):
        body = body.tobytes()
    elif not isinstance(body, (bytes, bytearray)):
        body = str(body or "").encode("utf-8")
    if len(body) > max_bytes:
        return models.Rejected(outcomes.TOO_LARGE, f"{len(body)} bytes > {max_bytes}")
    if not body.strip():
        return models.Rejected(outcomes.EMPTY, "empty body")
    refusal = decode.binary_refusal(bytes(body), content_type)
    if refusal:
        return models.Rejected(outcomes.NOT_HTML, refusal)
    html = decode.decode_html(bytes(body), content_type)
    if html is None:
        return models.Rejected(outcomes.BAD_ENCODING, "undecodable bytes")
    tree = _parse(html)
    if tree is None:
        if not _ANY_TAG.search(html):
            return models.Rejected(outcomes.NOT_HTML, "no HTML markup")
        return models.Rejected(outcomes.EMPTY, "no HTML tree")
    return _build(tree, url, hints, now)


def _parse(html: str) -> HtmlElement | None:
    from trafilatura.utils import load_html  # heavy import, kept off module import for fast CLI start

    return load_html(html)


def published_date(
    body: bytes, url: str, *, content_type: str | None = None, hints: models.Hints = NO_HINTS,
    now: datetime,
) -> tuple[datetime | None, str | None]:
    """The publication date and its source for any HTML page (articles or not); (None, None) if none."""
    try:
        html = decode.decode_html(body, content_type)
        tree = _parse(html) if html else None
        if tree is None:
            return None, None
        choice = published.choose(tree, url, page.read_page_data(tree), hints=hints, now=now)
        return choice.published, choice.source
    except Exception as exc:  # noqa: BLE001 - same boundary as extract_article
        logger.warning("date extraction failed", extra={"url": url, "error": repr(exc)})
        return None, None


def _build(tree: HtmlElement, url: str, hints: models.Hints, now: datetime) -> models.Article | models.Rejected:
    anchors = sum(1 for _ in tree.iter("a"))
    # a link farm / huge index: trafilatura's cost grows faster than linearly with links, and no article
    # page carries thousands of them with most of its words in link labels
    if anchors > MAX_ANCHORS and verdict.link_density(tree) > 0.5:
        return models.Rejected(outcomes.NOT_ARTICLE, f"link list page ({anchors} links)")
    data = page.read_page_data(tree)
    article_obj = data.article_object()
    site_name = _first_str(data.meta.get("og:site_name"), _name(article_obj, "publisher"),
                           data.meta.get("application-name"))
    # a logo in an <h1> (a link to the home page) is no headline: the first other <h1>
    h1 = _first_str(*[h.text_content() for h in tree.xpath("//h1") if not _links_home(h, url)][:1])
    raw_title = _first_str(
        article_obj and article_obj.get("headline"), data.meta.get("og:title"), data.meta.get("twitter:title"),
        tree.findtext(".//title"), h1, hints.title,
    )
    headline = visible_headline(tree)
    title = page.without_invisible(
        choose_title(clean_title(raw_title or "", site_name, url, headline or h1), headline, site_name, url))
    text = body_text(tree, url, data, titles=(title, raw_title, h1))
    dated = published.choose(tree, url, data, hints=hints, now=now)
    reason = verdict.not_article_reason(
        text, title, h1, url, tree, jsonld_types=" ".join(page.jsonld_types(o) for o in data.jsonld),
        og_type=data.meta.get("og:type", ""), has_date=dated.stated,
    )
    if reason:
        return models.Rejected(verdict.judge(text, tree), reason)
    declared = tree.get("lang") or data.meta.get("content-language") or data.meta.get("og:locale")
    return models.Article(
        url=url,
        canonical_url=page.canonical_url(tree, data, url),
        title=title,
        text=text,
        authors=authors.authors(article_obj, data.meta, tree, site_name),
        published_at=dated.published,
        date_source=dated.source,
        modified_at=dated.modified,
        language=language.detect_language(text, declared, hints.language),
        site_name=site_name,
        description=_first_str(data.meta.get("og:description"), data.meta.get("description"),
                               article_obj and article_obj.get("description")),
        image=_image(data, article_obj, url),
        date_problems=dated.problems,
    )


def text_length(text: str) -> int:
    """A text's length for minimum-length limits: Han, kana and Hangul characters count page.DENSE_WEIGHT times."""
    return page.text_length(text)


def _links_home(node: HtmlElement, url: str) -> bool:
    """The element links to the site's home page (a logo)."""
    home = urljoin(url, "/")
    return any(urljoin(url, href).rstrip("/") == home.rstrip("/") for href in node.xpath(".//a/@href"))


def body_text(tree: HtmlElement, url: str, data: page.PageData, titles: Iterable[str | None] = ()) -> str:
    """Main text by the documented choice rule, minus the repeated headline and short boilerplate lines.

    Rule: trafilatura in precision mode (it drops related-story lists and teasers that balanced mode keeps);
    when that text is short (< SHORT_BODY_CHARS) and balanced mode finds RECALL_RATIO times more, precision
    mode has lost the body itself, so the balanced text wins; the same step once more from balanced to recall
    mode (a body split over many small blocks). Comments are never included.
    """
    titles = tuple(titles)
    # a page headlined in Chinese, Japanese or Korean: trafilatura's minimum sizes count characters measured on
    # Latin text, under which a short CJK news item is dropped or replaced by a dump of the navigation
    dense = page.dense_share(" ".join(t for t in titles if t)) >= DENSE_TITLE_SHARE
    text = _trafilatura_text(tree, url, favor_precision=True, dense=dense)
    # each looser mode only when the stricter one found little, and only if it finds far more
    for mode in ("balanced", "recall"):
        if page.text_length(text) >= SHORT_BODY_CHARS:
            break
        looser = _trafilatura_text(tree, url, favor_precision=False, favor_recall=mode == "recall", dense=dense)
        if len(text) < RECALL_RATIO * len(looser):
            text = looser
    structured = _jsonld_body(data)
    # JSON-LD bodies are often teasers cut at ~500 characters, so they only win when the HTML gave far less
    # (script-rendered pages whose visible body trafilatura cannot see)
    if len(text) < 0.5 * len(structured):
        text = structured
    # a page rendered by its scripts (an empty <main> and a spinner) may carry its body as an HTML string in
    # the data the script hydrates from (a Next.js stream, a query cache): the same half rule, and the string
    # must tell the headline's story (a consent banner's policy or another item's body does not)
    if page.text_length(text) < SHORT_BODY_CHARS:
        embedded = _embedded_body(tree, url, dense)
        if len(text) < 0.5 * len(embedded) and _tells(embedded, titles):
            text = embedded
    text = unicodedata.normalize("NFC", text)
    lines = [ln for ln in text.splitlines()
             if not (_BOILERPLATE_LINE.match(ln.strip().removeprefix("- ")) and len(ln) <= MAX_BOILERPLATE_CHARS)
             and not _PLACEHOLDER.match(ln)]
    return "\n".join(_without_furniture(lines, titles)).strip()


def _without_furniture(lines: list[str], titles: Iterable[str | None]) -> list[str]:
    """Drop the page furniture that opens a text: the headline (stored as the title), the section kicker above
    it, and dateline and byline lines ("Publicado: 03/02/2026", "5:45 AM PST 11/19/2019 by A. Writer")."""
    heads = {_norm(t) for t in titles if t and _norm(t)}
    lines = [ln for ln in lines if ln.strip()]
    # the headline within the first lines: it and the short lines above it (kicker, section) are furniture
    for i, line in enumerate(lines[:FURNITURE_LINES]):
        if _norm(line) in heads and all(len(ln.split()) <= KICKER_WORDS for ln in lines[:i]):
            lines = lines[i + 1:]
            break
    while lines and len(lines) > 1 and (_norm(lines[0]) in heads or _is_dateline(lines[0])):
        lines.pop(0)
    return lines


def _is_dateline(line: str) -> bool:
    """A short line that is a printed date, a byline, or both, with little else."""
    if len(line) > MAX_DATELINE_CHARS:
        return False
    if _BYLINE_START.match(line):
        return True
    rest = _PRINTED_DATE.sub(" ", line)
    return rest != line and len(_WORD.findall(rest)) <= DATELINE_WORDS


def _jsonld_body(data: page.PageData) -> str:
    """The longest JSON-LD articleBody/text of an article-typed object, as plain text."""
    bodies = [o.get("articleBody") or o.get("text") for o in data.jsonld if page.is_article(o)]
    longest = max((b for b in bodies if isinstance(b, str)), key=len, default="")
    if "<" in longest:
        from lxml.html import fromstring

        longest = "\n".join(t.strip() for t in fromstring(f"<div>{longest}</div>").itertext() if t.strip())
    return longest.strip()


def _tells(text: str, titles: Iterable[str | None]) -> bool:
    """The text repeats much of some title's wording: EMBEDDED_TITLE_SHARE of its words of 4 letters or more, or
    in a dense script (no spaces between words) of its character bigrams."""
    lowered = text.lower()
    body = _norm(text)
    for title in titles:
        if page.dense_share(title or "") >= DENSE_TITLE_SHARE:
            norm = _norm(title or "")
            keys = {norm[i:i + 2] for i in range(len(norm) - 1)}
            found = sum(k in body for k in keys)
        else:
            keys = {w for w in re.findall(r"[^\W\d_]{4,}", (title or "").lower())}
            found = sum(re.search(rf"\b{re.escape(k)}", lowered) is not None for k in keys)
        if keys and found >= EMBEDDED_TITLE_SHARE * len(keys):
            return True
    return False


def _embedded_body(tree: HtmlElement, url: str, dense: bool) -> str:
    """The body text of the longest HTML fragment with paragraphs held in a string literal of an inline script
    (the data a script-rendered page hydrates from), extracted as trafilatura extracts a page; '' if none."""
    best = ""
    for script in tree.xpath("//body//script[not(@src)][not(contains(@type, 'ld+json'))]"):
        for literal in _HTML_LITERAL.findall(script.text or ""):
            long = len(literal) > max(len(best), MIN_EMBEDDED_CHARS)
            if long and len(_PARAGRAPH.findall(literal)) >= MIN_EMBEDDED_PARAGRAPHS:
                best = literal
    if not best:
        return ""
    try:
        fragment = json.loads(f'"{best}"')
    except ValueError:
        return ""
    from lxml.html import document_fromstring

    doc = document_fromstring(f"<html><body><article>{fragment}</article></body></html>")
    return _trafilatura_text(doc, url, favor_precision=True, dense=dense)


def _trafilatura_text(
    tree: HtmlElement, url: str, *, favor_precision: bool, favor_recall: bool = False, dense: bool = False
) -> str:
    from trafilatura.core import bare_extraction

    # deduplicate=False: trafilatura's process-global LRU cache would silently drop a re-fetched page
    doc = bare_extraction(tree, url=url, include_comments=False, deduplicate=False, with_metadata=False,
                          favor_precision=favor_precision, favor_recall=favor_recall, config=_config(dense))
    return getattr(doc, "text", None) or ""


@functools.lru_cache(maxsize=2)
def _config(dense: bool) -> ConfigParser:
    """trafilatura's settings; for dense scripts its minimum extracted size divided by page.DENSE_WEIGHT."""
    from trafilatura.settings import DEFAULT_CONFIG

    if not dense:
        return DEFAULT_CONFIG
    config = ConfigParser()
    config.read_dict(DEFAULT_CONFIG)
    size = DEFAULT_CONFIG.getint("DEFAULT", "MIN_EXTRACTED_SIZE")
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(round(size / page.DENSE_WEIGHT)))
    return config


def clean_title(title: str, site_name: str | None, url: str, h1: str | None = None) -> str:
    """Drop site-name segments (' | Newsmax.com', ' - Reuters') from either end of a title."""
    title = " ".join(title.split())
    parts = [p for p in _TITLE_SEP.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    keys = {_norm(site_name or "")} | _host_keys(url)
    keys.discard("")

    def is_site(part: str) -> bool:
        norm = _norm(part)
        return bool(norm) and any(
            norm == k or (len(k) >= 4 and k in norm and len(norm) <= len(k) + 6) or norm in k for k in keys)

    while len(parts) > 1 and is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
    if len(parts) > 1 and h1 and _norm(h1) in {_norm(p) for p in parts}:
        return " ".join(h1.split())
    # a closing guillemet or bar ends the title ("Kicker - «Quote»"): no segment was dropped, nothing is trimmed
    if len(parts) == len([p for p in _TITLE_SEP.split(title) if p.strip()]):
        return title
    # rebuild from the original so inner separators and punctuation survive
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else " ".join(parts)


def visible_headline(tree: HtmlElement) -> str | None:
    """The headline shown on the page: the first <h1> in <article>/<main>, else the page's only <h1>."""
    heads = [h for h in tree.xpath("//h1") if h.text_content().strip()]
    scoped = next((h for h in heads if h.xpath("ancestor::article or ancestor::main")), None)
    head = scoped if scoped is not None else (heads[0] if len(heads) == 1 else None)
    return _without_kicker(head) if head is not None else None


def _without_kicker(head: HtmlElement) -> str:
    """The <h1>'s text without an overline the markup sets apart: a first element of a few words parted from the
    rest by a separator of its own ("<span>Topic</span><span> - </span><span>Headline</span>"). A kicker that ends
    in a colon ("<span>Topic:</span> Headline") reads as part of the headline and stays (the ground truths of
    news parsers keep it)."""
    text = " ".join(head.text_content().split())
    first = next((c for c in head if isinstance(c.tag, str) and c.text_content().strip()), None)
    if first is None or (head.text or "").strip():
        return text
    kicker = " ".join(first.text_content().split())
    rest = " ".join("".join([first.tail or "", *[_node_text(n) for n in first.itersiblings()]]).split())
    # the separator opens the rest: " - ", " | ", " / "
    parted = re.match(r"^[-–—|/·]\s", rest + " ")
    headline = re.sub(r"^[-–—|/·]\s*", "", rest)
    if not parted or len(kicker.split()) > KICKER_WORDS or len(_norm(headline)) < MIN_HEADLINE_CHARS:
        return text
    return headline


def _node_text(node: HtmlElement) -> str:
    return (node.text_content() if isinstance(node.tag, str) else "") + (node.tail or "")


def choose_title(title: str, headline: str | None, site_name: str | None, url: str) -> str:
    """The visible headline when it is one and differs from the metadata title (search and social headlines,
    "Topic:" kickers and over-trimmed titles are what readers do not see); else the metadata title."""
    if not headline or _norm(headline) == _norm(title):
        return title
    # a date printed inside the <h1> ("1. Februar 2022 Minister says ...") is a dateline, not the headline
    headline = clean_title(_LEADING_DATE.sub("", headline), site_name, url)
    norm = _norm(headline)
    # a logo or section <h1> ("News", the site's name) is no headline; 12: the shortest real headlines
    if len(norm) < MIN_HEADLINE_CHARS or norm in ({_norm(site_name or "")} | _host_keys(url)):
        return title
    # "Politics Storm hits coast" or "Storm hits coast Subscribers" in the <h1> (a kicker or a badge inside it)
    if len(_norm(title)) >= MIN_HEADLINE_CHARS and (norm.endswith(_norm(title)) or norm.startswith(_norm(title))):
        return title
    # the same story in other words shares much of its text; an unrelated <h1> (a teaser, a widget) does not
    if _shared_bigrams(norm, _norm(title)) < HEADLINE_OVERLAP and title:
        return title
    return headline


def _shared_bigrams(text: str, other: str) -> float:
    """Dice overlap of the two texts' character bigrams (works for scripts without spaces too)."""
    grams = {text[i:i + 2] for i in range(len(text) - 1)}
    others = {other[i:i + 2] for i in range(len(other) - 1)}
    return 2 * len(grams & others) / (len(grams) + len(others)) if grams and others else 0.0


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _host_keys(url: str) -> set[str]:
    """'www.newsmax.com' -> {'newsmaxcom', 'newsmax'}: a title segment naming the host is the site name."""
    host = (urlsplit(url).hostname or "").lower()
    labels = [lb for lb in host.split(".") if lb not in ("www", "m", "amp", "edition", "news")]
    keys = {_norm(".".join(labels))}
    if len(labels) >= 2:
        keys.add(_norm(labels[-2]) if len(labels[-2]) > 3 or len(labels) == 2 else _norm(labels[-3]))
    return keys


def _first_str(*values: Any) -> str | None:
    """The first non-blank string, whitespace collapsed and HTML entities decoded (JSON-LD often double-encodes)."""
    for value in values:
        if isinstance(value, str) and value.strip():
            return " ".join(html_lib.unescape(value).split())
    return None


def _name(obj: Mapping[str, Any] | None, key: str) -> str | None:
    value = (obj or {}).get(key)
    if isinstance(value, list) and value:
        value = value[0]
    return _first_str(value.get("name")) if isinstance(value, dict) else _first_str(value)


def _image(data: page.PageData, obj: Mapping[str, Any] | None, url: str) -> str | None:
    value = (obj or {}).get("image")
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("url")
    raw = _first_str(data.meta.get("og:image"), data.meta.get("twitter:image"), value)
    return urljoin(url, raw) if raw else None
