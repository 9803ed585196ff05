"""Author names: from JSON-LD and meta tags, else from the byline the page prints; split, cleaned, validated (pure)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from crawler.extract import dates, page

if TYPE_CHECKING:
    from lxml.html import HtmlElement

#: meta tags that name the writer, best first
AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "byl", "dc.creator", "dcterms.creator")
# "By", "Por", "Von", ... opening a byline; "and", "y", "und", ... joining two names
_BY = re.compile(r"^\s*(?:(?:written|posted|reported|created|analysis|text|words)\s+by|(?:publicado|escrito)\s+por|"
                 r"(?:veröffentlicht|geschrieben|erstellt)\s+von|(?:propos\s+)?recueillis?\s+par|by|por|von|par|door|av|af|texto|text|autor|autorin|auteur|"
                 r"author|interview(?=\s*:))\b\s*:?\s*", re.I)
_SEPARATOR = re.compile(r"\s*[;|&·•/]\s*")
# the joining word in lower case between spaces ("John E. Smith" keeps its initial); it joins two names only
# when both sides have two words or more ("José Volta e Pinto" is one name)
_JOIN = re.compile(r"\s+(?:and|und|y|e|et|og|en|i|och|ve|и)\s+", re.I)
# a job title after the name: "TOM KRISHER, AP Auto Writer", "Paul Takahashi, Staff writer"
_ROLE = re.compile(r"\b(?:writer|editor|correspondent|reporter|staff|columnist|contributor|\w*redakteur(?:in)?|"
                   r"corresponsal|redactor[a]?|editor-at-large)\b|\bfor\s", re.I)
# words naming an institution, not a person (a writer's affiliation printed beside the name)
_INSTITUTION_WORDS = frozenset({"university", "universität", "université", "universidad", "università", "universidade",
                                "college", "institute", "institut", "instituto", "school", "hospital", "foundation",
                                "stiftung", "fundación", "ministry", "ministerium", "council"})
# prepositions that open a credit line ("Do UOL", "Da Redação", "From Reuters", "Aus Berlin")
_CREDIT_WORDS = frozenset({"do", "da", "dos", "das", "from", "aus", "vom", "dalla", "dal", "depuis", "desde"})
# words that only qualify a job title
_ROLE_MODIFIERS = frozenset({"senior", "chief", "contributing", "special", "guest", "associate", "deputy", "managing",
                             "executive", "news", "sports", "political", "the", "a", "our", "de", "del",
                             "la", "el", "der", "die", "freie", "freier", "jefe", "jefa", "autor", "autoren",
                             "autorin", "author", "authors", "auswärtige", "externe", "externer", "gast", "gastautor",
                             "newsroom", "desk", "team", "editorial", "redaktion", "online", "and",
                             "service", "services", "reports", "wire", "wires", "agencies", "agencias", "agenturen"})
# a desk, not a person: "Redaktion Polizeiticker", "Team Campact"
_DESK_WORDS = frozenset({"redaktion", "redacción", "redação", "redazione", "rédaction", "team", "equipo", "staff"})
# names CMSs print for accounts rather than people
_PLACEHOLDERS = frozenset({"admin", "administrator", "editor", "redaktion", "redacción", "redação", "redazione",
                           "rédaction", "staff", "guest", "gast", "гость", "anonymous", "unknown", "subject"})
# lower-case words that belong inside names: "Walter von Aachen", "Ana de la Cruz", "Ortega y Gasset"
_PARTICLES = frozenset({"von", "van", "der", "den", "de", "del", "della", "da", "do", "dos", "das", "di", "du",
                        "la", "le", "y", "e", "i", "bin", "ibn", "al", "el", "zu", "ten", "ter", "af", "av"})
# news agencies credited next to a writer ("Ana Ruiz, Associated Press", "Ana Ruiz/dpa"): dropped beside a person's
# name, kept when the agency is the only credit (a wire story is the agency's)
_AGENCIES = frozenset({"ap", "associated press", "reuters", "afp", "agence france-presse", "dpa", "efe", "agencia efe",
                       "ansa", "xinhua", "kyodo", "yonhap", "europa press", "epd", "kna", "apa", "sda", "keystone-sda",
                       "tass", "ria novosti", "interfax", "anadolu", "upi", "pa", "pa media", "bloomberg", "belga",
                       "anp", "ntb", "tt", "ritzau", "ctk", "pap", "mti", "lusa", "notimex", "télam", "agências"})
# where the writer filed from: "Ana Ruiz in Madrid", "Anna Meier aus Berlin"
_FILED_FROM = re.compile(r"\s+(?:in|aus|from|desde)\s+[^\W\d_][\w.-]*(?:\s+[^\W\d_][\w.-]*)?$")
# the outlet written for: "Amitai Winehouse For Mailonline", "Ana Ruiz for The Guardian"
_FOR_OUTLET = re.compile(r"\s+(?:for|para|pour)\s+\S.*$", re.I)
_PRINTED_DATE = re.compile(rf"{dates.WORDY_DATE.pattern}|\d{{1,2}}[./:h-]\d{{1,2}}|\b(?:19|20)\d{{2}}\b", re.I)
_THE = re.compile(r"^the\s+", re.I)
_BRACKETS = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*")
_EMAIL = re.compile(r"\S+@\S+|\S+://\S+")
# a name has letters and no digits, URLs or markup: "(obe)", "12345", "user@example.org" and "https://..." are not
_NOT_NAME = re.compile(r"\d|://|www\.|[<>{}=@#]|\w\.[a-z]|\w\.(?i:com|net|org|info|co|uk|de|at|ch|fr|es|it|in)\b")
_LETTER = re.compile(r"[^\W\d_]")
# a name is 1-5 words and at most 60 characters; longer is a sentence or a job title ("Staff writer at ...")
MAX_NAME_WORDS, MAX_NAME_CHARS = 5, 60
# at most this many names per article (a longer list is a credits block, not a byline)
MAX_AUTHORS = 10
# a printed byline is short: the element naming the author has at most this many characters
MAX_BYLINE_CHARS = 120
# an element whose class names the author in any form ("author", "article__author", "metaAuthorList-item", "byline"),
# or marked rel="author" / itemprop="author"
_MARKS = ("author", "byline")
# a quote's or a comment's author, a caption's credit: no byline
_NOT_BYLINE = ("ancestor-or-self::*[self::script or self::style or self::blockquote or self::figcaption"
               " or contains(translate(@class, 'COMENTQU', 'comentqu'), 'comment')"
               " or contains(translate(@class, 'COMENTQU', 'comentqu'), 'quote')]")
# a block of bylines (several writers, their photos' alt-less links, "and") stays under this many characters
MAX_BLOCK_CHARS = 300
# the first marked elements are the article's byline; later ones are teasers' and comments'
MAX_MARKED = 8


def authors(obj: Mapping[str, Any] | None, meta: Mapping[str, str], tree: HtmlElement | None,
            site_name: str | None) -> tuple[str, ...]:
    """The article's authors: structured data first; the printed byline when the page states none, or when the
    structured data credits only the outlet (an Organization, the site's name) and the page prints a person."""
    # JSON-LD first, then the meta tags: a union would add the CMS account or the desk the meta tag names
    found = clean_names(_jsonld_names(obj), site_name) or clean_names(_meta_names(meta), site_name)
    outlets = {n.casefold() for n in _jsonld_organizations(obj)}
    outlet_only = bool(found) and all(
        (n.casefold() in outlets and not _is_agency(n)) or _names_outlet(n, site_name) for n in found)
    if tree is None:
        return found
    if found and not outlet_only:
        # the structured data may list fewer writers than the byline prints: the byline naming them all wins
        printed = _printed_names(tree, site_name, marked_only=True, beside=False)
        listed = {n.casefold() for n in found}
        return printed if len(printed) > len(found) and listed <= {n.casefold() for n in printed} else found
    return _printed_names(tree, site_name) or found


def _printed_names(tree: HtmlElement, site_name: str | None, marked_only: bool = False,
                   beside: bool = True) -> tuple[str, ...]:
    """The first printed byline whose every name looks like a person's, with (`beside`) the names printed in the
    marked elements of its kind beside it (one element per writer); printed text is noisier than markup, hence
    the person check.
    A marked byline naming only the site is the article's credit: the writers of teasers after it are not."""
    printed = _printed(tree, marked_only)
    for line, node in printed:
        names = _person_names(line, site_name)
        if not names:
            credit = split_names(line)
            # a marked byline crediting only an agency ("dpa") is the article's: a wire story
            if node is not None and credit and all(_is_agency(n) for n in credit):
                return tuple(credit)
            if node is not None and _only_outlet(line, site_name):
                return ()
            continue
        if node is not None and beside:
            for other, other_node in printed:
                if other_node is not None and other_node is not node and _beside(node, other_node):
                    names += tuple(n for n in _person_names(other, site_name) if n not in names)
        return names[:MAX_AUTHORS]
    return ()


def _person_names(line: str, site_name: str | None) -> tuple[str, ...]:
    """The line's names when every one looks like a person's, or is the outlet beside them."""
    # the name printed twice in one element (a visible and a screen-reader copy): "Ana RuizAna Ruiz"
    doubled = re.fullmatch(r"(.{5,}?)\1", line.strip())
    line = doubled.group(1) if doubled else line
    # a job title or the outlet printed in an element of its own is no writer ("Assistant Sports Editor")
    names = tuple(n for n in clean_names([line], site_name) if not _credit(n, site_name))
    rest = [n for n in split_names(line) if n not in names and not _credit(n, site_name)]
    ok = names and not rest and all(_looks_like_person(n) for n in names)
    return names if ok else ()


def _credit(name: str, site_name: str | None) -> bool:
    """Printed beside a writer's name, not a writer: the outlet, a job title, an institution (an affiliation)."""
    return _outlet_word(name, site_name) or bool(_ROLE.search(name)) or any(
        w.casefold() in _INSTITUTION_WORDS for w in name.split())


def _outlet_word(name: str, site_name: str | None) -> bool:
    """The name is the site's own or an outlet named after it (a blog named after its writer keeps him)."""
    return bool(site_name) and (_words(name) == _words(site_name or "") or _names_outlet(name, site_name))


def _only_outlet(line: str, site_name: str | None) -> bool:
    """The byline names the site itself and nothing else ("Dizi News" on Dizi News, not "Dizi News Editor")."""
    split = split_names(line)
    return bool(split and site_name) and all(_words(n) == _words(site_name or "") for n in split)


def _beside(node: HtmlElement, other: HtmlElement) -> bool:
    """The two elements are alike (tag and class: one per writer, not an "About X" heading or "X's stories" link)
    and sit in one byline block: their nearest common ancestor holds little more than bylines (MAX_BLOCK_CHARS;
    a list of teasers, each with its writer, holds headlines too)."""
    if node.tag != other.tag or node.get("class") != other.get("class"):
        return False
    ancestors = set(node.iterancestors())
    common = next((a for a in other.iterancestors() if a in ancestors), None)
    return common is not None and len(" ".join(common.text_content().split())) <= MAX_BLOCK_CHARS


def _jsonld_names(obj: Mapping[str, Any] | None) -> list[str]:
    """The article object's author names; an Organization beside a Person is the outlet, not a writer; a Person
    named only by its parts ("givenName", "familyName") is named by them."""
    raw = (obj or {}).get("author") or []
    items = raw if isinstance(raw, list) else [raw]
    people = [i for i in items if isinstance(i, dict) and "Person" in page.jsonld_types(i)]
    if people:
        items = [i for i in items if not (isinstance(i, dict) and "Organization" in page.jsonld_types(i))]
    names: list[Any] = [(_person_name(i) if isinstance(i, dict) else i) for i in items]
    return [n for n in names if isinstance(n, str)]


def _person_name(item: Mapping[str, Any]) -> Any:
    name = item.get("name")
    if name or not isinstance(item.get("familyName"), str):
        return name
    given = item.get("givenName")
    return f"{given} {item['familyName']}" if isinstance(given, str) else item["familyName"]


def _jsonld_organizations(obj: Mapping[str, Any] | None) -> list[str]:
    """Names of the article's authors typed as an Organization (NewsMediaOrganization ...): the outlet."""
    raw = (obj or {}).get("author") or []
    items = raw if isinstance(raw, list) else [raw]
    return [i["name"] for i in items if isinstance(i, dict) and "Organization" in page.jsonld_types(i)
            and isinstance(i.get("name"), str)]


def _names_outlet(name: str, site_name: str | None) -> bool:
    """The name is the site's: its words contain the site's name ("MDR Thüringen" on MDR), or it is one word made
    of the site's initials ("LTO" on Legal Tribune Online; a writer whose initials spell the site's name is not
    the site)."""
    # a site named by its domain ("mdr.de", "n-tv.de") is named without the top-level domain
    words, site = _words(name), _words(re.sub(r"\.[a-z]{2,6}$", "", (site_name or "").strip(), flags=re.I))
    if not words or not site:
        return False
    return set(site) <= set(words) or (len(words) == 1 and len(site) > 1 and "".join(w[0] for w in site) == words[0])


def _meta_names(meta: Mapping[str, str]) -> list[str]:
    return [n for n in (meta.get(k) for k in AUTHOR_META) if isinstance(n, str)]


def _marked(tree: HtmlElement) -> list[HtmlElement]:
    """Elements of the body marked as naming the author (_MARKS), in document order (one walk: an XPath with
    translate() on every class costs more on large pages)."""
    body = tree.find("body")
    return [node for node in (body if body is not None else tree).iter("*")
            if node.get("rel") == "author" or node.get("itemprop") == "author"
            or any(mark in (node.get("class") or "").lower() for mark in _MARKS)]


def _printed(tree: HtmlElement, marked_only: bool = False) -> list[tuple[str, HtmlElement | None]]:
    """Bylines the page prints: an element marked as the author (the innermost, when marked elements nest), or a
    short "By A. Writer" line (with no element)."""
    found: list[tuple[str, HtmlElement | None]] = []
    marked = _marked(tree)
    # an element holding another marked one with text is a container: the innermost names the writer (a marked
    # photo inside the writer's link does not make the link a container)
    outer = {a for n in marked if n.text_content().strip() for a in n.iterancestors()}
    inner = [n for n in marked if n not in outer]
    for node in [n for n in inner if not n.xpath(_NOT_BYLINE)][:MAX_MARKED]:
        text = " ".join(node.text_content().split())
        if text and len(text) <= MAX_BYLINE_CHARS:
            found.append((text, node))
    if marked_only:
        return found
    for text in tree.xpath(f"//body//text(){page.VISIBLE}[normalize-space()][string-length() < {MAX_BYLINE_CHARS}]"):
        line = " ".join(str(text).split())
        if _BY.fullmatch(line):
            # "von <a>Max Kolter</a>": the word alone opens the element holding the name
            parent = text.getparent()
            holder = parent.getparent() if text.is_tail else parent
            line = " ".join(holder.text_content().split()) if holder is not None else ""
            if len(line) <= MAX_BYLINE_CHARS and _BY.match(line):
                found.append((line, None))
        elif _BY.match(line):
            found.append((line, None))
    return found


def _looks_like_person(name: str) -> bool:
    """Two words or more, each starting with a letter, capitalised (in scripts with case) unless a name particle
    inside the name ("Walter von Aachen"); no commas ("Sandee LaMotte, CNN" is a name and an outlet)."""
    words = name.split()
    if len(words) < 2 or re.search(r"[,:;!?]", name) or not all(_LETTER.match(w) for w in words):
        return False
    # "Do UOL", "Aus Berlin": a preposition opens a credit line, not a name; "Newcastle University" an institution
    if words[0].casefold() in _CREDIT_WORDS or any(w.casefold() in _INSTITUTION_WORDS for w in words):
        return False
    inner = {i for i, w in enumerate(words) if 0 < i < len(words) - 1 and w.lower() in _PARTICLES}
    return all(i in inner or w[0].upper() == w[0] for i, w in enumerate(words))


def clean_names(raw: Iterable[str], site_name: str | None = None) -> tuple[str, ...]:
    """Split joined names ("A and B", "A, B"), drop initials in brackets, e-mail addresses, IDs and the site name."""
    found: list[str] = []
    for value in raw:
        for name in split_names(value):
            if is_name(name, site_name) and name.casefold() not in {f.casefold() for f in found}:
                found.append(name)
    # beside a writer, part of the site's name is the outlet credited ("Washington Times" on The Washington Times)
    people = [n for n in found if not (site_name and (set(_words(n)) <= set(_words(site_name))
                                                         or _names_outlet(n, site_name)))]
    return tuple((people or found)[:MAX_AUTHORS])


def split_names(value: str) -> list[str]:
    """'By Ana Pérez and John Doe (obe)' -> ['Ana Pérez', 'John Doe']; job titles, agencies beside a writer,
    places filed from and printed dates are not names."""
    text = " ".join(page.without_invisible(html.unescape(value)).split())
    text = _EMAIL.sub(" ", _BRACKETS.sub(" ", text))
    pieces = [p for p in (_BY.sub("", p).strip() for p in _SEPARATOR.split(text)) if p]
    # "Ana Ruiz | Staff Writer": a piece that is a job title goes, as after a comma
    pieces = [p for p in pieces if not _ROLE.search(p)] or pieces[:1]
    parts: list[str] = []
    for piece in pieces:
        joined = _JOIN.split(piece)
        both = len(joined) > 1 and all(len(j.split()) >= 2 or _is_agency(j) for j in joined)
        for item in joined if both else [piece]:
            # "Doe, John" is one name written last-first; "Ana Pérez, John Doe" is two; "A. Writer, Staff writer"
            # is a name and a job title; "Anna Meier, Berlin" a name and a place
            commas = [c.strip() for c in item.split(",") if c.strip()]
            commas = [c for c in commas if not _ROLE.search(c)] or commas[:1]
            if len(commas) > 1 and len(commas[0].split()) >= 2 and not _is_agency(commas[0]):
                commas = [c for c in commas if len(c.split()) >= 2 or _is_agency(c)]
            parts.extend(commas if all(len(c.split()) >= 2 or _is_agency(c) for c in commas)
                         else [", ".join(commas)])
    names = [_FOR_OUTLET.sub("", _FILED_FROM.sub("", _BY.sub("", p).strip(" ,-–—:|"))) for p in parts if p.strip()]
    # a printed date or time beside the name ("By Ana Ruiz | May 5, 2024") is no name; other digits ("Bündnis 90")
    # make the whole credit something other than names
    if any(re.search(r"\d", n) for n in names) and not _PRINTED_DATE.search(text):
        return []
    # a sentence's full stop after the surname goes ("Patrick Angevin."); "Jr." and initials keep theirs
    names = [re.sub(r"(?<=[^\W\d_]{3})\.$", "", _THE.sub("", n)) for n in names if n and not re.search(r"\d", n)]
    people = [n for n in names if not _is_agency(n)]
    # a one-word piece beside a full name is a section, an outlet or a place ("Ana Ruiz — Politics")
    if any(len(n.split()) >= 2 for n in people):
        people = [n for n in people if len(n.split()) >= 2]
    return people or names


def _is_agency(name: str) -> bool:
    return _THE.sub("", name.strip()).casefold() in _AGENCIES


def is_name(name: str, site_name: str | None = None) -> bool:
    """A person's or desk's name: letters, 1-5 words, no digits, URLs or addresses, not the site's own name."""
    if not name or len(name) > MAX_NAME_CHARS or len(name.split()) > MAX_NAME_WORDS:
        return False
    if _NOT_NAME.search(name) or not _LETTER.search(name) or name.casefold() in _PLACEHOLDERS:
        return False
    if name.split()[0].casefold() in _DESK_WORDS:
        return False
    # a job title alone ("Staff Writer", "Senior Correspondent") names no one
    if not set(_ROLE.sub(" ", name).casefold().split()) - _ROLE_MODIFIERS:
        return False
    # a handle or initials in lower case ("jdoe", "det") in a script with capitals is no one's printed name; an
    # agency may be written so ("dpa")
    if name == name.lower() and name != name.upper() and not _is_agency(name):
        return False
    # the site's own name ("The Planetary Press" on The Planetary Press; a blog named after its writer keeps him)
    return not (site_name and _words(name) == _words(site_name))


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", _THE.sub("", text.casefold()))]
