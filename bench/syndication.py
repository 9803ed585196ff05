"""Build a labelled syndication set from real article bodies (Zyte benchmark ground truth).

For every source article (the "wire" original) the set holds copies as outlets run them: site
boilerplate added, headline rewritten, paragraphs trimmed or reordered, a paragraph updated, a
brief of the first 25-30% of the words. Every copy carries the source's label. Negatives are all
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
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ZYTE = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "zyte" / "ground-truth.json"
MIN_WORDS = 150  # sources shorter than this are not wire stories worth syndicating
T0 = datetime(2025, 3, 4, 6, 0, tzinfo=timezone.utc)

# eight outlets, each with its own header/footer boilerplate (what extraction sometimes keeps)
_BOILER = [
    "Advertisement", "Share this article", "Listen to this article, 4 min", "Sign up for our newsletter",
    "Follow us on Facebook, X and Instagram for the latest updates",
    "Copyright {year} {site}. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed without permission.",
    "Read more: the stories our editors recommend this week",
    "Our journalism depends on readers like you. Subscribe today for unlimited access to {site}.",
    "Have a news tip? Contact the {site} newsroom by email or phone.",
    "This article was produced with content from wire services and edited by {site} staff.",
    "Comments are closed for this story.", "Photo: file image",
]
OUTLETS = [f"outlet{i}.example" for i in range(8)]


@dataclass(frozen=True)
class Doc:
    """One article of the evaluation set; `label` names its true story."""

    doc_id: int
    label: str
    kind: str  # original | boilerplate | trimmed | reordered | updated | brief | combined | background
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
    for n, ((label_a, _, paras_a), (label_b, title_b, paras_b)) in enumerate(zip(sources, sources[1:] + sources[:1])):
        if n % 3 == 0 and len(paras_a) >= 3:
            background = paras_b + [paras_a[rng.randrange(1, len(paras_a))]]
            add(label_b, "background", rng.choice(OUTLETS), _rewrite_title(title_b, rng), background, n + 700)
    return docs


_ENTITY = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\b")


def entity_pairs(docs: list[Doc], top: int = 50) -> list[tuple[str, str]]:
    """The `top` source pairs (different stories) sharing the most named entities."""
    ents = {d.label: set(_ENTITY.findall(d.text)) for d in docs if d.kind == "original"}
    scored = [
        (len(ents[a] & ents[b]), a, b) for a, b in itertools.combinations(sorted(ents), 2) if ents[a] & ents[b]
    ]
    return [(a, b) for _, a, b in sorted(scored, reverse=True)[:top]]
