"""Tests for site_builder.tickers: the rule cases live in tests/fixtures/tickers.txt."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file

from site_builder.tagging.tickers import BOARD_RULES, Mention, board_of, find_mentions, parse_ticker

FIXTURE = Path(__file__).parent / "fixtures" / "tickers.txt"
CASES = read_fixture_file(FIXTURE)


def describe(mention: Mention) -> str:
    """One mention as the fixture writes it: ``TICKER | EXCHANGE | BOARD | NAME``."""
    first = mention.listings[0]
    tickers = " + ".join(listing.ticker for listing in mention.listings)
    return f"{tickers} | {first.exchange} | {first.board or '-'} | {mention.name or '-'}"


@pytest.mark.parametrize(("line", "title", "text", "expected"), CASES,
                         ids=[f"line {case[0] + 1}: {case[1]}" for case in CASES])
def test_fixture(line: int, title: str, text: str, expected: str) -> None:
    found = [describe(mention) for mention in find_mentions(text)]
    wanted = [row.strip() for row in expected.splitlines() if row.strip()]
    assert found == wanted, f"{FIXTURE.name}:{line + 1}: {title}"


def test_fixture_file_has_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize(("raw", "canonical", "exchange", "board"), [
    ("002241.SZ", "002241.SZ", "SZSE", "SZSE Main Board"),
    (" 688052.sh ", "688052.SH", "SSE", "STAR Market"),
    ("1810.HK", "01810.HK", "HKEX", "HKEX Main Board"),
    ("01810.HK", "01810.HK", "HKEX", "HKEX Main Board"),
    ("700.HK", None, None, None),
    ("nvda.o", "NVDA.O", "NASDAQ", ""),
    ("MU.OQ", "MU.OQ", "NASDAQ", ""),
    ("BABA.N", "BABA.N", "NYSE", ""),
    ("830799.BJ", "830799.BJ", "BSE", "BSE"),
    ("NVDA", None, None, None),
    ("002241", None, None, None),
    ("002241.SS", None, None, None),
    ("", None, None, None),
])
def test_parse_ticker(raw: str, canonical: str | None, exchange: str | None,
                      board: str | None) -> None:
    listing = parse_ticker(raw)
    if canonical is None:
        assert listing is None
    else:
        assert listing is not None
        assert (listing.ticker, listing.exchange, listing.board) == (canonical, exchange, board)


def test_board_rules_are_a_table_the_first_match_wins() -> None:
    assert board_of("SSE", "688001") == "STAR Market"
    assert board_of("SZSE", "688001") == ""  # a prefix counts on its own exchange only
    assert all(len(row) == 3 for row in BOARD_RULES)


def test_mention_spans_cover_name_and_parentheses() -> None:
    text = "Today Goertek (002241.SZ) rose."
    (mention,) = find_mentions(text)
    assert text[mention.start:mention.end] == "Goertek (002241.SZ)"


@settings(derandomize=True, max_examples=200)
@given(st.text())
def test_any_text_gives_consistent_mentions(text: str) -> None:
    mentions = find_mentions(text)
    assert find_mentions(text) == mentions
    for mention in mentions:
        assert 0 <= mention.start <= mention.end <= len(text)
        assert mention.listings
        if mention.name:
            assert text[mention.start:mention.start + len(mention.name)] == mention.name


@settings(derandomize=True, max_examples=200)
@given(st.lists(st.sampled_from(["Goertek", " ", "(", "（", ")", "）", "002241", ".SZ", ".hk",
                                 "1810", "比亚迪", "称", "\n", "Co.,", "of", "'s", "NVDA", ".O"]))
                .map("".join))
def test_ticker_like_text_never_crashes(text: str) -> None:
    assert find_mentions(text) == find_mentions(text)
