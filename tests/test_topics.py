"""Topic matching: accent-insensitive normalisation, term lists, queries, exclusions, scores (parser: test_query.py)."""

from __future__ import annotations

import pickle
import unicodedata

import pytest

from crawler.errors import QueryError
from crawler.jobs import jobs
from crawler.match import topics


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Díaz-Canel", "diaz canel"),
        ("DÍAZ  CANEL", "diaz canel"),
        ("Díaz–Canel", "diaz canel"),  # en dash
        ("Camagüey, Pinar del Río", "camaguey pinar del rio"),
        ("Straße", "strasse"),
        ("São Paulo", "sao paulo"),
        ("snake_case", "snake case"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert topics.normalize(text).strip() == expected


# --------------------------------------------------------------------------- matching

TOPICS = [
    jobs.Topic(
        name="cuba",
        terms={"any": ["Díaz-Canel", "Cuba"], "es": ["La Habana", "cubano*"], "en": ["Havana"]},
        exclude=["Cuba Gooding"],
    ),
    jobs.Topic(
        name="venezuela",
        query="maduro AND (gobierno OR presidente OR government) NOT béisbol",
        terms={"any": ["Venezuela"], "es": ["venezolan*"]},
    ),
    jobs.Topic(name="headline-cuba", query="title:cuba"),
]
MATCHER = topics.compile_topics(TOPICS)


def topic_terms(title: str, text: str, language: str | None) -> dict[str, tuple[str, ...]]:
    return {m.topic: m.terms for m in topics.match(MATCHER, title=title, text=text, language=language)}


@pytest.mark.parametrize(
    ("title", "text", "language", "expected"),
    [
        # Díaz-Canel in every spelling people and newsrooms use
        ("", "Reunión con Díaz-Canel hoy.", "es", {"cuba": ("Díaz-Canel",)}),
        ("", "Reunión con Díaz Canel hoy.", "es", {"cuba": ("Díaz-Canel",)}),
        ("", "reunion con diaz-canel hoy", "es", {"cuba": ("Díaz-Canel",)}),
        ("", "Meeting with DIAZ CANEL today.", "en", {"cuba": ("Díaz-Canel",)}),
        ("", "Díaz–Canel (en dash)", None, {"cuba": ("Díaz-Canel",)}),
        # whole words only
        ("", "Díaz said Canel-like things", "en", {}),
        ("", "Visit Cubadebate or Cubana airlines.", "en", {}),
        ("", "Los cubanos celebran.", "es", {"cuba": ("cubano*",)}),
        # phrases need their words in order and adjacent
        ("", "Llegó a La Habana.", "es", {"cuba": ("La Habana",)}),
        ("", "La bella Habana.", "es", {}),
        # per-language lists: "es" terms only for Spanish (or unknown) articles, "any" for all
        ("", "Los cubanos celebran.", "en", {}),
        ("", "Los cubanos celebran.", None, {"cuba": ("cubano*",)}),
        ("", "Los cubanos celebran.", "es-CU", {"cuba": ("cubano*",)}),
        ("", "Havana nights", "es", {}),
        ("", "Havana nights", "en", {"cuba": ("Havana",)}),
        ("", "Crisis en Venezuela", "fr", {"venezuela": ("Venezuela",)}),
        # queries: AND, OR, NOT
        ("", "El presidente Maduro habló.", "es", {"venezuela": ("maduro", "presidente")}),
        ("", "Un plátano maduro.", "es", {}),
        ("", "El presidente Maduro habló de béisbol.", "es", {}),
        # exclusions veto a topic even when its terms match
        ("", "Cuba Gooding Jr. visits Cuba.", "en", {}),
        # title: restriction
        ("Cuba hoy", "Sin más.", "es", {"cuba": ("Cuba",), "headline-cuba": ("cuba",)}),
        ("Hoy", "Cuba, sin más.", "es", {"cuba": ("Cuba",)}),
        ("", "", "es", {}),
    ],
)
def test_match_table(title: str, text: str, language: str | None, expected: dict[str, tuple[str, ...]]) -> None:
    assert topic_terms(title, text, language) == expected


def test_match_reports_where_terms_matched() -> None:
    text = "Primer párrafo sobre otra cosa.\n" + "relleno " * 80 + "\nAl final aparece Venezuela."
    (found,) = topics.match(MATCHER, title="Crisis en Venezuela", text=text, language="es")
    assert found.where == ("title", "body")
    (found,) = topics.match(MATCHER, title="Crisis", text="Venezuela amanece sin luz.", language="es")
    assert found.where == ("lead",)


def test_lead_is_the_first_paragraph_up_to_its_cap() -> None:
    paragraph = "palabra " * 60  # ~480 characters: a long first paragraph is all lead
    (found,) = topics.match(MATCHER, title="", text=paragraph + "Venezuela\nmás", language="es")
    assert found.where == ("lead",)
    (found,) = topics.match(MATCHER, title="", text="palabra " * 100 + "Venezuela", language="es")
    assert found.where == ("body",)  # past the 600-character cap


def test_title_hits_score_more_than_body_hits() -> None:
    body = "x " * 400
    (in_title,) = topics.match(MATCHER, title="Venezuela", text=body, language="es")
    (in_body,) = topics.match(MATCHER, title="", text=body + "Venezuela", language="es")
    assert in_title.score == topics.TITLE_WEIGHT
    assert in_body.score == topics.BODY_WEIGHT
    assert in_title.score > in_body.score


def test_repeated_terms_score_is_capped() -> None:
    text = "x " * 400 + "Venezuela. " * 50
    (found,) = topics.match(MATCHER, title="", text=text, language="es")
    assert found.score == topics.BODY_WEIGHT * topics.OCCURRENCE_CAP


def test_a_term_in_two_lists_is_reported_once() -> None:
    topic = jobs.Topic(name="v", query="venezuela", terms={"any": ["Venezuela"], "es": ["venezuela"]})
    matcher = topics.compile_topics([topic])
    (found,) = topics.match(matcher, title="", text="Venezuela", language="es")
    assert found.terms == ("Venezuela",)
    assert found.score == topics.LEAD_WEIGHT


def test_topics_come_back_in_job_order() -> None:
    found = topics.match(MATCHER, title="Cuba y Venezuela", text="", language="es")
    assert [m.topic for m in found] == ["cuba", "venezuela", "headline-cuba"]


def test_matcher_survives_pickling_for_worker_processes() -> None:
    clone = pickle.loads(pickle.dumps(MATCHER))
    assert clone == MATCHER
    args = {"title": "Díaz-Canel en La Habana", "text": "El presidente Maduro y el gobierno.", "language": "es"}
    assert topics.match(clone, **args) == topics.match(MATCHER, **args)


def test_compile_rejects_a_bad_query() -> None:
    class Spec:
        name = "x"
        query = "maduro AND"
        terms: dict[str, list[str]] = {}
        exclude: list[str] = []

    with pytest.raises(QueryError):
        topics.compile_topics([Spec()])


# --------------------------------------------------------------------------- scripts without spaces


def _matches(term: str, text: str) -> bool:
    matcher = topics.compile_topics([jobs.Topic(name="t", terms={"any": [term]})])
    return bool(topics.match(matcher, title="", text=text, language=None))


@pytest.mark.parametrize(
    ("script", "term", "text"),
    [
        ("Chinese", "特朗普", "特朗普总统表示"),
        ("Japanese katakana", "ロシア", "ロシア軍がウクライナ東部を攻撃"),
        ("Japanese katakana mid-sentence", "ウクライナ", "ロシア軍がウクライナ東部を攻撃"),
        ("Japanese kanji", "東部", "ロシア軍がウクライナ東部を攻撃"),
        ("Korean Hangul with a particle", "트럼프", "트럼프는 말했다"),
        ("Thai", "กรุงเทพ", "ฝนตกหนักในกรุงเทพมหานครเมื่อวานนี้"),
        ("Lao", "ວຽງຈັນ", "ນະຄອນຫຼວງວຽງຈັນມື້ນີ້"),
        ("Khmer", "ភ្នំពេញ", "រាជធានីភ្នំពេញថ្ងៃនេះ"),
        ("Myanmar", "ရန်ကုန်", "ရန်ကုန်မြို့တွင်"),
    ],
)
def test_term_in_an_unspaced_script_matches_inside_words(script: str, term: str, text: str) -> None:
    assert _matches(term, text), script


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("特朗普", "拜登总统表示"),
        ("트럼프", "바이든은 말했다"),
        ("กรุงเทพ", "เชียงใหม่วันนี้"),
    ],
)
def test_term_in_an_unspaced_script_does_not_match_other_text(term: str, text: str) -> None:
    assert not _matches(term, text)


def test_latin_term_next_to_chinese_is_a_whole_word() -> None:
    assert _matches("G7", "在G7峰会上")
    assert not _matches("G7", "在G75峰会上")


def test_kana_voicing_mark_stays_on_its_letter() -> None:
    assert topics.normalize("ガス").strip() == "ガス"  # NFKD alone splits ガ into カ + a separate mark
    assert _matches("ガス", "ガス料金が上がった")
    assert not _matches("ガス", "カス料金")


def test_half_width_katakana_matches_full_width() -> None:
    assert _matches("バイデン", "ﾊﾞｲﾃﾞﾝ大統領")


@pytest.mark.parametrize(("term", "text"), [("हिन्दी", "हिन्दी भाषा"), ("ไทย", "ภาษา ไทย")])
def test_vowel_signs_do_not_split_words(term: str, text: str) -> None:
    assert " " not in topics.normalize(term).strip()
    assert _matches(term, text)


def test_latin_terms_still_match_whole_words_only() -> None:
    assert not _matches("cuba", "cubadebate")
    assert _matches("cuba", "在古巴 Cuba 哈瓦那")


def test_mark_table_matches_this_python() -> None:
    from crawler.match import _marks

    if unicodedata.unidata_version != _marks.UNICODE_VERSION:
        pytest.skip(f"table is for Unicode {_marks.UNICODE_VERSION}, this Python has {unicodedata.unidata_version}")
    assert _marks.compute() == _marks.RANGES
