"""Assemble the fixture sites: every route's pre-rendered response, and the manifest describing them."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.fixturesite import bench, pages, render
from crawler.fixturesite.manifest import ArticleSpec, Manifest, TrapSpec
from crawler.fixturesite.render import CARACAS, HAVANA, ArticleView, Site
from crawler.fixturesite.stories_en import STORIES as EN_STORIES
from crawler.fixturesite.stories_es import STORIES as ES_STORIES
from crawler.fixturesite.story import Story

STORIES: tuple[Story, ...] = EN_STORIES + ES_STORIES
HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"

# Paths of the trap routes on site A (named so tests and the job refer to one place).
ALIAS_KEY = "en-maduro-warrants"
OLD_PATH = "/en/world/maduro-arrest-warrants"  # 301 -> the alias article's path
NOT_FOUND_PATH = "/en/americas/deleted-story-cuba-protest"
ERROR_PATH = "/es/america-latina/error-interno-servidor"
SLOW_PATH = "/en/americas/slow-loading-maduro-interview"
PDF_PATH = "/en/documents/pdvsa-annual-report.pdf"
SOFT_404_PATH = "/en/americas/cuba-protest-live-updates"
SECTION_TRAP_PATH = "/es/america-latina/portada"
OFFSITE_REDIRECT_PATH = "/en/americas/partner-exclusive-maduro-interview"
OFFSITE_FEED_PATH = "/world/cuba-partner-report"
OFFSITE_LISTING_PATH = "/en/opinion/venezuela-partner-column"  # matches the listing pattern on purpose
OFFSITE_TARGET_PATH = "/exclusive/maduro-interview"


@dataclass(frozen=True)
class Response:
    """One pre-rendered HTTP response."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds to wait before answering (the slow-page trap)


@dataclass(frozen=True)
class Bases:
    """Base URLs (scheme://host:port, no trailing slash) of the three fixture hosts."""

    a: str
    b: str
    offsite: str


@dataclass(frozen=True)
class Built:
    """Routes per host key ("a", "b", "offsite"), the fallback for unknown paths, and the manifest."""

    routes: dict[str, dict[str, Response]]
    fallback: dict[str, Response]
    manifest: Manifest


def _html(text: str, status: int = 200) -> Response:
    return Response(status, HTML, text.encode("utf-8"))


def _xml(text: str) -> Response:
    return Response(200, XML, text.encode("utf-8"))


def _sites(bases: Bases) -> dict[str, Site]:
    nav = (
        ("Latest", "/en/latest"),
        ("Americas", "/en/americas"),
        ("Sports", "/en/sports"),
        ("Weather", "/en/weather"),
        ("Culture", "/en/culture"),
        ("Español", SECTION_TRAP_PATH),
    )
    return {
        "a": Site("a", "La Gaceta / The Gazette", bases.a, nav, HAVANA, "La Gaceta · The Gazette"),
        "b": Site(
            "b", "Diario del Caribe", bases.b, (("Portada", "/"), ("Clima", "/clima")), CARACAS, "Diario del Caribe"
        ),
    }


def published(story: Story, now: datetime) -> datetime:
    """The story's publication instant: `now` minus its age, in whole minutes."""
    return (now - timedelta(hours=story.hours_ago)).replace(second=0, microsecond=0)


def _date_source(story: Story) -> str:
    if story.date_in_html in ("both", "jsonld", "bad-meta"):
        return "jsonld"
    if story.date_in_html == "meta":
        return "meta"
    return "feed" if {"rss", "atom", "b-feed"} & set(story.links) else "sitemap"


def _expected(story: Story) -> str:
    if "robots" in story.traps:
        return "skipped_robots"
    if "old" in story.traps:
        return "skipped_old"
    if "syndicated_copy" in story.traps:
        return "duplicate_content"
    return "stored" if story.topics else "off_topic"


def _aliases(story: Story, base: str) -> tuple[str, ...]:
    if story.key != ALIAS_KEY:
        return ()
    url = base + story.path
    return (
        url + "?utm_source=rss&utm_medium=feed&utm_campaign=latest",
        url + "?utm_source=homepage&utm_medium=listing",
        base + OLD_PATH,
    )


def _spec(story: Story, site: Site, now: datetime) -> ArticleSpec:
    url = site.base + story.path
    return ArticleSpec(
        key=story.key,
        site=story.site,
        path=story.path,
        url=url,
        canonical_url=url,
        title=story.title,
        language=story.lang,
        author=story.author,
        published_at=published(story, now),
        date_source=_date_source(story),
        topics=story.topics,
        expected=_expected(story),
        traps=story.traps,
        links=story.links,
        aliases=_aliases(story, site.base),
        duplicate_of="en-doctors" if "syndicated_copy" in story.traps else None,
        text="\n\n".join(story.paragraphs),
    )


def _article_page(story: Story, site: Site, now: datetime, most_read: tuple[tuple[str, str], ...]) -> Response:
    view = ArticleView(
        title=story.title,
        dek=story.dek,
        author=story.author,
        section=story.section,
        lang=story.lang,
        canonical=site.base + story.path,
        paragraphs=story.paragraphs,
        published=published(story, now),
        date_in_html=story.date_in_html,
        og_type_article=story.og_type_article,
        comments=story.comments,
        most_read=most_read,
    )
    return _html(render.article_html(view, site, now))


def _link(spec: ArticleSpec, via: str) -> str:
    """The URL a source uses for an article (the alias article gets tracking parameters in some)."""
    if spec.key == ALIAS_KEY and via == "rss":
        return spec.aliases[0]
    return spec.url


@dataclass(frozen=True)
class _Ctx:
    """What every route builder needs: hosts, their look, `now` and the article specs."""

    bases: Bases
    sites: dict[str, Site]
    now: datetime
    specs: tuple[ArticleSpec, ...]

    def linked(self, via: str) -> tuple[ArticleSpec, ...]:
        """Articles linked from `via` ("rss", "listing"...), newest first."""
        chosen = [s for s in self.specs if via in s.links]
        return tuple(sorted(chosen, key=lambda s: s.published_at, reverse=True))

    def spec(self, key: str) -> ArticleSpec:
        return next(s for s in self.specs if s.key == key)


def build(bases: Bases, now: datetime, *, slow_seconds: float, crawl_delay: float, extra_articles: int) -> Built:
    """Render every route of the three hosts relative to `now` and describe them in a Manifest."""
    sites = _sites(bases)
    ctx = _Ctx(bases, sites, now, tuple(_spec(s, sites[s.site], now) for s in STORIES))
    most_read = tuple((s.title, s.path) for s in STORIES if s.site == "a" and not s.topics)[:4]
    routes: dict[str, dict[str, Response]] = {"a": {}, "b": {}, "offsite": {}}
    for story in STORIES:
        sidebar = most_read if story.site == "a" else ()
        routes[story.site][story.path] = _article_page(story, sites[story.site], now, sidebar)
    routes["a"] |= _feeds_a(ctx) | _sitemaps_a(ctx) | _pages_a(ctx) | _traps_a(ctx, slow_seconds)
    routes["b"] |= _routes_b(ctx)
    robots = {"a": ("/private/",), "b": ()}
    for key, disallow in robots.items():
        text = pages.robots(
            disallow=disallow, crawl_delay=crawl_delay, sitemap=bases.a + "/sitemap.xml" if key == "a" else None
        )
        routes[key]["/robots.txt"] = Response(200, "text/plain; charset=utf-8", text.encode())
    bench_specs: tuple[ArticleSpec, ...] = ()
    if extra_articles:
        bench_specs, bench_routes, bench_sitemap = bench.build(sites["a"], now, extra_articles)
        routes["a"] |= {path: _html(text) for path, text in bench_routes.items()}
        routes["a"]["/bench-sitemap.xml"] = _xml(bench_sitemap)
    fallback = {
        "a": _html(pages.not_found(sites["a"], now), status=404),
        "b": _html(pages.not_found(sites["b"], now), status=404),
        "offsite": _html(render.article_html(_offsite_view(bases), sites["a"], now)),
    }
    manifest = Manifest(now=now, articles=ctx.specs, traps=_traps(bases), bench=bench_specs)
    return Built(routes=routes, fallback=fallback, manifest=manifest)


def _lead(spec: ArticleSpec) -> str:
    return spec.text.split("\n\n")[0]


def _feeds_a(ctx: _Ctx) -> dict[str, Response]:
    """RSS (English, with trap entries), Atom (Spanish) and the malformed feed."""
    a, now = ctx.bases.a, ctx.now
    rss_items = [(s.title, _link(s, "rss"), _lead(s), s.published_at) for s in ctx.linked("rss")]
    rss_items += [
        ("Protest coverage (removed)", a + NOT_FOUND_PATH, "This story was removed.", now - timedelta(hours=2)),
        ("Maduro: the full interview", a + SLOW_PATH, "Our exclusive interview.", now - timedelta(hours=1)),
        ("PDVSA annual report (PDF)", a + PDF_PATH, "Download the report.", now - timedelta(hours=11)),
        (
            "Partner report on Cuba",
            ctx.bases.offsite + OFFSITE_FEED_PATH,
            "From our partner.",
            now - timedelta(hours=13),
        ),
    ]
    atom_entries = [(s.title, s.url, _lead(s), s.published_at) for s in ctx.linked("atom")]
    atom_entries.append(("Error del servidor", a + ERROR_PATH, "No disponible.", now - timedelta(hours=19)))
    atom = render.atom(title="La Gaceta: América Latina", link=a + "/", updated=now, entries=tuple(atom_entries))
    return {
        "/feed.rss": _xml(render.rss(title=ctx.sites["a"].name, link=a + "/", items=tuple(rss_items))),
        "/atom.xml": Response(200, "application/atom+xml; charset=utf-8", atom.encode()),
        "/broken.rss": _xml(pages.broken_rss(ctx.spec("en-cuba-blackout").url)),
    }


def _sitemaps_a(ctx: _Ctx) -> dict[str, Response]:
    """Sitemap index -> Google News sitemap + a gzipped plain sitemap holding the 60-day-old entry."""
    a = ctx.bases.a
    news = tuple((s.url, s.language, s.title, s.published_at) for s in ctx.linked("news-sitemap"))
    old = render.urlset(tuple((s.url, s.published_at) for s in ctx.linked("old-sitemap")))
    return {
        "/sitemap.xml": _xml(render.sitemap_index((a + "/news-sitemap.xml", a + "/sitemap-old.xml.gz"), ctx.now)),
        "/news-sitemap.xml": _xml(render.news_sitemap(publication=ctx.sites["a"].name, entries=news)),
        # mtime=0 keeps the gzip bytes identical across runs.
        "/sitemap-old.xml.gz": Response(200, "application/x-gzip", gzip.compress(old.encode(), mtime=0)),
    }


def _pages_a(ctx: _Ctx) -> dict[str, Response]:
    """Front page, the 'latest' listing (with trap links) and the section fronts."""
    site, now = ctx.sites["a"], ctx.now
    alias = ctx.spec(ALIAS_KEY)
    listed = tuple((s.title, s.url, s.text[:140]) for s in ctx.linked("listing") if s.key != ALIAS_KEY)
    listed += (
        (alias.title, alias.aliases[1], "Prosecutors accuse five politicians."),
        ("Earlier: warrants issued", OLD_PATH, "Background to the warrants."),
        ("Live updates: protests in Cuba", SOFT_404_PATH, "Follow the latest."),
        ("América Latina en español", SECTION_TRAP_PATH, "Portada de la sección."),
        ("PDVSA annual report (PDF)", PDF_PATH, "The full report."),
        ("Exclusive: Maduro speaks", OFFSITE_REDIRECT_PATH, "Our partner's interview."),
    )
    extra = (("Partner column on Venezuela", ctx.bases.offsite + OFFSITE_LISTING_PATH, "Opinion."),)
    out = {"/en/latest": _html(pages.listing(site, "Latest news", listed, extra, now))}
    for path, lang, title in (
        ("/en/americas", "en", "Americas"),
        ("/en/sports", "en", "Sports"),
        ("/en/weather", "en", "Weather"),
        ("/en/culture", "en", "Culture"),
        (SECTION_TRAP_PATH, "es", "América Latina"),
        ("/es/deportes", "es", "Deportes"),
        ("/es/tiempo", "es", "El tiempo"),
    ):
        prefix = path.removesuffix("/portada") + "/"
        teasers = tuple(
            (s.title, s.path, s.text[:160]) for s in ctx.specs if s.site == "a" and s.path.startswith(prefix)
        )
        out[path] = _html(pages.section(site, lang=lang, title=title, teasers=teasers, now=now))
    top = tuple((s.title, s.path, s.text[:120]) for s in ctx.linked("rss")[:6])
    # the homepage announces the RSS and Atom feeds (what a `site` source discovers), not the broken one
    feeds = (("application/rss+xml", "The Gazette", "/feed.rss"), ("application/atom+xml", "La Gaceta", "/atom.xml"))
    out["/"] = _html(pages.home(site, site.nav, top, now, feeds))
    return out


def _traps_a(ctx: _Ctx, slow_seconds: float) -> dict[str, Response]:
    """Redirects, error pages, the soft 404, the PDF and the slow page."""
    site, now = ctx.sites["a"], ctx.now
    slow_story = next(s for s in STORIES if s.key == ALIAS_KEY)
    return {
        OLD_PATH: Response(301, HTML, b"Moved", (("Location", ctx.spec(ALIAS_KEY).url),)),
        OFFSITE_REDIRECT_PATH: Response(302, HTML, b"Found", (("Location", ctx.bases.offsite + OFFSITE_TARGET_PATH),)),
        ERROR_PATH: _html(pages.server_error(site, now), status=500),
        SOFT_404_PATH: _html(pages.not_found(site, now)),
        PDF_PATH: Response(200, "application/pdf", pages.pdf("PDVSA annual report")),
        SLOW_PATH: Response(200, HTML, _article_page(slow_story, site, now, ()).body, delay=slow_seconds),
    }


def _routes_b(ctx: _Ctx) -> dict[str, Response]:
    """Site B's front page and feed."""
    site, b = ctx.sites["b"], ctx.bases.b
    items = tuple((s.title, s.url, _lead(s), s.published_at) for s in ctx.linked("b-feed"))
    teasers = tuple((s.title, s.path, s.text[:160]) for s in ctx.specs if s.site == "b")
    return {
        "/feed.xml": _xml(render.rss(title=site.name, link=b + "/", items=items)),
        "/": _html(pages.section(site, lang="es", title="Portada", teasers=teasers, now=ctx.now)),
    }


def _offsite_view(bases: Bases) -> ArticleView:
    """Whatever the offsite host serves: a plausible on-topic article, so a leak would be stored and seen."""
    return ArticleView(
        title="Partner report: Cuba and Venezuela",
        dek="Served by a host no job may crawl.",
        author="Partner",
        section="World",
        lang="en",
        canonical=bases.offsite + OFFSITE_TARGET_PATH,
        paragraphs=("Cuba and Venezuela signed new agreements, the partner site reports. " * 8,),
        published=datetime(2020, 1, 1).astimezone(),
        date_in_html="none",
    )


def _traps(bases: Bases) -> tuple[TrapSpec, ...]:
    a, off = bases.a, bases.offsite
    return (
        TrapSpec(
            "not-found",
            "a",
            a + NOT_FOUND_PATH,
            404,
            "error_gone",
            ("rss",),
            "feed entry whose page answers 404 (final: not fetched again)",
        ),
        TrapSpec(
            "server-error", "a", a + ERROR_PATH, 500, "error_http", ("atom",), "feed entry whose page answers 500"
        ),
        TrapSpec(
            "slow",
            "a",
            a + SLOW_PATH,
            200,
            "error_timeout",
            ("rss",),
            "answers only after slow_seconds (> the job timeout)",
        ),
        TrapSpec("pdf", "a", a + PDF_PATH, 200, "not_html", ("rss", "listing"), "application/pdf"),
        TrapSpec(
            "soft-404", "a", a + SOFT_404_PATH, 200, "not_article", ("listing",), "'Page not found' served with 200"
        ),
        TrapSpec(
            "section-page",
            "a",
            a + SECTION_TRAP_PATH,
            200,
            "not_article",
            ("listing",),
            "section front matching the article pattern",
        ),
        TrapSpec(
            "old-path-redirect",
            "a",
            a + OLD_PATH,
            301,
            "duplicate_url",
            ("listing",),
            f"301 to the {ALIAS_KEY} article",
        ),
        TrapSpec(
            "offsite-feed-entry",
            "offsite",
            off + OFFSITE_FEED_PATH,
            200,
            "skipped_offsite",
            ("rss",),
            "feed entry on a host outside the job",
        ),
        TrapSpec(
            "offsite-listing-link",
            "offsite",
            off + OFFSITE_LISTING_PATH,
            200,
            "skipped_offsite",
            ("listing",),
            "listing link to a host outside allowed_domains",
        ),
        TrapSpec(
            "offsite-redirect",
            "a",
            a + OFFSITE_REDIRECT_PATH,
            302,
            "skipped_offsite",
            ("listing",),
            "302 from site A to the offsite host",
        ),
        TrapSpec(
            "broken-feed",
            "a",
            a + "/broken.rss",
            200,
            "error_source",
            ("job",),
            "RSS with malformed XML; its one entry is an article also in /feed.rss",
        ),
    )
