"""Unit tests for crawler.store.dedup: normalization, content keys, signatures and same-story decisions."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.store import dedup

FIXTURES = Path(__file__).parent / "fixtures" / "dedup"
FLOOD = (FIXTURES / "flood.txt").read_text(encoding="utf-8")
FLOOD_NEGATIVE = (FIXTURES / "flood_negative.txt").read_text(encoding="utf-8")
ELECTION = (FIXTURES / "election.txt").read_text(encoding="utf-8")

BOILERPLATE_TOP = "Advertisement. Share this article on Facebook, X and WhatsApp. Listen to this story."
BOILERPLATE_BOTTOM = (
    "Sign up for our morning newsletter to get the day's most important news in your inbox. "
    "Copyright 2025 The Daily Herald. All rights reserved. This material may not be published, "
    "broadcast, rewritten or redistributed."
)


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def join(paras: list[str]) -> str:
    return "\n\n".join(paras)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hello,   World!", "hello world"),
        ("Straße", "strasse"),  # casefold
        ("Ñandú café naïve", "nandu cafe naive"),  # accents stripped
        ("ﬁve ＡＢＣ", "five abc"),  # NFKC ligature and full-width letters
        ("«Quote» — dash… end.", "quote dash end"),  # punctuation dropped
        ("tab\tand\nnewline  ", "tab and newline"),
        ("مُحَمَّد", "محمد"),  # Arabic harakat dropped
        ("हिन्दी", "हिन्दी"),  # Devanagari vowel signs are kept
        ("", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert dedup.normalize_text(raw) == expected


def test_tokens_split_scripts_without_spaces_into_characters() -> None:
    assert dedup.tokens("東京都 Tokyo") == ["東", "京", "都", "tokyo"]


def test_content_hash_ignores_case_punctuation_and_spacing() -> None:
    assert dedup.content_hash("The  Cat, sat.") == dedup.content_hash("the cat sat")
    assert dedup.content_hash("the cat sat") != dedup.content_hash("the dog sat")
    assert len(dedup.content_hash("x")) == 64


def test_signature_is_picklable_and_equal_for_equal_input() -> None:
    sig = dedup.signature("Floods hit Valencia region", FLOOD)
    assert pickle.loads(pickle.dumps(sig)) == sig
    assert dedup.signature("Floods hit Valencia region", FLOOD) == sig


def test_signature_is_stable_across_processes() -> None:
    code = (
        "from crawler.store import dedup; import sys; "
        "s = dedup.signature('Floods hit Valencia region', sys.stdin.read()); "
        "print(s.keys(), s.minhash.hex())"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            input=FLOOD,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
            cwd=Path(__file__).parent.parent,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1


def test_signature_shape_for_long_text() -> None:
    sig = dedup.signature("Floods hit Valencia region", FLOOD)
    assert not sig.short
    assert len(sig.bands) == dedup.BANDS
    assert len(sig.minhash) == 4 * dedup.NUM_PERM
    assert sig.anchors
    assert sig.title_key is not None
    assert all(-(2**63) <= k < 2**63 for k in sig.keys())  # noqa: SIM118 (a method, not a dict)  fits PostgreSQL int8


@pytest.mark.parametrize("text", ["", "   ", "Breaking news.", "Read more about this story on our website."])
def test_short_text_gets_no_text_keys(text: str) -> None:
    sig = dedup.signature("Floods hit Valencia region", text)
    assert sig.short
    assert sig.bands == () and sig.anchors == ()


@pytest.mark.parametrize("title", ["", "Video", "Live updates", "Watch: the news"])
def test_uninformative_title_has_no_key(title: str) -> None:
    assert dedup.signature(title, FLOOD).title_key is None


def _copies() -> dict[str, str]:
    paras = paragraphs(FLOOD)
    updated = list(paras)
    updated[4] = (
        "Regional president Carlos Mazon said on Wednesday the alert had been extended until "
        "Thursday and that schools across the province would stay closed all week."
    )
    return {
        "boilerplate": join([BOILERPLATE_TOP, *paras, BOILERPLATE_BOTTOM]),
        "trimmed": join(paras[:6]),
        "reordered": join([paras[0], paras[2], paras[1], *paras[3:]]),
        "updated": join(updated),
        "brief": join(paras[:3]),
        "brief_with_boilerplate": join([BOILERPLATE_TOP, *paras[:3], BOILERPLATE_BOTTOM]),
    }


@pytest.mark.parametrize("kind", list(_copies()))
def test_syndicated_copy_is_same_story(kind: str) -> None:
    original = dedup.signature("Floods hit Valencia region", FLOOD)
    copy = dedup.signature("Thousands evacuated as Spain's east is deluged", _copies()[kind])
    assert dedup.same_story(original, copy)
    assert dedup.same_story(copy, original)


@pytest.mark.parametrize("kind", list(_copies()))
def test_syndicated_copy_shares_a_lookup_key(kind: str) -> None:
    original = dedup.signature("Floods hit Valencia region", FLOOD)
    copy = dedup.signature("Thousands evacuated as Spain's east is deluged", _copies()[kind])
    assert set(original.keys()) & set(copy.keys())


def test_brief_is_matched_by_containment_not_jaccard() -> None:
    decision = dedup.same_story(dedup.signature("a", FLOOD), dedup.signature("b", join(paragraphs(FLOOD)[:3])))
    assert decision.reason == "containment"
    assert decision.jaccard < dedup.JACCARD_MIN
    assert decision.containment == pytest.approx(1.0)


def test_exact_duplicate_reason() -> None:
    a = dedup.signature("one title", FLOOD)
    b = dedup.signature("another title", FLOOD.upper())
    assert dedup.same_story(a, b).reason == "exact"


@pytest.mark.parametrize("other", [FLOOD_NEGATIVE, ELECTION])
def test_different_stories_stay_apart(other: str) -> None:
    decision = dedup.same_story(dedup.signature("Valencia floods", FLOOD), dedup.signature("Valencia floods", other))
    assert not decision
    assert decision.reason == "different"
    assert decision.containment < 0.2


def test_hard_negative_shares_no_band() -> None:
    a = dedup.signature("x", FLOOD)
    b = dedup.signature("y", FLOOD_NEGATIVE)
    assert not set(a.bands) & set(b.bands)


def test_short_texts_are_not_clustered_by_text() -> None:
    a = dedup.signature("Breaking", "Read more on our website.")
    b = dedup.signature("Latest", "Read more on our website!")
    assert a.content_hash == b.content_hash
    assert not dedup.same_story(a, b)  # identical stub text, nothing else in common


def test_empty_texts_are_not_the_same_story() -> None:
    assert not dedup.same_story(dedup.signature("", ""), dedup.signature("", ""))


def test_short_texts_match_by_informative_title() -> None:
    a = dedup.signature("Floods hit Valencia region, 1,200 evacuated", "Developing story.")
    b = dedup.signature("Floods hit Valencia region: 1,200 evacuated", "Updates to follow.")
    assert dedup.same_story(a, b).reason == "title"


def test_short_text_vs_long_text_needs_title() -> None:
    long = dedup.signature("Floods hit Valencia region", FLOOD)
    assert not dedup.same_story(long, dedup.signature("Valencia", "Floods hit Valencia."))
    assert dedup.same_story(long, dedup.signature("Floods hit Valencia region", "Developing story."))


def test_similarity_is_symmetric_and_bounded() -> None:
    a = dedup.signature("a", FLOOD)
    b = dedup.signature("b", _copies()["trimmed"])
    jab, cab = dedup.similarity(a, b)
    assert (jab, cab) == dedup.similarity(b, a)
    assert 0.0 < jab < cab <= 1.0


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("same", "same", 0),
        ("abc", "abXc", 1),
        ("hello world", "hello there world", 6),
        ("", "new text", 8),
        ("old text", "", 8),
    ],
)
def test_diff_chars(old: str, new: str, expected: int) -> None:
    assert dedup.diff_chars(old, new) == expected


def test_translated_quotes_copy_changes_only_the_quoted_statements() -> None:
    from bench import syndication  # the labelled-set generator's "translation" proxy

    paras = [
        'The minister said: "We will not change our economic policy this year." Markets rose.',
        "He called it a \u201cshort pause\u201d only.",  # under QUOTE_MIN_WORDS: a phrase, not a statement
        "Nobody was quoted here at all.",
    ]
    donor = ["palabra", "otra", "casa", "lejos", "nunca", "siempre"] * 20
    out = syndication.translate_quotes(paras, donor, random.Random(1))
    assert out is not None
    head, quote, tail = out[0].split('"')
    assert (head, tail) == ("The minister said: ", " Markets rose.")
    assert len(quote.split()) == 9 and set(quote.split()) <= set(donor)
    assert out[1:] == paras[1:]


def test_translated_quotes_copy_without_quotes_translates_a_reported_sentence() -> None:
    from bench import syndication

    donor = ["palabra", "otra", "casa", "lejos", "nunca", "siempre"] * 20
    fallback = syndication.translate_quotes(
        ["Prices rose. The mayor told reporters it was fine."], donor, random.Random(1)
    )
    assert fallback is not None and fallback[0].startswith("Prices rose. ") and "mayor" not in fallback[0]
    assert syndication.translate_quotes(["Prices rose sharply today."], donor, random.Random(1)) is None
