"""Is it an article? Real news items in link-heavy templates and short blog posts are articles; section fronts,
home pages, tag pages and search results are not (pages built here, through extract.extract_article)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler import models, outcomes
from crawler.extract import extract

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
NAV = ("Home", "About us", "News", "Press releases", "Publications", "Statistics", "Tariffs", "Travellers",
       "Businesses", "Excise", "Import", "Export", "Transit", "Forms", "Contacts", "Careers", "Procurement",
       "Legislation", "Data protection", "Accessibility", "Sitemap", "FAQ")


def _links(labels: tuple[str, ...] | list[str], prefix: str = "/") -> str:
    return "".join(f'<li><a href="{prefix}{label.lower().replace(" ", "-")}">{label}</a></li>' for label in labels)


def _template(title: str, main: str, *, head: str = "", lang: str = "en") -> bytes:
    """A government or blog site's frame: a big menu, a sub-menu, a 'latest' box and a link-heavy footer."""
    latest = "".join(
        f'<li><h3><a href="/news/item-{i}">Customs officers report results of inspection week {i}</a></h3></li>'
        for i in range(8)
    )
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body><header><a href="/">Customs Board</a><nav><ul>{_links(NAV)}</ul></nav>
<ul class="submenu">{_links([f"Topic {i} guidance" for i in range(25)], "/topics/")}</ul></header>
<div class="layout"><aside><h2>Latest news</h2><ul>{latest}</ul></aside>
<main>{main}</main></div>
<footer><ul>{_links([f"Regional office {i}" for i in range(30)], "/offices/")}</ul>
<p>Customs Board, Harbour Street 1</p></footer></body></html>""".encode()


def _run(body: bytes, url: str) -> models.Article | models.Rejected:
    return extract.extract_article(body, url, content_type="text/html; charset=utf-8", now=NOW)


CUSTOMS_PARAGRAPHS = (
    "Customs officers at the Northern Port found 2.1 million counterfeit cigarettes hidden in a shipment of "
    "furniture on Tuesday. The container had been declared as office chairs and arrived from an Asian port.",
    "The cigarettes carried fake tax stamps. Their market value is estimated at 650,000 euros, and the unpaid "
    "excise duty and value added tax would have amounted to about 480,000 euros.",
    "The case has been handed to the investigation department, which has opened criminal proceedings. The "
    "importer faces a fine and the goods will be destroyed under customs supervision.",
)


def customs_news_item() -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in CUSTOMS_PARAGRAPHS)
    main = (f'<div class="news-item"><h1>Customs officers seize 2.1 million counterfeit cigarettes at the Northern '
            f'Port</h1><p class="date">12.03.2024</p>{paragraphs}'
            '<p><a href="/news">Back to news</a> | <a href="/print">Print</a></p></div>')
    return _template("Customs officers seize 2.1 million counterfeit cigarettes at the Northern Port - Customs Board",
                     main)


def _divs_only(page: bytes) -> bytes:
    """The same page in an older template: no <main> or <aside>, the logo in an <h1>."""
    logo = b'<a href="/">Customs Board</a>'
    for old, new in ((b"<main>", b'<div id="content">'), (b"</main>", b"</div>"), (b"<aside>", b'<div class="col">'),
                     (b"</aside>", b"</div>"), (logo, b"<h1>" + logo + b"</h1>")):
        page = page.replace(old, new)
    return page


@pytest.mark.parametrize("template", ["html5", "divs-and-logo-h1"])
@pytest.mark.parametrize(
    "url",
    ["https://www.customs.example.gov/en/news/press-releases/4711", "https://www.customs.example.gov/index.php?id=4711",
     "https://www.customs.example.gov/aktuelles/meldung.html"],
)
def test_a_news_item_in_a_link_heavy_government_template_is_an_article(template: str, url: str) -> None:
    page = customs_news_item()
    result = _run(page if template == "html5" else _divs_only(page), url)
    assert isinstance(result, models.Article), result
    assert result.text.startswith("Customs officers at the Northern Port found"), result.text[:200]


BLOG_SENTENCES = (
    "I have kept a sourdough starter alive for three years now, and people keep asking me how I feed it.",
    "The short answer is flour and water in equal weights, once a day, at about the same time.",
    "In summer the kitchen is warm and the starter doubles in four hours, so I feed it with cold water.",
    "In winter it sits next to the oven light, which keeps it at a steady twenty-four degrees.",
    "Rye flour makes it livelier than white flour, but the bread tastes sour if I use too much of it.",
    "When I go away for a week I put it in the fridge with a thick feed and it wakes up after two meals.",
)


def _wordpress_sidebar() -> str:
    months = [f"{m} 2023" for m in ("January", "February", "March", "April", "May", "June", "July", "August")]
    recent = [f"Notes on baking bread number {i}" for i in range(6)]
    categories = ["Baking", "Garden", "Travel", "Kitchen tools", "Recipes", "Family", "Books", "Uncategorized"]
    return (f'<aside id="secondary" class="widget-area"><section class="widget"><h2 class="widget-title">Recent Posts'
            f'</h2><ul>{_links(recent, "/posts/")}</ul></section><section class="widget"><h2 class="widget-title">'
            f'Archives</h2><ul>{_links(months, "/archive/")}</ul></section><section class="widget"><h2 '
            f'class="widget-title">Categories</h2><ul>{_links(categories, "/category/")}</ul></section></aside>')


def blog_post_modern(sentences: int = 12) -> bytes:
    """A WordPress post in a current theme: <article>, an entry-title <h1>, a <time>, og:type website."""
    body = "".join(f"<p>{BLOG_SENTENCES[i % 6]} {BLOG_SENTENCES[(i + 1) % 6]}</p>" for i in range(0, sentences, 2))
    main = (f'<article class="post type-post"><header class="entry-header"><h1 class="entry-title">What my sourdough '
            f'starter eats in summer and winter</h1><div class="entry-meta"><span class="posted-on">Posted on <a href='
            f'"/2023/05/14/"><time class="entry-date published" datetime="2023-05-14T09:12:00+02:00">May 14, 2023'
            f'</time></a></span></div></header><div class="entry-content">{body}</div><footer class="entry-footer">'
            f'Posted in <a href="/category/baking" rel="category tag">Baking</a></footer></article>'
            '<div id="comments"><h3 id="reply-title">Leave a Reply</h3><form><textarea></textarea></form></div>')
    page = (f'<!doctype html><html lang="en-US"><head><meta charset="utf-8"><title>What my sourdough starter eats in '
            f'summer and winter &#8211; Anna bakes</title><meta property="og:type" content="website"></head><body>'
            f'<header class="site-header"><p class="site-title"><a href="/">Anna bakes</a></p><nav><ul>'
            f'{_links(["Home", "About", "Recipes", "Contact"])}</ul></nav></header><div id="content">'
            f'<main id="main">{main}</main>{_wordpress_sidebar()}</div><footer>Proudly powered by WordPress</footer>'
            '</body></html>')
    return page.encode()


def blog_post_classic(sentences: int = 20) -> bytes:
    """A WordPress post in an old theme: no <article>, the title a linked <h2>, a printed date, no og tags."""
    body = "".join(f"<p>{BLOG_SENTENCES[i % 6]} {BLOG_SENTENCES[(i + 3) % 6]}</p>" for i in range(0, sentences, 2))
    post = (f'<div class="post" id="post-212"><h2 class="entry-title"><a href="/why-we-moved-the-bakery" '
            f'rel="bookmark">Why we moved the bakery to the old mill</a></h2><div class="entry-meta">Posted on '
            f'June 2, 2023 by anna</div><div class="entry-content">{body}</div><div class="entry-utility">'
            f'Bookmark the <a href="/why-we-moved-the-bakery">permalink</a>.</div></div>')
    page = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><title>Why we moved the '
            f'bakery to the old mill | Anna bakes</title></head><body><div id="header"><div id="site-title"><a '
            f'href="/">Anna bakes</a></div><ul class="menu">{_links(["Home", "About", "Recipes", "Contact"])}</ul>'
            f'</div><div id="container"><div id="content">{post}</div></div><div id="primary">'
            f'{_wordpress_sidebar()}</div><div id="footer">Proudly powered by WordPress</div></body></html>')
    return page.encode()


@pytest.mark.parametrize("sentences", [8, 16])
def test_a_short_blog_post_in_a_current_theme_is_an_article(sentences: int) -> None:
    result = _run(blog_post_modern(sentences), "https://anna-bakes.example.net/sourdough-starter-notes/")
    assert isinstance(result, models.Article), result


@pytest.mark.parametrize("sentences", [10, 24])
def test_a_short_blog_post_in_an_old_theme_is_an_article(sentences: int) -> None:
    result = _run(blog_post_classic(sentences), "https://www.anna-bakes.example.net/why-we-moved-the-bakery")
    assert isinstance(result, models.Article), result


TEASER = ("The harbour council met on Tuesday to discuss the new ferry timetable and the cost of dredging the "
          "channel before the summer season begins.")


def _river(count: int = 12, heading: str = "h2") -> str:
    """A list of teasers: a linked headline, a date and a one-sentence blurb each."""
    return "".join(
        f'<div class="teaser"><{heading}><a href="/news/2024/05/harbour-story-number-{i}">Harbour story number {i} '
        f'makes the news today</a></{heading}><span class="date">{10 + i} May 2024</span><p>{TEASER}</p></div>'
        for i in range(count)
    )


def _listing(title: str, h1: str, river: str) -> bytes:
    return (f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:type" content="website"></head><body><header><nav><ul>{_links(NAV)}</ul></nav>'
            f'</header><main><h1>{h1}</h1>{river}</main><footer>Coastline Gazette</footer></body></html>').encode()


@pytest.mark.parametrize(
    ("url", "title", "h1"),
    [
        ("https://gazette.example.org/", "Coastline Gazette - News from the coast", "Coastline Gazette"),
        ("https://gazette.example.org/tag/harbour/", "Harbour - Coastline Gazette", "Harbour"),
        ("https://gazette.example.org/search?q=harbour+ferry+timetable", "Search results for harbour ferry timetable",
         "Search results for harbour ferry timetable"),
    ],
    ids=["home", "tag", "search"],
)
def test_listings_stay_rejected(url: str, title: str, h1: str) -> None:
    result = _run(_listing(title, h1, _river()), url)
    assert isinstance(result, models.Rejected) and result.reason == outcomes.NOT_ARTICLE, result


def test_a_short_section_front_with_a_dated_sentence_headline_stays_rejected() -> None:
    river = f'<p class="date">12 May 2024</p>{_river(6, "h3")}'
    result = _run(_listing("Latest from the harbour and the coast", "Latest from the harbour and the coast", river),
                  "https://gazette.example.org/harbour/")
    assert isinstance(result, models.Rejected), result
