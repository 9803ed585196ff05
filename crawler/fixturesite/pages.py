"""Non-article pages of the fixture sites: home, listing, sections, error pages, robots.txt, the PDF."""

from __future__ import annotations

from datetime import datetime
from html import escape

from crawler.fixturesite import render
from crawler.fixturesite.render import Site

Teaser = tuple[str, str, str]  # (title, href, summary)


def home(site: Site, sections: tuple[tuple[str, str], ...], top: tuple[Teaser, ...], now: datetime,
         feeds: tuple[tuple[str, str, str], ...] = ()) -> str:
    """Front page: section index plus top stories; `feeds` (type, title, path) announced in the head."""
    head = "".join(f'<link rel="alternate" type="{escape(kind)}" title="{escape(title)}" href="{escape(path)}">\n'
                   for kind, title, path in feeds)
    index = "".join(f'<li><a href="{escape(p)}">{escape(label)}</a></li>' for label, p in sections)
    body = f'<h1>{escape(site.name)}</h1>\n<section class="sections"><h2>Sections</h2><ul>{index}</ul></section>\n'
    body += f'<section class="top-stories"><h2>Top stories</h2>{render.teaser_list(top)}</section>'
    return render.page(site, lang="en", title=site.name, body=body, head=head, year=now.year)


def listing(site: Site, title: str, teasers: tuple[Teaser, ...], extra_links: tuple[Teaser, ...], now: datetime) -> str:
    """A 'latest news' listing page: teasers, a related-links box and pagination."""
    body = f'<h1 class="listing-title">{escape(title)}</h1>\n{render.teaser_list(teasers)}\n'
    body += f'<aside class="related"><h2>Also on the web</h2>{render.teaser_list(extra_links)}</aside>\n'
    body += '<nav class="pagination"><a href="/en/latest?page=2">Older stories</a></nav>'
    return render.page(site, lang="en", title=f"{title} | {site.name}", body=body, year=now.year)


def section(site: Site, *, lang: str, title: str, teasers: tuple[Teaser, ...], now: datetime) -> str:
    """A section front: a heading and one teaser per story, no article body."""
    body = f'<h1 class="section-title">{escape(title)}</h1>\n{render.teaser_list(teasers)}\n'
    return render.page(site, lang=lang, title=f"{title} | {site.name}", body=body, year=now.year)


def not_found(site: Site, now: datetime) -> str:
    """The 'Page not found' page (served with 404, and with 200 as the soft-404 trap)."""
    body = (
        '<div class="error-page"><h1>Page not found</h1>'
        "<p>Sorry, the page you are looking for does not exist or has been moved.</p>"
        '<p>Try the <a href="/">front page</a> or use the search box above.</p></div>'
    )
    return render.page(site, lang="en", title=f"Page not found | {site.name}", body=body, year=now.year)


def server_error(site: Site, now: datetime) -> str:
    """A 500 page."""
    body = '<div class="error-page"><h1>Internal server error</h1><p>Please try again later.</p></div>'
    return render.page(site, lang="en", title="Error", body=body, year=now.year)


def robots(*, disallow: tuple[str, ...], crawl_delay: float, sitemap: str | None) -> str:
    """robots.txt for every user agent."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {p}" for p in disallow] or ["Allow: /"]
    lines.append(f"Crawl-delay: {crawl_delay:g}")
    if sitemap:
        lines.append(f"Sitemap: {sitemap}")
    return "\n".join(lines) + "\n"


def pdf(title: str) -> bytes:
    """A tiny but well-formed one-page PDF document."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def broken_rss(link: str) -> str:
    """An RSS feed with broken XML: an unescaped ampersand, a mismatched tag and a truncated item."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>La Gaceta & The Gazette: breaking</title>\n"
        f"<item><title>Cuba's power grid <b>collapses</title><link>{link}</link>"
        "<pubDate>yesterday-ish</pubDate></item>\n<item><title>Truncated entry"
    )
