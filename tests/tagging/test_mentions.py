"""Tests for site_builder.tagging.mentions; each ticker style is a stanza of
tests/fixtures/tickers.txt (test_tickers.py), these are the properties of a mention."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.tagging.mentions import find_mentions


def test_mention_spans_cover_name_and_parentheses() -> None:
    text = "Today Goertek (002241.SZ) rose."
    (mention,) = find_mentions(text)
    assert text[mention.start:mention.end] == "Goertek (002241.SZ)"


def test_a_span_covers_the_defined_terms_before_and_after() -> None:
    text = 'Contemporary Amperex Technology Co Ltd (CATL) (300750.SZ) and Hesai (NASDAQ: HSAI) ("Hesai" or the "Company") said.'
    catl, hesai = find_mentions(text)
    assert text[catl.start:catl.end] == "Contemporary Amperex Technology Co Ltd (CATL) (300750.SZ)"
    assert text[hesai.start:hesai.end] == 'Hesai (NASDAQ: HSAI) ("Hesai" or the "Company")'


def test_an_announcement_header_spans_its_line_up_to_the_short_name() -> None:
    text = "证券代码：300750　　证券简称：宁德时代　　公告编号：2025-038\n\n宁德时代新能源科技股份有限公司发布公告。"
    (mention,) = find_mentions(text)
    assert text[mention.start:mention.end] == "证券代码：300750　　证券简称：宁德时代"
    assert mention.name == "宁德时代"


def test_a_second_company_after_the_first_is_not_joined_to_it() -> None:
    text = "Tencent (0700.HK), Alibaba (9988.HK), (BABA.N) and Meituan (3690.HK) rose."
    assert [(m.name, [x.ticker for x in m.listings]) for m in find_mentions(text)] == [
        ("Tencent", ["00700.HK"]), ("Alibaba", ["09988.HK", "BABA.N"]),
        ("Meituan", ["03690.HK"])]


def test_text_without_brackets_or_codes_is_not_searched() -> None:
    assert find_mentions("Goertek rose 3% on Tuesday; 比亚迪销量大增。") == ()


@settings(derandomize=True, max_examples=200)
@given(st.text())
def test_any_text_gives_consistent_mentions(text: str) -> None:
    mentions = find_mentions(text)
    assert find_mentions(text) == mentions
    for mention in mentions:
        assert 0 <= mention.start <= mention.end <= len(text)
        assert mention.listings
        assert mention.name in text[mention.start:mention.end]


@settings(derandomize=True, max_examples=300)
@given(st.lists(st.sampled_from([
    "Goertek", " ", "(", "（", ")", "）", "<", ">", "002241", ".SZ", ".hk", "1810", "比亚迪", "称",
    "\n", "Co.,", "of", "'s", "NVDA", ".O", "NASDAQ: ", "HKEX：", "SH", "-W", "“", "”", '"',
    "证券代码：", "证券简称：", "600519", "01810", ", ", "; ", "opens new tab", "(CATL)"]))
                .map("".join))
def test_ticker_like_text_never_crashes(text: str) -> None:
    mentions = find_mentions(text)
    assert find_mentions(text) == mentions
    for mention in mentions:
        assert mention.name in text[mention.start:mention.end]
