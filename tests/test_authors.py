"""Tests for crawler.extract.authors: names split, cleaned and validated; printed bylines (pure)."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from crawler.extract import authors


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("By Ana Pérez and John Doe", ("Ana Pérez", "John Doe")),
        ("Ana\u00ad Pé\u00adrez\u200b", ("Ana Pérez",)),
        ("por María López y Juan Ruiz", ("María López", "Juan Ruiz")),
        ("Ana Pérez, John Doe", ("Ana Pérez", "John Doe")),
        ("Doe, John", ("Doe, John",)),
        ("John E. Smith", ("John E. Smith",)),
        ("José Volta e Pinto", ("José Volta e Pinto",)),
        ("Hans Müller (obe)", ("Hans Müller",)),
        ("TOM KRISHER, AP Auto Writer", ("TOM KRISHER",)),
        ("jdoe@example.org", ()),
        ("12345", ()),
        ("https://example.org/authors/jdoe", ()),
        ("admin", ()),
        ("The Washington Times", ()),
        ("Ana Ruiz; Ana Ruiz", ("Ana Ruiz",)),
        ("By Ana Ruiz | Staff Writer", ("Ana Ruiz",)),
        ("Von Clara Müller und Hans Weber", ("Clara Müller", "Hans Weber")),
        ("Por Juan Pérez, corresponsal", ("Juan Pérez",)),
        ("By ANA RUIZ, Associated Press", ("ANA RUIZ",)),
        ("Ana Ruiz and the Associated Press", ("Ana Ruiz",)),
        ("Ana Ruiz/dpa", ("Ana Ruiz",)),
        ("Reuters", ("Reuters",)),
        ("By Ana Ruiz in Madrid", ("Ana Ruiz",)),
        ("Von Anna Meier, Berlin", ("Anna Meier",)),
        ("Ana Ruiz | Politics", ("Ana Ruiz",)),
        ("facebook.com/ana.ruiz", ()),
        ("jdoe", ()),
        ("Ana Ruiz, Washington Times", ("Ana Ruiz",)),
        ("By Ana Ruiz | May 5, 2024 10:15", ("Ana Ruiz",)),
        ("Staff Writer", ()),
        ("Interview: Ana Ruiz", ("Ana Ruiz",)),
        ("Ana Ruiz For Mailonline", ("Ana Ruiz",)),
        ("Auswärtige Autoren", ()),
        ("TIMESOFINDIA.COM", ()),
        ("R.C. Baker", ("R.C. Baker",)),
        ("Staff and news service reports", ()),
        ("Redaktion Polizeiticker Schweiz", ()),
        ("Propos recueillis par Patrick Angevin.", ("Patrick Angevin",)),
        ("John Smith Jr.", ("John Smith Jr.",)),
        ("Glen Owen And Brendan Carlin", ("Glen Owen", "Brendan Carlin")),
        ("Bündnis 90/Die Grünen", ()),
        ("Jan Jansen en Piet Peters", ("Jan Jansen", "Piet Peters")),
    ],
)
def test_clean_names(raw: str, expected: tuple[str, ...]) -> None:
    assert authors.clean_names([raw], site_name="The Washington Times") == expected


def _tree(body: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(f"<html><body><article><h1>Storm hits the coast</h1>{body}</article></body></html>")


def test_printed_byline_is_read_when_the_page_states_no_author() -> None:
    tree = _tree('<p class="byline">By Ana Ruiz and Tom Berg</p><p>Text of the article.</p>')
    assert authors.authors(None, {}, tree, None) == ("Ana Ruiz", "Tom Berg")


def test_a_by_line_of_text_is_a_byline() -> None:
    tree = _tree("<p><span>Von Clara Müller</span></p><p>Text of the article.</p>")
    assert authors.authors(None, {}, tree, None) == ("Clara Müller",)


def test_a_sentence_starting_with_by_is_no_byline() -> None:
    tree = _tree("<p>By the numbers</p><p>By the end of the year the council had spent it all.</p>")
    assert authors.authors(None, {}, tree, None) == ()


def test_structured_authors_win_over_the_printed_byline() -> None:
    tree = _tree('<p class="byline">By Someone Else</p>')
    assert authors.authors({"author": [{"name": "Ana Ruiz"}]}, {}, tree, None) == ("Ana Ruiz",)


@pytest.mark.parametrize(
    "byline",
    [
        '<a rel="author" href="/authors/ana-ruiz">Ana Ruiz</a>',
        '<span itemprop="author" itemscope><span itemprop="name">Ana Ruiz</span></span>',
        '<div class="author-name">Ana Ruiz</div>',
        '<div class="article-byline">By Ana Ruiz | Staff Writer | May 5, 2024</div>',
        '<p class="meta">Por Ana Ruiz, corresponsal</p>',
    ],
    ids=["rel-author", "itemprop-author", "author-name", "byline-with-role-and-date", "por-corresponsal"],
)
def test_printed_bylines_of_each_form_are_read(byline: str) -> None:
    tree = _tree(f"{byline}<p>Text of the article.</p>")
    assert authors.authors(None, {}, tree, None) == ("Ana Ruiz",)


@pytest.mark.parametrize(
    "marked", ['<div class="author">Politics</div>', '<span class="byline">Staff</span>',
               '<div class="byline">Updated May 5, 2024</div>'],
)
def test_sections_and_placeholders_marked_as_author_are_no_names(marked: str) -> None:
    assert authors.authors(None, {}, _tree(f"{marked}<p>Text of the article.</p>"), None) == ()


def test_an_agency_credited_alone_stays_the_author() -> None:
    assert authors.authors({"author": {"@type": "Organization", "name": "Reuters"}}, {}, None, None) == ("Reuters",)


def test_jsonld_authors_win_over_meta_tags() -> None:
    obj = {"author": [{"@type": "Person", "name": "Ana Ruiz"}]}
    assert authors.authors(obj, {"author": "Gazette Online Desk"}, None, None) == ("Ana Ruiz",)


def test_an_organization_beside_a_person_in_jsonld_is_the_outlet() -> None:
    obj = {"author": [{"@type": "Person", "name": "Ana Ruiz"}, {"@type": "Organization", "name": "Prisma Media"}]}
    assert authors.authors(obj, {}, None, None) == ("Ana Ruiz",)


def test_a_jsonld_person_named_by_given_and_family_name() -> None:
    obj = {"author": [{"@type": "Person", "givenName": "Anna Giulia", "familyName": "Fink"}]}
    assert authors.authors(obj, {}, None, None) == ("Anna Giulia Fink",)


def test_an_organization_alone_in_jsonld_gives_way_to_the_printed_writer() -> None:
    obj = {"author": {"@type": "Organization", "name": "Gazette Nachrichten"}}
    tree = _tree('<span class="article__author">Von Ana Ruiz, Lille</span><p>Text of the article.</p>')
    assert authors.authors(obj, {}, tree, "gazette.example") == ("Ana Ruiz",)


def test_an_organization_alone_stays_when_the_page_prints_no_writer() -> None:
    obj = {"author": {"@type": "Organization", "name": "Gazette Nachrichten"}}
    assert authors.authors(obj, {}, _tree("<p>Text of the article.</p>"), None) == ("Gazette Nachrichten",)


def test_the_site_initials_in_a_meta_tag_give_way_to_the_printed_writer() -> None:
    tree = _tree('<p class="reader-meta-author">von Max Kolter</p><p>Text of the article.</p>')
    assert authors.authors(None, {"author": "LTO"}, tree, "Legal Tribune Online") == ("Max Kolter",)


def test_the_outlet_beside_a_printed_writer_is_dropped() -> None:
    tree = _tree('<p class="author">von David Straub, MDR THÜRINGEN</p><p>Text of the article.</p>')
    assert authors.authors(None, {"author": "mdr.de"}, tree, "MDR") == ("David Straub",)


def test_writers_listed_one_per_item_are_all_read() -> None:
    items = "".join(f'<li class="authors__list-item"><span>{n}</span></li>' for n in ("Ana Ruiz", "Tom Berg"))
    tree = _tree(f'<ul class="authors__list">{items}</ul><p>Text of the article.</p>')
    assert authors.authors(None, {}, tree, None) == ("Ana Ruiz", "Tom Berg")


def test_a_quoted_persons_name_is_no_byline() -> None:
    tree = _tree('<blockquote><p>Quote.</p><span class="quoteAuthor">Kevin Holland</span></blockquote>'
                 '<p class="author">von David Straub</p>')
    assert authors.authors(None, {}, tree, None) == ("David Straub",)


def test_writers_of_teasers_after_a_byline_naming_the_site_are_not_the_authors() -> None:
    teasers = "".join(f'<div class="teaser"><h3>Other story {i}</h3><span class="cm-author">{n}</span></div>'
                      for i, n in enumerate(("Ana Ruiz", "Tom Berg")))
    tree = _tree(f'<span class="cm-author">Dizi News</span><p>Text of the article.</p>{teasers}')
    assert authors.authors(None, {}, tree, "Dizi News") == ()


def test_a_by_word_before_a_linked_name_is_a_byline() -> None:
    tree = _tree('<p class="meta-info">von <a href="/autoren/max-kolter">Max Kolter</a></p><p>Text of the article.</p>')
    assert authors.authors(None, {}, tree, None) == ("Max Kolter",)


def test_a_byline_naming_more_writers_than_the_structured_data_wins() -> None:
    tree = _tree('<p class="byline">By Ana Ruiz and Tom Berg</p><p>Text of the article.</p>')
    obj = {"author": [{"@type": "Person", "name": "Tom Berg"}]}
    assert authors.authors(obj, {}, tree, None) == ("Ana Ruiz", "Tom Berg")


def test_an_about_heading_beside_the_writer_is_no_writer() -> None:
    tree = _tree('<div class="author-box"><span class="author-name">Ana Ruiz</span>'
                 '<h4 class="author-about">About Tom Berg</h4></div><p>Text of the article.</p>')
    assert authors.authors(None, {}, tree, None) == ("Ana Ruiz",)


def test_a_blog_named_after_its_writer_keeps_the_printed_writer() -> None:
    tree = _tree('<span class="author vcard">Daniel Lemire</span><p>Text of the article.</p>')
    assert authors.authors(None, {}, tree, "Daniel Lemire's blog") == ("Daniel Lemire",)


def test_the_outlet_beside_a_writer_is_dropped_when_the_site_is_named_by_its_domain() -> None:
    tree = _tree('<p class="textauthor">von <a href="/autor">Engin Haupt</a>, MDR SACHSEN-ANHALT</p>')
    assert authors.authors(None, {}, tree, "mdr.de") == ("Engin Haupt",)


def test_an_agency_in_lower_case_is_the_author() -> None:
    assert authors.authors({"author": {"@type": "Organization", "name": "dpa"}}, {}, None, None) == ("dpa",)


def test_a_marked_byline_crediting_an_agency_ends_the_search() -> None:
    tree = _tree('<span class="author">dpa</span><p>Text of the article.</p>'
                 '<div class="teaser"><h3>Other story</h3><p class="byline">Von Christoph Reisinger</p></div>')
    assert authors.authors(None, {}, tree, None) == ("dpa",)


def test_a_writer_whose_initials_spell_the_site_is_kept() -> None:
    obj = {"author": [{"@type": "Person", "name": "David Wagner"}, {"@type": "Person", "name": "Ana Ruiz"}]}
    assert authors.authors(obj, {}, None, "DW") == ("David Wagner", "Ana Ruiz")


def test_a_photo_inside_the_writers_link_does_not_hide_the_name() -> None:
    tree = _tree('<a class="author-detail" rel="author" href="/autoren/ana-ruiz"><div class="author-img"></div>'
                 "Ana Ruiz</a><p>Text of the article.</p>")
    assert authors.authors(None, {}, tree, None) == ("Ana Ruiz",)


def test_a_byline_on_a_page_without_body_element_is_read() -> None:
    tree = lxml_html.fromstring('<div><div><a rel="author" href="/author/ana">Ana Ruiz</a></div><p>Text.</p></div>')
    assert authors.authors(None, {}, tree, None) == ("Ana Ruiz",)


@pytest.mark.parametrize(
    ("byline", "expected"),
    [("Erstellt von Andri Bryner", ("Andri Bryner",)), ("Ana RuizAna Ruiz", ("Ana Ruiz",)),
     ("Ana Ruiz, Tom Berg, Newcastle University", ("Ana Ruiz", "Tom Berg"))],
    ids=["erstellt-von", "doubled", "affiliation"],
)
def test_printed_bylines_are_cleaned(byline: str, expected: tuple[str, ...]) -> None:
    tree = _tree(f'<span class="author">{byline}</span><p>Text of the article.</p>')
    assert authors.authors(None, {}, tree, None) == expected


def test_a_marked_desk_named_after_the_site_does_not_hide_the_printed_writer() -> None:
    tree = _tree('<span class="post-author-name">Newsnet Editor -</span><p>By Russell Bruce</p>'
                 "<p>Text of the article.</p>")
    assert authors.authors(None, {}, tree, "Newsnet.scot") == ("Russell Bruce",)
