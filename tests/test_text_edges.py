"""Where an article's text starts and ends: page furniture above the body (kicker, headline, dateline, byline) and
teaser lists and footers below it are not text (pages built here, through extract.extract_article)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler import models
from crawler.extract import extract

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PARAGRAPHS = (
    "The regional assembly debated the water budget for most of the afternoon, and several members asked for "
    "more detail about how the reservoirs would be maintained during the dry months of the coming year.",
    "The finance committee said the new pumps would cost less to run than the old ones, although the first "
    "year would be expensive because the pipes to the eastern villages must be replaced as well.",
    "Residents of the coastal towns, who lost their water supply twice last summer, filled the public gallery "
    "and applauded when the vote was announced shortly after seven in the evening.",
    "The plan now goes to the regional government, which has promised to publish the contracts in full.",
)
BODY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
HEADLINE = "Assembly approves the water budget after a long debate"


def _run(article: str) -> models.Article:
    html = (f'<html lang="en"><head><meta charset="utf-8"><title>{HEADLINE} | Coastline Gazette</title>'
            f'<meta property="og:type" content="article"></head><body>{article}</body></html>')
    result = extract.extract_article(html.encode(), "https://gazette.example.org/news/assembly-approves-water-budget",
                                     now=NOW)
    assert isinstance(result, models.Article), result
    return result


@pytest.mark.parametrize(
    "furniture",
    [
        f"<p>Politics</p><h1>{HEADLINE}</h1><p>Publicado: 03/02/2024 10:15</p><p>Por Ana Ruiz</p>",
        f'<p>Region</p><h1>{HEADLINE}</h1><p>By Ana Ruiz | Staff Writer</p><p>Updated 5:45 AM PST May 3, 2024</p>',
        f"<h1>{HEADLINE}</h1><p>Von Clara Müller und Hans Weber</p><p>3. Mai 2024, 10:15 Uhr</p>",
        f'<h1>{HEADLINE}</h1><p><time datetime="2024-05-03T10:15">May 3, 2024 at 10:15 am</time></p>',
    ],
    ids=["kicker-publicado-por", "by-staff-writer-updated", "von-und-datum", "time-element"],
)
def test_the_text_starts_with_the_first_paragraph(furniture: str) -> None:
    result = _run(f"<article>{furniture}{BODY}</article>")
    assert result.text.startswith(PARAGRAPHS[0][:60]), result.text[:300]


@pytest.mark.parametrize(
    "tail",
    [
        '<h3>Related</h3><ul><li><a href="/news/a-1">Reservoir levels fall again</a></li><li><a href="/news/a-2">'
        'Pumps to be replaced in the east</a></li><li><a href="/news/a-3">Villages without water for two days</a>'
        "</li></ul>",
        "<p>MORE: Reservoir levels fall again</p><p>Got a story? Email the newsroom at news@gazette.example.org</p>",
        '<p>Read more: <a href="/news/a-1">Reservoir levels fall again</a></p><p>Related: <a href="/news/a-2">'
        "Pumps to be replaced</a></p>",
        '<div class="related-stories"><h2>More from the region</h2>' + "".join(
            f'<div class="teaser"><h3><a href="/news/story-{i}">Harbour story {i} in the news</a></h3><p>The '
            "council met again on Tuesday to discuss the ferry timetable.</p></div>" for i in range(4)) + "</div>",
    ],
    ids=["related-list", "more-and-got-a-story", "read-more-related-lines", "teaser-cards"],
)
def test_the_text_ends_with_the_last_paragraph(tail: str) -> None:
    result = _run(f"<article><h1>{HEADLINE}</h1>{BODY}{tail}</article>")
    assert result.text.endswith(PARAGRAPHS[-1]), result.text[-300:]
