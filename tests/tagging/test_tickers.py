"""Tests for site_builder.tagging.tickers: every ticker style is a stanza of
tests/fixtures/tickers.txt, read by find_mentions as a story's text would be."""

from __future__ import annotations

import pytest
from conftest import TESTS_DIR
from markdown_it.utils import read_fixture_file

from site_builder.tagging.mentions import Mention, find_mentions
from site_builder.tagging.tickers import (
    BOARD_RULES,
    CODE_PREFIXES,
    board_of,
    exchange_of_code,
    find_tickers,
    parse_bare_code,
    parse_ticker,
)

FIXTURE = TESTS_DIR / "fixtures" / "tickers.txt"
CASES = read_fixture_file(FIXTURE)


def describe(mention: Mention) -> str:
    """One mention as the fixture writes it: ``TICKER | EXCHANGE | BOARD | NAME``, and
    ``| aka TERM, TERM`` when it defines terms."""
    first = mention.listings[0]
    tickers = " + ".join(listing.ticker for listing in mention.listings)
    found = f"{tickers} | {first.exchange} | {first.board or '-'} | {mention.name or '-'}"
    return found + (f" | aka {', '.join(mention.aliases)}" if mention.aliases else "")


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
    ("MU.OQ", "MU.O", "NASDAQ", ""),
    ("BABA.N", "BABA.N", "NYSE", ""),
    ("830799.BJ", "830799.BJ", "BSE", "BSE"),
    ("NVDA", None, None, None),
    ("600519.SS", "600519.SH", "SSE", "SSE Main Board"),
    ("NASDAQ: NVDA", "NVDA.O", "NASDAQ", ""),
    ("nyse: tsm", "TSM.N", "NYSE", ""),
    ("SEHK: 700", "00700.HK", "HKEX", "HKEX Main Board"),
    ("HKEX: 08001", "08001.HK", "HKEX", "GEM"),
    ("SZSE: 300750", "300750.SZ", "SZSE", "ChiNext"),
    ("BSE: 832885", "832885.BJ", "BSE", "BSE"),
    ("BSE: 500325", None, None, None),  # Bombay's, not Beijing's
    ("SH600519", "600519.SH", "SSE", "SSE Main Board"),
    ("sz:300750", "300750.SZ", "SZSE", "ChiNext"),
    ("证券代码：688981", "688981.SH", "SSE", "STAR Market"),
    ("H股：01211", "01211.HK", "HKEX", "HKEX Main Board"),
    ("SGX: NIO", None, None, None),
    ("2330.TW", None, None, None),
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


def test_a_bare_code_takes_its_exchange_from_its_first_digits() -> None:
    assert [exchange_of_code(code) for code in ("600519", "688981", "000001", "300750",
                                                  "200002", "900901", "430047", "835185",
                                                  "920001", "123456", "60051")] == [
        "SSE", "SSE", "SZSE", "SZSE", "SZSE", "SSE", "BSE", "BSE", "BSE", "", ""]
    assert all(len(row) == 2 for row in CODE_PREFIXES)
    assert parse_bare_code("01810") is not None and parse_bare_code("01810").ticker == "01810.HK"
    assert parse_bare_code("10000") is None  # five digits are Hong Kong's only with a leading 0
    assert parse_bare_code("123456") is None
    assert parse_bare_code("2024") is None


def test_find_tickers_gives_where_each_is_written() -> None:
    text = "Alibaba (NYSE: BABA; HKEX: 9988) and 0700.HK, not 2330.TW"
    found = [(text[t.start:t.end], t.listing.ticker) for t in find_tickers(text)]
    assert found == [("NYSE: BABA", "BABA.N"), ("HKEX: 9988", "09988.HK"), ("0700.HK", "00700.HK")]
