"""Build a labelled syndication set from real article bodies (Zyte benchmark ground truth).

For every source article (the "wire" original) the set holds copies as outlets run them: site
boilerplate added, headline rewritten, paragraphs trimmed or reordered, a paragraph updated, a
brief of the first 25-30% of the words, and translated quotes (``translated_quotes``: the story
as a foreign outlet runs it, every quoted statement in another language; see
``translate_quotes``). Every copy carries the source's label. Negatives are all
the cross-source pairs, among them the hard ones:

* same outlet: every outlet wraps the different stories it runs in the same boilerplate;
* shared names: source pairs sharing the most named entities (reported separately);
* background paragraph: a copy of story B that quotes one paragraph of story A as background
  (labelled B: it must not pull A and B together).

Deterministic for a given seed. Used by bench/dedup.py; the corpus stays outside the project.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ZYTE = (
    Path(os.environ.get("MEDIAMON_CORPUS") or Path(__file__).resolve().parent.parent.parent / "shared" / "corpus")
    / "zyte"
    / "ground-truth.json"
)
MIN_WORDS = 150  # sources shorter than this are not wire stories worth syndicating
T0 = datetime(2025, 3, 4, 6, 0, tzinfo=UTC)

# eight outlets, each with its own header/footer boilerplate (what extraction sometimes keeps)
_BOILER = [
    "Advertisement",
    "Share this article",
    "Listen to this article, 4 min",
    "Sign up for our newsletter",
    "Follow us on Facebook, X and Instagram for the latest updates",
    "Copyright {year} {site}. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed without permission.",
    "Read more: the stories our editors recommend this week",
    "Our journalism depends on readers like you. Subscribe today for unlimited access to {site}.",
    "Have a news tip? Contact the {site} newsroom by email or phone.",
    "This article was produced with content from wire services and edited by {site} staff.",
    "Comments are closed for this story.",
    "Photo: file image",
]
OUTLETS = [f"outlet{i}.example" for i in range(8)]
# fallback vocabulary when the corpus has no usable non-English body (words of our own sentences)
_SPANISH = [
    "El",
    "ministro",
    "afirmó",
    "que",
    "el",
    "gobierno",
    "no",
    "cambiará",
    "su",
    "política",
    "económica",
    "este",
    "año.",
    "Según",
    "la",
    "portavoz,",
    "las",
    "negociaciones",
    "continuarán",
    "la",
    "próxima",
    "semana",
    "en",
    "la",
    "capital.",
    "Estamos",
    "muy",
    "preocupados",
    "por",
    "la",
    "situación",
    "de",
    "las",
    "familias",
    "afectadas,",
    "declaró",
    "el",
    "alcalde.",
    "No",
    "hay",
    "pruebas",
    "de",
    "que",
    "la",
    "empresa",
    "haya",
    "violado",
    "la",
    "ley,",
    "añadió",
    "su",
    "abogado",
    "ante",
    "los",
    "periodistas.",
]


@dataclass(frozen=True)
class Doc:
    """One article of the evaluation set; `label` names its true story."""

    doc_id: int
    label: str
    kind: str  # original | boilerplate | trimmed | reordered | updated | brief | combined |
    #            translated_quotes | background
    host: str
    url: str
    title: str
    text: str
    published_at: datetime


def load_sources(path: Path = ZYTE) -> list[tuple[str, str, list[str]]]:
    """(source id, title from the URL slug, paragraphs) of every long-enough ground-truth body."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for key in sorted(data):
        body = data[key]["articleBody"]
        paras = [p.strip() for p in body.split("\n") if p.strip()]
        if len(body.split()) < MIN_WORDS or len(paras) < 3:
            continue
        slug = re.sub(r"[^A-Za-z]+", " ", data[key]["url"].rstrip("/").rsplit("/", 1)[-1]).strip()
        title = slug.capitalize() if len(slug.split()) >= 3 else paras[0][:80]
        out.append((key[:12], title, paras))
    return out


# quoted statements: straight, curly, guillemet and single curly quotes, within one paragraph
# (single quotes only at word edges: the curly apostrophe of "isn’t" is the same character)
_QUOTE = re.compile(
    r'"([^"\n]+)"|\u201c([^\u201d\n]+)\u201d|\u00ab([^\u00bb\n]+)\u00bb|(?<!\w)\u2018([^\u2019\n]+)\u2019(?!\w)'
)
QUOTE_MIN_WORDS = 5  # shorter quoted spans are titles, nicknames or scare quotes, not statements
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_REPORTING = re.compile(r"\b(said|says|told|tells|added|adds|according to)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]")  # a letter: donor tables of numbers are no language


def load_donors(path: Path = ZYTE) -> list[tuple[str, list[str]]]:
    """(source id, words) of the non-English ground-truth bodies: the vocabulary of "translations"."""
    import py3langid  # a project dependency; only this proxy needs it

    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for key in sorted(data):
        body = data[key]["articleBody"]
        words = [w for w in body.split() if _WORD.search(w)]
        # 100 words: enough vocabulary that sampled 5-grams never repeat; ja bodies here are stubs
        if len(words) >= 100 and py3langid.classify(body)[0] != "en":
            out.append((key[:12], words))
    return out


def _foreign(n_words: int, donor: list[str], rng: random.Random) -> str:
    return " ".join(rng.choices(donor, k=n_words))


def translate_quotes(paras: list[str], donor: list[str], rng: random.Random) -> list[str] | None:
    """The paragraphs with every quoted statement in another language; None when nothing is quoted.

    Quoted spans of at least QUOTE_MIN_WORDS words are replaced inside their quote marks. An
    article with no such quote gets 1-2 sentences with a reporting verb (said, told, added)
    replaced instead. Proxy for a real translation (no translator offline): the replacement has
    the quote's word count, sampled from one non-English Zyte body (`donor`). For dedup what
    matters is that every shingle touching the quote changes, as in a real translation;
    sampling words (not copying donor sentences) keeps the replacement from sharing shingles with
    the donor article, itself a story of the set, so negatives gain no artificial overlap.
    """
    count = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal count
        inner = next(g for g in m.groups() if g is not None)
        n = len(inner.split())
        if n < QUOTE_MIN_WORDS:
            return m.group()
        count += 1
        start, end = m.span(m.lastindex or 0)
        return m.group()[: start - m.start()] + _foreign(n, donor, rng) + m.group()[end - m.start() :]

    out = [_QUOTE.sub(swap, p) for p in paras]
    if count:
        return out
    reported = [
        (i, j) for i, p in enumerate(paras) for j, sent in enumerate(_SENTENCE.split(p)) if _REPORTING.search(sent)
    ]
    if not reported:
        return None
    for i, j in sorted(rng.sample(reported, min(len(reported), rng.randint(1, 2)))):
        sents = _SENTENCE.split(out[i])
        sents[j] = _foreign(len(sents[j].split()), donor, rng) + "."
        out[i] = " ".join(sents)
    return out


def _boilerplate(host: str, rng: random.Random) -> tuple[list[str], list[str]]:
    local = random.Random(host)  # the same outlet always uses the same boilerplate
    lines = [b.format(year=2025, site=host) for b in local.sample(_BOILER, 5)]
    return lines[: local.randint(1, 2)], lines[2 : 2 + local.randint(1, 3)]


def _prefix_by_words(paras: list[str], fraction: float) -> list[str]:
    total = sum(len(p.split()) for p in paras)
    out, words = [], 0
    for p in paras:
        if out and words >= fraction * total:
            break
        out.append(p)
        words += len(p.split())
    return out


def _update(paras: list[str], rng: random.Random) -> list[str]:
    out = list(paras)
    i = rng.randrange(1, len(out))
    out[i] = re.sub(r"\d+", lambda m: str(int(m.group()) + 3), out[i]) + " This paragraph was updated with new details."
    out.append("Update: this story has been updated with additional reporting and a statement from officials.")
    return out


def _reorder(paras: list[str], rng: random.Random) -> list[str]:
    out = list(paras)
    if len(out) >= 4:
        i = rng.randrange(1, len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


def _rewrite_title(title: str, rng: random.Random) -> str:
    words = title.split()
    rng.shuffle(words)
    return rng.choice(["Report: ", "Watch: ", "", "UPDATE 2-"]) + " ".join(words[: max(3, len(words) - 2)])


def _variants(paras: list[str], rng: random.Random) -> dict[str, list[str]]:
    trim = _prefix_by_words(paras, rng.uniform(0.6, 0.85))
    return {
        "boilerplate": paras,
        "trimmed": trim,
        "reordered": _reorder(paras, rng),
        "updated": _update(paras, rng),
        "brief": _prefix_by_words(paras, rng.uniform(0.25, 0.30)),
        "combined": _update(_reorder(trim, rng), rng),
    }


def build(path: Path = ZYTE, seed: int = 5, extra: list[tuple[str, str, list[str]]] | None = None) -> list[Doc]:
    """The labelled set: originals, their copies, and background-paragraph negatives."""
    rng = random.Random(seed)
    sources = load_sources(path) + (extra or [])
    donors = load_donors(path)
    docs: list[Doc] = []

    def add(label: str, kind: str, host: str, title: str, paras: list[str], minutes: int) -> None:
        head, foot = _boilerplate(host, rng) if host != "wire.example" else ([], [])
        text = "\n\n".join(head + paras + foot)
        url = f"https://{host}/{label}/{kind}-{len(docs)}"
        docs.append(Doc(len(docs), label, kind, host, url, title, text, T0 + timedelta(minutes=minutes)))

    for n, (label, title, paras) in enumerate(sources):
        add(label, "original", "wire.example", title, paras, n)
        for kind, vparas in _variants(paras, rng).items():
            if kind != "boilerplate" and rng.random() < 0.25:
                continue  # not every outlet runs every variant
            add(label, kind, rng.choice(OUTLETS), _rewrite_title(title, rng), vparas, n + rng.randint(5, 600))
        # own generator per source: the other kinds stay exactly as they were without this one
        trng = random.Random(f"{seed}/translated_quotes/{label}")
        donor = trng.choice([words for key, words in donors if key != label] or [_SPANISH])
        translated = translate_quotes(paras, donor, trng)
        if translated is not None:  # every outlet abroad runs it: the kind needs a large sample
            add(
                label,
                "translated_quotes",
                trng.choice(OUTLETS),
                _rewrite_title(title, trng),
                translated,
                n + trng.randint(5, 600),
            )
    for n, ((_, _, paras_a), (label_b, title_b, paras_b)) in enumerate(
        zip(sources, sources[1:] + sources[:1], strict=True)
    ):
        if n % 3 == 0 and len(paras_a) >= 3:
            background = paras_b + [paras_a[rng.randrange(1, len(paras_a))]]
            add(label_b, "background", rng.choice(OUTLETS), _rewrite_title(title_b, rng), background, n + 700)
    return docs


_ENTITY = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\b")


def entity_pairs(docs: list[Doc], top: int = 50) -> list[tuple[str, str]]:
    """The `top` source pairs (different stories) sharing the most named entities."""
    ents = {d.label: set(_ENTITY.findall(d.text)) for d in docs if d.kind == "original"}
    scored = [(len(ents[a] & ents[b]), a, b) for a, b in itertools.combinations(sorted(ents), 2) if ents[a] & ents[b]]
    return [(a, b) for _, a, b in sorted(scored, reverse=True)[:top]]
