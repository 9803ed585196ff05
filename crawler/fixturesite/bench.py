"""Generated article pages for the throughput benchmark: deterministic, distinct, realistic in size."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from crawler.fixturesite import render
from crawler.fixturesite.manifest import ArticleSpec
from crawler.fixturesite.render import ArticleView, Site

_SUBJECTS = {
    "cuba": (
        "Officials in Havana",
        "Cuba's energy ministry",
        "Farmers in Pinar del Río",
        "The Cuban central bank",
        "Residents of Santiago de Cuba",
        "Small business owners in Havana",
        "Cuban economists",
        "Doctors in Camagüey",
        "Port workers in Mariel",
        "Tobacco growers in Vuelta Abajo",
        "Teachers in Holguín",
        "Cuba's tourism ministry",
        "Bus drivers in Havana",
        "Fishermen in Cienfuegos",
        "Cuban state media",
        "Sugar mill managers in Matanzas",
    ),
    "venezuela": (
        "PDVSA executives",
        "Officials in Caracas",
        "Venezuela's central bank",
        "Opposition deputies in Caracas",
        "Oil workers in Zulia",
        "Venezuelan economists",
        "Shopkeepers in Maracaibo",
        "Nurses in Valencia",
        "Venezuela's electoral council",
        "Cattle ranchers in Apure",
        "Miners in Bolívar state",
        "Venezuelan migrants",
        "Teachers in Barquisimeto",
        "Truck drivers in Táchira",
        "Maduro's government",
        "Refinery staff at Amuay",
    ),
}
_VERBS = (
    "said on Monday that",
    "warned on Tuesday that",
    "reported that",
    "estimated that",
    "told reporters that",
    "insisted that",
    "acknowledged that",
    "complained that",
    "predicted that",
    "denied that",
    "confirmed in a statement that",
    "argued in a letter that",
)
_CLAIMS = (
    "output fell by {pct} per cent in the {period}",
    "about {num} families were affected by the new measure",
    "the price of {good} rose by {pct} per cent in {month}",
    "the plan would cost at least {num} million dollars",
    "{num} workers had not been paid since {month}",
    "shipments of {good} were delayed for {days} days",
    "a new committee would review the {good} supply chain within {days} days",
    "imports of {good} had dropped to {num} tonnes",
    "rolling blackouts lasted up to {days} hours a day",
    "{num} small businesses closed during the {period}",
    "the budget for {good} was cut by {pct} per cent",
    "queues for {good} stretched for {days} blocks in some neighbourhoods",
    "the informal exchange rate rose to {num} to the dollar",
    "repairs at {num} sites would finish by {month}",
    "{pct} per cent of households reported shortages of {good}",
    "inspectors found {num} irregular contracts",
    "a pilot programme in {days} municipalities would be extended",
    "fuel deliveries fell to {num} barrels a day",
)
_TAILS = (
    "",
    ", according to official figures",
    ", a claim disputed by independent economists",
    " despite repeated promises of improvement",
    ", the highest figure in a decade",
    ", although details remained scarce",
    " as pressure grew on local authorities",
    ", citing internal documents",
    " in a report published late on Friday",
    ", a trend analysts expect to continue",
)
_GOODS = (
    "rice",
    "cooking oil",
    "diesel",
    "medicine",
    "bread",
    "cement",
    "chicken",
    "milk powder",
    "fertiliser",
    "spare parts",
)
_PERIODS = ("first quarter", "second quarter", "third quarter", "last six months", "past year", "harvest season")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October")
_QUOTES = (
    "'Nobody tells us anything until it is too late,' said one resident.",
    "'We are doing everything we can with the resources we have,' an official said.",
    "'The numbers speak for themselves,' said an economist who asked not to be named.",
    "'We have heard these promises before,' a union representative said.",
)
_HEADLINES = (
    "Shortages deepen",
    "Officials promise relief",
    "Prices climb again",
    "Workers protest unpaid wages",
    "New measures announced",
    "Output slumps",
    "Blackouts spread",
    "Imports fall sharply",
)


def _sentence(rng: random.Random, topic: str) -> str:
    claim = rng.choice(_CLAIMS).format(
        pct=rng.randint(3, 90),
        num=rng.randint(12, 9800),
        good=rng.choice(_GOODS),
        period=rng.choice(_PERIODS),
        month=rng.choice(_MONTHS),
        days=rng.randint(2, 40),
    )
    return f"{rng.choice(_SUBJECTS[topic])} {rng.choice(_VERBS)} {claim}{rng.choice(_TAILS)}."


def _paragraphs(rng: random.Random, topic: str, words: int) -> tuple[str, ...]:
    paras: list[str] = []
    count = 0
    while count < words:
        sentences = [_sentence(rng, topic) for _ in range(rng.randint(3, 5))]
        if rng.random() < 0.25:
            sentences.append(rng.choice(_QUOTES))
        para = " ".join(sentences)
        paras.append(para)
        count += len(para.split())
    return tuple(paras)


def _boilerplate(i: int) -> tuple[str, str]:
    """Heavy head and body extras (mega-menu, inline state script, related box), as on real news sites."""
    menu = "".join(f'<li><a href="/topics/topic-{k}">Topic {k}: regional coverage</a></li>' for k in range(150))
    state = ",".join(
        f'{{"id":{i * 100 + k},"headline":"Related story {k}","url":"/news/related-{k}","section":"americas",'
        f'"thumbnail":"/img/related-{k}-640x360.jpg","premium":false}}'
        for k in range(70)
    )
    related = "".join(
        f'<li><a href="/news/related-{k}">Related story {k}</a>'
        "<p>Teaser text for a related story about the region.</p></li>"
        for k in range(20)
    )
    css = "<style>" + "".join(f".c{k}{{margin:{k % 7}px;padding:{k % 5}px}}" for k in range(150)) + "</style>\n"
    head = css + f'<script>window.__STATE__={{"related":[{state}]}};</script>\n'
    body = f'<aside class="related-stories"><h2>Related</h2><ul>{related}</ul></aside>\n'
    body += f'<nav class="mega-menu" aria-label="All topics"><ul>{menu}</ul></nav>\n'
    return head, body


def build(site: Site, now: datetime, n: int) -> tuple[tuple[ArticleSpec, ...], dict[str, str], str]:
    """`n` bench articles on `site`: their specs, {path: html} and the /bench-sitemap.xml text."""
    specs: list[ArticleSpec] = []
    routes: dict[str, str] = {}
    for i in range(n):
        rng = random.Random(i)  # seeded by index: the same page for the same i, every run
        topic = "cuba" if i % 2 == 0 else "venezuela"
        place = rng.choice(_SUBJECTS[topic]).split(" in ")[-1]
        title = f"{rng.choice(_HEADLINES)}: {place} report no. {i + 1}"
        path = f"/news/{topic}/bench-{i:05d}-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:50]
        # Spread over the last three days, well inside a 7-day max age.
        when = (now - timedelta(minutes=17 + (i * 7) % (72 * 60))).replace(second=0, microsecond=0)
        paras = _paragraphs(rng, topic, rng.randint(600, 1000))
        head, body = _boilerplate(i)
        view = ArticleView(
            title=title,
            dek=paras[0][:150],
            author="Bench desk",
            section="Americas",
            lang="en",
            canonical=site.base + path,
            paragraphs=paras,
            published=when,
            date_in_html="both",
            extra_head=head,
            extra_body=body,
        )
        routes[path] = render.article_html(view, site, now)
        specs.append(
            ArticleSpec(
                key=f"bench-{i:05d}",
                site="bench",
                path=path,
                url=site.base + path,
                canonical_url=site.base + path,
                title=title,
                language="en",
                author="Bench desk",
                published_at=when,
                date_source="jsonld",
                topics=(topic,),
                expected="stored",
                traps=(),
                links=("bench-sitemap",),
                text="\n\n".join(paras),
            )
        )
    sitemap = render.news_sitemap(
        publication=site.name, entries=tuple((s.url, "en", s.title, s.published_at) for s in specs)
    )
    return tuple(specs), routes, sitemap
