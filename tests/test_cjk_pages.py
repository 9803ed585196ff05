"""Korean, Japanese and Chinese news pages: short items in dense scripts are extracted, not emptied or replaced by
the menu (pages built here; the crawl's minimum text length is counted as crawler.extract.cli applies it)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.extract import cli, extract, language

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
KO_SENTENCES = (
    "서울시는 내년부터 시내버스 노선을 전면 개편한다고 밝혔다.",
    "시 관계자는 출퇴근 시간대 혼잡을 줄이기 위한 조치라고 설명했다.",
    "새 노선은 지하철역과 주거 단지를 더 촘촘하게 연결한다.",
)
JA_SENTENCES = (
    "東京都は来年度から都営バスの路線を全面的に見直すと発表した。",
    "通勤時間帯の混雑を減らすための措置だという。",
    "新しい路線は駅と住宅地をより細かく結ぶ。",
)
ZH_SENTENCES = (
    "上海市政府宣布明年起全面调整公交线路。",
    "有关负责人表示此举旨在缓解早晚高峰的拥堵。",
    "新线路将更紧密地连接地铁站和居民区。",
)
MENU = {
    "ko": ("정치", "경제", "사회", "국제", "문화", "스포츠"),
    "ja": ("政治", "経済", "社会", "国際", "文化", "スポーツ"),
    "zh": ("政治", "经济", "社会", "国际", "文化", "体育"),
}


def korean_page(charset: str = "utf-8") -> bytes:
    """A Korean news item in the common layout: the body is text in <div id="article_body"> split by <br>."""
    body = "<br><br>".join(f"{a} {b}" for a, b in zip(KO_SENTENCES, KO_SENTENCES[1:] + KO_SENTENCES[:1], strict=True))
    html = _news_page("ko", charset, "서울시, 내년 시내버스 노선 전면 개편", "입력 2024.05.30 10:15",
                      f'<div id="article_body" class="article_txt">{body}<br><br>김민수 기자</div>')
    # a Korean CMS labels Windows-949 bytes EUC-KR: one UHC-only syllable (갂) breaks strict EUC-KR decoding
    return html.replace("김민수 기자", "김민수 기자 갂").encode("cp949" if charset == "euc-kr" else charset)


def _news_page(lang: str, charset: str, headline: str, dateline: str, article: str) -> str:
    menu = "".join(f'<li><a href="/section/{i}">{label} 뉴스</a></li>' for i, label in enumerate(MENU[lang] * 6))
    return (f'<html lang="{lang}"><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f'<title>{headline} - 한빛일보</title></head><body><div id="header"><ul>{menu}</ul></div>'
            f'<div class="article_head"><h1>{headline}</h1><span class="date">{dateline}</span></div>{article}'
            '<div class="copyright">Copyright 한빛일보. All rights reserved.</div></body></html>')


@pytest.mark.parametrize("charset", ["utf-8", "euc-kr"])
def test_a_short_korean_news_item_is_extracted(charset: str) -> None:
    result = cli.page_result(korean_page(charset), "https://news.hanbit.example/news/articleView.html?idxno=123456",
                             now=NOW)
    assert result["status"] == "article", result["reason"]
    assert result["text"].startswith(KO_SENTENCES[0]), result["text"][:200]
    assert "스포츠" not in result["text"]  # the menu is not the body


@pytest.mark.parametrize(
    ("lang", "sentences", "headline"),
    [("ja", JA_SENTENCES, "都営バス、来年度に路線を全面見直し"), ("zh", ZH_SENTENCES, "上海明年全面调整公交线路")],
)
def test_short_japanese_and_chinese_news_items_are_extracted(
    lang: str, sentences: tuple[str, ...], headline: str
) -> None:
    paragraphs = "".join(f"<p>{s}{sentences[(i + 1) % 3]}</p>" for i, s in enumerate(sentences))
    html = _news_page(lang, "utf-8", headline, "2024年5月30日 10:15", f'<div class="article-body">{paragraphs}</div>')
    result = cli.page_result(html.encode(), f"https://news.example.{lang}/articles/20240530/123456", now=NOW)
    assert result["status"] == "article", result["reason"]
    assert result["text"].startswith(sentences[0]), result["text"][:200]
    assert MENU[lang][-1] not in result["text"]


@pytest.mark.parametrize(("text", "length"), [("abc", 3), ("서울시", 7), ("東京都", 7), ("ab 東京", 8)])
def test_dense_characters_count_more_in_length_limits(text: str, length: int) -> None:
    assert extract.text_length(text) == length


def test_a_short_korean_text_is_detected_as_korean_without_a_declaration() -> None:
    text = " ".join(KO_SENTENCES)  # about 100 characters: under the 200 Latin characters a guess needs
    assert len(text) < 200
    assert language.detect_language(text, None, None) == "ko"


def script_rendered_korean_page(fragment: str = "") -> bytes:
    """A Korean news page rendered by its scripts: <main> holds only a loading spinner; the body is an HTML string
    (<p> written as \\u003cp) in the data a Next.js stream hydrates from, as a JSON string literal."""
    paragraphs = [f"{a} {b} {c}" for a, b, c in zip(KO_SENTENCES, KO_SENTENCES[1:] + KO_SENTENCES[:1],
                                                    KO_SENTENCES[2:] + KO_SENTENCES[:2], strict=True)]
    fragment = fragment or "".join(f'<p class="editor-p">{p}</p>' for p in paragraphs * 2)
    fragment = '<div class="editor-img-box"><img src="/photo.jpg"><div class="caption"><p>사진 설명</p></div></div>' \
        + fragment
    payload = json.dumps([1, fragment]).replace("<", "\\u003c").replace(">", "\\u003e")
    headline = "서울시, 내년 시내버스 노선 전면 개편"
    return (f'<html lang="ko"><head><meta charset="utf-8"><title>{headline}-사회ㅣ한빛일보</title>'
            f'<meta property="og:type" content="article"></head><body>'
            '<main><div class="spinner"><svg viewBox="0 0 24 24"><path d="M0 0"/></svg></div></main>'
            '<script>(self.__next_f=self.__next_f||[]).push([0])</script>'
            f'<script>self.__next_f.push({payload})</script></body></html>').encode()


def test_a_script_rendered_news_page_is_extracted_from_its_hydration_data() -> None:
    result = cli.page_result(script_rendered_korean_page(), "https://www.hanbit.example/news/article/A2024053010150001",
                             now=NOW)
    assert result["status"] == "article", result["reason"]
    assert result["text"].startswith(KO_SENTENCES[0]), result["text"][:200]



def test_script_data_that_does_not_tell_the_headlines_story_is_not_the_body() -> None:
    purposes = ("measure how our articles are read", "show advertising that matches your interests",
                "remember your login and settings", "prevent fraud and abuse of our services",
                "improve the layout of our pages over time", "share statistics with our partners")
    policy = "".join(f"<p>With your consent we and our partners store cookies on your device to {p}. You can "
                     "withdraw this consent at any time in the privacy settings at the bottom of every page.</p>"
                     for p in purposes)
    result = cli.page_result(script_rendered_korean_page(policy), "https://www.hanbit.example/news/article/A20240530",
                             now=NOW)
    assert "cookies" not in (result["text"] or ""), result["text"][:200]
