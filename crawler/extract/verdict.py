"""Is this page an article? Soft 404s, listings and stubs recognised by weighing several signals (pure)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler import outcomes
from crawler.extract import dates, page

# phrases of error pages, not words a headline could use ("Hiker not found", "Flight 404")
_SOFT_404 = re.compile(
    r"^\s*(?:error\s*)?404\b|\b(?:error 404|404 error|(?:page|article|content|file) not found|^\s*not found\s*$|"
    r"page (?:does not|doesn't) exist|p[áa]gina no (?:encontrada|existe)|seite (?:wurde )?nicht gefunden|"
    r"page introuvable|p[áa]gina n[ãa]o encontrada|pagina non trovata)", re.I)
_SOFT_404_TEXT = re.compile(
    r"(?:page|article|content) (?:you|you're|you are) (?:were )?(?:looking for|requested)", re.I)
_LISTING_PATH = re.compile(
    r"^/?(?:$|index\.\w+$|(?:[a-z]{2}/)?(?:tags?|categor(?:y|ies)|sections?|topics?|temas?|authors?|autor(?:es)?|"
    r"search|buscar|archives?|page|pagina|feed|latest|ultimas|últimas)(?:/|$))|/(?:page/\d+|portada|inicio)/?$",
    re.I)
_ROOT_SCRIPT = re.compile(r"^/?(?:index\.\w+)?$", re.I)
_SECTION_PATH = re.compile(r"^(?:/[a-z]{2})?/[^\W\d_]+/?$", re.I)
_ARTICLE_PATH = re.compile(
    r"(?:[a-z0-9]+-){3,}[a-z0-9]+|\d{5,}|/(?:19|20)\d{2}/\d{1,2}/|"
    r"(?:article|artikel|art[ií]culo|noticia|story|post|\bp)s?[/=_-]?\d+", re.I)
ARTICLE_TYPES = page.ARTICLE_TYPES
_LISTING_TYPES = re.compile(r"CollectionPage|ItemList|SearchResultsPage|ProfilePage|WebSite$", re.I)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Linked headlines (h2-h4 containing a link, outside the template's sidebars, menus, header and footer) from which
# on a page looks like a teaser river.
TEASER_HEADLINES = 6
_TEASER_XPATH = ("//body//*[self::h2 or self::h3 or self::h4][.//a]"
                 "[not(ancestor::aside or ancestor::nav or ancestor::header or ancestor::footer)]")
# A headline is a sentence: at least this many words (or Latin-equivalent characters in a dense script), where
# section fronts, tag pages and home pages are named in one to three words ("Sports", "Latest news")
HEADLINE_WORDS, HEADLINE_CHARS = 5, 25
# the headline's container has more text than the headline and a dateline, kicker or byline beside it
CONTAINER_EXTRA_CHARS = 200
# the headline's date is printed within these many text nodes before or after it (kicker, dateline, byline)
DATELINE_NODES = 6
_PRINTED_DATE = re.compile(rf"{dates.YMD.pattern}|{dates.WORDY_DATE.pattern}|\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}}\b",
                           re.I)
_IN_HEADING = "ancestor-or-self::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"
# prose: lines of at least this many words carry most of the text (a teaser river alternates headlines and blurbs)
PROSE_LINE_WORDS, PROSE_SHARE = 20, 0.6
# Fewer words than this is not an article whatever else the page says.
MIN_WORDS = 25
# Below this, length counts as evidence for a listing or stub; above it, for an article.
SHORT_WORDS, LONG_WORDS = 150, 250


def not_article_reason(
    text: str, title: str, h1: str | None, url: str, tree: HtmlElement, *, jsonld_types: str, og_type: str,
    has_date: bool,
) -> str | None:
    """Why this page is not an article (soft 404, listing, stub), weighing several signals; None if it is."""
    words = word_count(text)
    if not text.strip():
        return "no main text found"
    if (_SOFT_404.search(title) or _SOFT_404.search(h1 or "") or _SOFT_404_TEXT.search(text)) and words < 300:
        return "page says not found (soft 404)"
    if words < MIN_WORDS:
        return f"too little text ({words} words)"
    parts = urlsplit(url)
    path, query = parts.path, parts.query
    article = listing = 0.0
    article += 2 if ARTICLE_TYPES.search(jsonld_types) else 0
    article += 1 if og_type.lower() == "article" else 0
    article += 1 if has_date else 0
    article += 1 if _ARTICLE_PATH.search(f"{path}?{query}") else 0
    article += 1 if words >= LONG_WORDS else 0
    # a river of linked headlines (teasers); article pages with a related box have a few, not many
    river = len(tree.xpath(_TEASER_XPATH)) >= TEASER_HEADLINES
    listing += 2 if _LISTING_TYPES.search(jsonld_types) and not ARTICLE_TYPES.search(jsonld_types) else 0
    # the site root or its index script with a query (?p=959, index.php?id=12) serves single items, not the front
    listing += 2 if _LISTING_PATH.search(path) and not (query and _ROOT_SCRIPT.match(path)) else 0
    # short text counts against a page unless it is prose (a short post or news item, not a few teasers)
    listing += 1 if words < SHORT_WORDS and not _prose(text) else 0
    listing += 2 if _mostly_list_items(text) else 0
    # section fronts are named, articles are headlined: "Sports", "El tiempo" vs a sentence-like headline
    listing += 1 if len(title.split()) <= 2 else 0
    # /en/sports, /deportes/: one plain word at shallow depth names a section; articles carry a slug or an id
    listing += 1 if _SECTION_PATH.match(path) and not query else 0
    listing += 1 if river else 0
    # a page led by a sentence headline is one story (unless it heads a river of teasers: a search or a section);
    # a date printed next to it dates that story. Read only when the balance could tip (the tree walks cost)
    headline = None if listing + 1 - article < 2 else _headline(tree, title)
    article += 1 if headline is not None else 0
    article += 1 if headline is not None and not has_date and _dated(headline) else 0
    # link density last and only when it can tip the balance: it walks the whole tree
    if listing + 1 - article >= 2 and link_density(tree) > 0.5:  # 0.5: most visible text is link labels
        listing += 1
    # a margin of 2: one weak signal (a link-heavy template, a short text) must not outvote the rest
    if listing - article >= 2:
        return f"listing or stub page (listing evidence {listing} > article evidence {article})"
    return None


def _headline(tree: HtmlElement, title: str) -> HtmlElement | None:
    """The page's headline: the first <h1> (in <article>/<main> if any there) that is a sentence (HEADLINE_WORDS)
    telling the story of the page's title (most of its words in it), and that heads no teaser river."""
    heads = [h for h in tree.xpath("//body//h1") if h.text_content().strip()]
    scoped = [h for h in heads if h.xpath("ancestor::article or ancestor::main")]
    # a logo or site name in an <h1> is common: the headline may be the second one
    for head in (scoped or heads)[:3]:
        text = " ".join(head.text_content().split())
        dense = page.dense_share(text) >= 0.5
        if not (len(text.split()) >= HEADLINE_WORDS or (dense and page.text_length(text) >= HEADLINE_CHARS)):
            continue
        words = set(re.findall(r"\w+", text.lower()))
        shared = words & set(re.findall(r"\w+", title.lower()))
        # half of the headline's words in the title: the same story (the title may add the site's name)
        if (title and (text in title or title in text)) or len(shared) >= 0.5 * len(words):
            return None if _heads_river(head, text) else head
    return None


def _heads_river(head: HtmlElement, text: str) -> bool:
    """The headline's container (its nearest ancestor with more than a dateline besides it) holds a river of
    linked headlines: a search or section page titled in a sentence."""
    container = head.getparent()
    while container is not None and container.tag != "body" and (
        len(container.text_content()) <= len(text) + CONTAINER_EXTRA_CHARS
    ):
        container = container.getparent()
    if container is None:
        return False
    return len(container.xpath("." + _TEASER_XPATH.removeprefix("//body"))) >= TEASER_HEADLINES


def _dated(headline: HtmlElement) -> bool:
    """A date is printed within a few text nodes above or below the headline (the story's dateline), before any
    other heading (the next heading starts a teaser, whose date is not the headline's)."""
    near = f"::text()[normalize-space()]{page.VISIBLE}[position() <= {DATELINE_NODES}]"
    # lxml returns both in document order: the nodes above are walked from the headline upwards
    for nodes in (headline.xpath("following" + near), headline.xpath("preceding" + near)[::-1]):
        for node in nodes:
            if node.getparent() is not None and node.getparent().xpath(_IN_HEADING):
                break
            if _PRINTED_DATE.search(str(node)):
                return True
    return False


def _prose(text: str) -> bool:
    """Most of the text is in long lines of running sentences, not headlines, list items or captions."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    long = [ln for ln in lines if len(ln.split()) >= PROSE_LINE_WORDS and not ln.lstrip().startswith("- ")]
    # a teaser river alternates short lines (headline, date) with its blurbs; an article has few short lines
    short = len(lines) - len(long)
    return len(long) >= 2 and short < len(long) and sum(map(len, long)) >= PROSE_SHARE * sum(map(len, lines))


def _mostly_list_items(text: str) -> bool:
    """The main text is a list of teasers: trafilatura renders list items as '- ' lines."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    items = [ln for ln in lines if ln.lstrip().startswith("- ")]
    # 4 items and 60% of the text: an article with one bullet list stays well below
    return len(items) >= 4 and sum(map(len, items)) > 0.6 * sum(map(len, lines))


def word_count(text: str) -> int:
    """Words, counting two CJK characters as one word (those scripts do not separate words by spaces)."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub(" ", text).split()) + cjk // 2


def link_density(tree: HtmlElement) -> float:
    """Share of the body's words that are link labels."""
    body = tree.find("body")
    if body is None:
        return 0.0
    total = len(" ".join(body.itertext()).split()) or 1
    linked = sum(len(" ".join(a.itertext()).split()) for a in body.iter("a"))
    return linked / total


def judge(text: str, tree: HtmlElement) -> str:
    """EMPTY when the page shows (almost) no text at all; NOT_ARTICLE when it has text but no article body."""
    if text.strip():
        return outcomes.NOT_ARTICLE
    return outcomes.NOT_ARTICLE if word_count(page.visible_text(tree)) >= MIN_WORDS else outcomes.EMPTY


jsonld_types = page.jsonld_types
