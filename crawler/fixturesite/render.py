"""HTML, feed and sitemap text for the fixture sites (pure string building, no I/O)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape


@dataclass(frozen=True)
class Site:
    """The look of one fixture site: name, base URL, menu and the time zone its dates are written in."""

    key: str
    name: str
    base: str
    nav: tuple[tuple[str, str], ...]  # (label, path)
    tz: timezone
    logo: str


def local(dt: datetime, site: Site) -> str:
    """ISO 8601 in the site's own offset (the instant is what matters; offsets vary like on real sites)."""
    return dt.astimezone(site.tz).isoformat()


def _header(site: Site) -> str:
    links = "".join(f'<li><a href="{escape(path)}">{escape(label)}</a></li>' for label, path in site.nav)
    return (
        '<header class="site-header">'
        f'<a class="logo" href="/">{escape(site.logo)}</a>'
        '<form class="search" action="/search" method="get"><input name="q" placeholder="Search"></form>'
        f'<nav class="main-nav" aria-label="Sections"><ul>{links}</ul></nav>'
        '<div class="cookie-banner">We use cookies to improve your experience. '
        '<a href="/privacy">Privacy policy</a> <button>Accept</button></div>'
        "</header>"
    )


def _footer(site: Site, year: int) -> str:
    return (
        '<footer class="site-footer">'
        '<section class="newsletter"><h2>Newsletter</h2><p>Get the morning briefing in your inbox.</p>'
        '<form action="/subscribe"><input type="email" name="email"><button>Subscribe</button></form></section>'
        '<ul class="footer-links"><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>'
        '<li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms of use</a></li>'
        '<li><a href="/feed.rss">RSS</a></li></ul>'
        f'<p class="copyright">&copy; {year} {escape(site.name)}. All rights reserved.</p>'
        "</footer>"
    )


_STYLE = (
    "<style>body{font-family:Georgia,serif;margin:0}.site-header{background:#111;color:#fff;padding:8px}"
    ".main-nav ul{display:flex;gap:12px;list-style:none}article{max-width:720px;margin:auto}"
    ".dek{font-size:1.2em;color:#555}.most-read{border-top:1px solid #ccc}</style>"
)


def page(site: Site, *, lang: str, title: str, body: str, head: str = "", year: int) -> str:
    """A complete HTML document with the site's header and footer around `body`."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{head}{_STYLE}\n</head>\n<body>\n"
        f"{_header(site)}\n<main>\n{body}\n</main>\n{_footer(site, year)}\n</body>\n</html>\n"
    )


@dataclass(frozen=True)
class ArticleView:
    """What an article page shows; `date_in_html` as in Story."""

    title: str
    dek: str
    author: str
    section: str
    lang: str
    canonical: str
    paragraphs: tuple[str, ...]
    published: datetime
    date_in_html: str
    og_type_article: bool = True
    comments: tuple[tuple[str, str], ...] = ()
    most_read: tuple[tuple[str, str], ...] = ()  # (title, path) of off-topic teasers in the sidebar
    image: str = ""
    extra_head: str = ""
    extra_body: str = ""


def _jsonld(view: ArticleView, site: Site) -> str:
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": view.title,
        "description": view.dek,
        "inLanguage": view.lang,
        "mainEntityOfPage": {"@type": "WebPage", "@id": view.canonical},
        "author": [{"@type": "Person", "name": view.author}],
        "publisher": {"@type": "Organization", "name": site.name},
        "articleSection": view.section,
    }
    if view.date_in_html in ("both", "jsonld", "bad-meta"):
        data["datePublished"] = local(view.published, site)
    if view.image:
        data["image"] = [view.image]
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>\n'


def _meta_head(view: ArticleView, site: Site) -> str:
    locale = "es_ES" if view.lang == "es" else "en_US"
    tags = [
        f'<link rel="canonical" href="{escape(view.canonical)}">',
        f'<meta name="description" content="{escape(view.dek)}">',
        f'<meta name="author" content="{escape(view.author)}">',
        f'<meta property="og:title" content="{escape(view.title)}">',
        f'<meta property="og:description" content="{escape(view.dek)}">',
        f'<meta property="og:url" content="{escape(view.canonical)}">',
        f'<meta property="og:site_name" content="{escape(site.name)}">',
        f'<meta property="og:locale" content="{locale}">',
        f'<meta property="article:section" content="{escape(view.section)}">',
    ]
    if view.og_type_article:
        tags.append('<meta property="og:type" content="article">')
    if view.image:
        tags.append(f'<meta property="og:image" content="{escape(view.image)}">')
    if view.date_in_html in ("both", "meta"):
        tags.append(f'<meta property="article:published_time" content="{local(view.published, site)}">')
    elif view.date_in_html == "bad-meta":
        # A real-world CMS bug: month 46 exists in no year; the JSON-LD date is the valid one.
        bad = f"{view.published.year}-46-21T{view.published.astimezone(site.tz):%H:%M:%S}"
        tags.append(f'<meta property="article:published_time" content="{bad}">')
    return "\n".join(tags) + "\n" + _jsonld(view, site)


def _byline(view: ArticleView, site: Site) -> str:
    byline = f'<div class="byline">By <span class="author">{escape(view.author)}</span>'
    if view.date_in_html != "none":
        shown = view.published.astimezone(site.tz)
        byline += f' <time datetime="{local(view.published, site)}">{shown:%d %B %Y, %H:%M}</time>'
    return byline + "</div>"


def article_html(view: ArticleView, site: Site, now: datetime) -> str:
    """A news article page with boilerplate, structured data, optional comments and a sidebar."""
    paras = "\n".join(f"<p>{escape(p)}</p>" for p in view.paragraphs)
    body = (
        f'<article class="story">\n<p class="kicker"><a href="#">{escape(view.section)}</a></p>\n'
        f'<h1>{escape(view.title)}</h1>\n<p class="dek">{escape(view.dek)}</p>\n{_byline(view, site)}\n'
        '<div class="share"><a href="#">Share</a> <a href="#">Print</a></div>\n'
        f'<div class="article-body">\n{paras}\n</div>\n'
        '<p class="tags">Filed under: <a href="#">' + escape(view.section) + "</a></p>\n</article>\n"
    )
    if view.comments:
        items = "".join(
            f'<li class="comment"><span class="commenter">{escape(who)}</span><p>{escape(text)}</p></li>'
            for who, text in view.comments
        )
        heading = f"<h2>{len(view.comments)} comments</h2>"
        body += f'<section class="comments" id="comments">{heading}<ol>{items}</ol></section>\n'
    if view.most_read:
        items = "".join(f'<li><a href="{escape(p)}">{escape(t)}</a></li>' for t, p in view.most_read)
        body += f'<aside class="most-read"><h2>Most read</h2><ol>{items}</ol></aside>\n'
    body += view.extra_body
    head = _meta_head(view, site) + view.extra_head
    return page(site, lang=view.lang, title=f"{view.title} | {site.name}", body=body, head=head, year=now.year)


def teaser_list(items: tuple[tuple[str, str, str], ...]) -> str:
    """<ul> of (title, href, summary) teasers, as on listing and section pages."""
    lis = "".join(
        f'<li class="teaser"><h3><a href="{escape(href)}">{escape(title)}</a></h3><p>{escape(summary)}</p></li>'
        for title, href, summary in items
    )
    return f'<ul class="teasers">{lis}</ul>'


def rss(*, title: str, link: str, items: tuple[tuple[str, str, str, datetime | None], ...]) -> str:
    """RSS 2.0 document from (title, link, description, pubDate) items."""
    parts = []
    for t, href, desc, when in items:
        date = f"<pubDate>{format_datetime(when.astimezone(UTC), usegmt=True)}</pubDate>" if when else ""
        parts.append(
            f"<item><title>{xml_escape(t)}</title><link>{xml_escape(href)}</link>"
            f'<guid isPermaLink="false">{xml_escape(href)}</guid>'
            f"<description>{xml_escape(desc)}</description>{date}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{xml_escape(title)}</title><link>{xml_escape(link)}</link>"
        "<description>Latest news</description>\n" + "\n".join(parts) + "\n</channel>\n</rss>\n"
    )


def atom(*, title: str, link: str, updated: datetime, entries: tuple[tuple[str, str, str, datetime], ...]) -> str:
    """Atom 1.0 document from (title, link, summary, published) entries."""
    parts = []
    for t, href, summary, when in entries:
        stamp = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
        parts.append(
            f'<entry><title>{xml_escape(t)}</title><link rel="alternate" href="{xml_escape(href)}"/>'
            f"<id>{xml_escape(href)}</id><published>{stamp}</published><updated>{stamp}</updated>"
            f"<summary>{xml_escape(summary)}</summary></entry>"
        )
    stamp = updated.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="es">\n'
        f'<title>{xml_escape(title)}</title><link href="{xml_escape(link)}"/><id>{xml_escape(link)}</id>'
        f"<updated>{stamp}</updated>\n" + "\n".join(parts) + "\n</feed>\n"
    )


def sitemap_index(locs: tuple[str, ...], lastmod: datetime) -> str:
    """<sitemapindex> pointing at child sitemaps."""
    stamp = lastmod.astimezone(UTC).isoformat()
    items = "".join(f"<sitemap><loc>{xml_escape(u)}</loc><lastmod>{stamp}</lastmod></sitemap>\n" for u in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{items}</sitemapindex>\n'
    )


def news_sitemap(*, publication: str, entries: tuple[tuple[str, str, str, datetime], ...]) -> str:
    """Google News sitemap from (loc, language, title, publication_date) entries."""
    items = []
    for loc, lang, title, when in entries:
        items.append(
            f"<url><loc>{xml_escape(loc)}</loc><news:news><news:publication>"
            f"<news:name>{xml_escape(publication)}</news:name><news:language>{lang}</news:language>"
            f"</news:publication><news:publication_date>{when.astimezone(UTC).isoformat()}"
            f"</news:publication_date><news:title>{xml_escape(title)}</news:title></news:news></url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + "\n".join(items) + "\n</urlset>\n"
    )


def urlset(entries: tuple[tuple[str, datetime], ...]) -> str:
    """Plain <urlset> from (loc, lastmod) entries."""
    items = "".join(
        f"<url><loc>{xml_escape(loc)}</loc><lastmod>{when.astimezone(UTC).isoformat()}</lastmod>"
        "<changefreq>daily</changefreq></url>\n"
        for loc, when in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{items}</urlset>\n'


HAVANA = timezone(timedelta(hours=-5), "CST")
CARACAS = timezone(timedelta(hours=-4), "VET")
