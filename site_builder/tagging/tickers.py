"""Stock tickers as wire copy writes them, and their one canonical form per listing.

A listing is written in many ways: with a suffix (``002241.SZ``, Reuters' ``600519.SS`` and
``NVDA.OQ``), after an exchange's name (``NASDAQ: NVDA``, ``SEHK: 700``, ``证券代码：300750``),
compact (``SH600519``), or in Chinese copy as a bare code (``（600519）``, whose exchange follows
from its first digits). Each form is a row of a table below; everything here is a pure function
of its arguments. Canonical forms: six digits with ``.SH``/``.SZ``/``.BJ``, five with ``.HK``,
a US symbol with ``.O`` (Nasdaq) or ``.N`` (NYSE).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

from site_builder.model import Listing

__all__ = [
    "BOARD_RULES",
    "CODE_PREFIXES",
    "EXCHANGE_LABELS",
    "SUFFIX_RULES",
    "Listing",
    "Ticker",
    "board_of",
    "exchange_of_code",
    "find_tickers",
    "listing_for",
    "parse_bare_code",
    "parse_ticker",
]

CN = "CN"
"""An exchange label that names no exchange of its own ("A股", "证券代码"): the code's first
digits decide between Shanghai, Shenzhen and Beijing."""


@dataclass(frozen=True, slots=True)
class SuffixRule:
    """A ticker written as CODE.SUFFIX: which suffixes, for which exchange."""

    pattern: str  # regex for the code, upper-case
    suffixes: tuple[str, ...]  # as written, upper-case ("SS" is Reuters' Shanghai)
    exchange: str


SUFFIX_RULES: tuple[SuffixRule, ...] = (
    SuffixRule(r"[0-9]{6}", ("SH", "SS"), "SSE"),
    SuffixRule(r"[0-9]{6}", ("SZ",), "SZSE"),
    SuffixRule(r"[0-9]{6}", ("BJ",), "BSE"),
    SuffixRule(r"[0-9]{4,5}", ("HK",), "HKEX"),
    SuffixRule(r"[A-Z]{1,5}", ("OQ", "O"), "NASDAQ"),
    SuffixRule(r"[A-Z]{1,5}", ("N",), "NYSE"),
)

EXCHANGE_LABELS: dict[str, str] = {
    # What copy writes before "CODE" with a colon ("NASDAQ: NVDA", "股票代码：002594"), compared
    # case-insensitively, and the exchange it names. Labels of other exchanges ("SGX: NIO",
    # "ADR: LNVGY", "TWSE: 2330") are not here, so their codes are no listing of ours.
    "nasdaq": "NASDAQ", "nasdaqgs": "NASDAQ", "nasdaqgm": "NASDAQ", "nasdaqcm": "NASDAQ",
    "nasdaq gs": "NASDAQ", "nasdaq/aim": "NASDAQ",
    "nyse": "NYSE", "new york stock exchange": "NYSE",
    "hkex": "HKEX", "sehk": "HKEX", "hkse": "HKEX", "hong kong stock exchange": "HKEX",
    "h股": "HKEX", "港股": "HKEX", "h股代码": "HKEX", "港股代码": "HKEX", "股份代号": "HKEX",
    "sse": "SSE", "sse star": "SSE", "sse star market": "SSE", "shanghai stock exchange": "SSE",
    "sh": "SSE", "上交所": "SSE",
    "szse": "SZSE", "shenzhen stock exchange": "SZSE", "sz": "SZSE", "深交所": "SZSE",
    "bse": "BSE", "beijing stock exchange": "BSE", "bj": "BSE", "北交所": "BSE",
    "a股": CN, "a股代码": CN, "证券代码": CN, "股票代码": CN, "代码": CN,
}

COMPACT_PREFIXES: dict[str, str] = {"sh": "SSE", "sz": "SZSE", "bj": "BSE", "hk": "HKEX"}
"""``SH600519``, ``SZ:300750``, ``HK00700``: an exchange's letters glued to the code."""

CODE_PREFIXES: tuple[tuple[str, str], ...] = (
    # (first digits, exchange) of a mainland code written without an exchange; first match wins
    ("920", "BSE"), ("900", "SSE"), ("6", "SSE"), ("0", "SZSE"), ("3", "SZSE"), ("2", "SZSE"),
    ("4", "BSE"), ("8", "BSE"),
)

BOARD_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    # (exchange, code prefixes, board); the first matching row wins
    ("SSE", ("688", "689"), "STAR Market"),
    ("SSE", ("600", "601", "603", "605"), "SSE Main Board"),
    ("SSE", ("900",), "SSE B-share"),
    ("SZSE", ("300", "301"), "ChiNext"),
    ("SZSE", ("000", "001", "002", "003"), "SZSE Main Board"),
    ("SZSE", ("200",), "SZSE B-share"),
    ("BSE", ("4", "8", "920"), "BSE"),
    ("HKEX", ("08",), "GEM"),
    ("HKEX", ("0", "1", "2", "3", "4", "5", "6", "7", "9"), "HKEX Main Board"),
)

CANONICAL_SUFFIX = {"SSE": "SH", "SZSE": "SZ", "BSE": "BJ", "HKEX": "HK", "NASDAQ": "O",
                    "NYSE": "N"}
MAINLAND = frozenset(("SSE", "SZSE", "BSE"))


class Ticker(NamedTuple):
    """A ticker found in a text: its listing and where it is written (a named tuple: a build
    finds some hundred thousand)."""

    listing: Listing
    start: int
    end: int


def _suffix_form() -> str:
    forms = []
    for rule in SUFFIX_RULES:
        suffixes = "|".join(sorted(("".join(f"[{c}{c.lower()}]" for c in suffix)
                                    for suffix in rule.suffixes), key=len, reverse=True))
        forms.append(f"{rule.pattern}\\.(?:{suffixes})")
    return "|".join(forms)


def _label_form() -> str:
    labels = sorted(EXCHANGE_LABELS, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, label.split())) for label in labels)


_CODE_END = r"(?![0-9A-Za-z]|\.[A-Za-z])"
_TICKER = re.compile(
    f"(?<![0-9A-Za-z.])(?P<suffixed>{_suffix_form()}){_CODE_END}"
    f"|(?<![A-Za-z])(?P<label>(?i:{_label_form()}))[ \\t\u3000]*[:：][ \\t\u3000]*"
    f"(?P<code>[0-9]{{1,6}}|[A-Z]{{1,5}}){_CODE_END}"
    f"|(?<![0-9A-Za-z])(?P<compact>(?i:sh|sz|bj|hk))[:：]?(?P<digits>[0-9]{{4,6}})(?![0-9])"
)
_SUFFIX_EXCHANGES = {suffix: rule.exchange for rule in SUFFIX_RULES for suffix in rule.suffixes}


def exchange_of_code(code: str) -> str:
    """The mainland exchange of a six-digit code from its first digits, or ""."""
    if len(code) != 6 or not code.isdigit():
        return ""
    return next((exchange for prefix, exchange in CODE_PREFIXES if code.startswith(prefix)), "")


def board_of(exchange: str, code: str) -> str:
    """The board a code trades on, from ``BOARD_RULES`` ("" when no row applies)."""
    for rule_exchange, prefixes, board in BOARD_RULES:
        if rule_exchange == exchange and code.startswith(prefixes):
            return board
    return ""


def listing_for(exchange: str, code: str) -> Listing | None:
    """The canonical listing of a code on an exchange (CN: the code's own), or None when the
    code cannot trade there (a mainland label with a code of another exchange: "BSE: 500325"
    is Bombay's)."""
    if exchange == CN or exchange in MAINLAND:
        own = exchange_of_code(code)
        if not own or exchange not in (CN, own):
            return None
        exchange = own
    elif exchange == "HKEX":
        if not code.isdigit() or len(code) > 5 or not code.strip("0"):
            return None
        code = code.zfill(5)
    elif not (code.isalpha() and code.isupper() and len(code) <= 5):
        return None
    return Listing(f"{code}.{CANONICAL_SUFFIX[exchange]}", exchange, board_of(exchange, code))


def find_tickers(text: str, start: int = 0, end: int | None = None) -> list[Ticker]:
    """Every written ticker in text[start:end] that is one of ours, in order."""
    found = []
    for match in _TICKER.finditer(text, start, len(text) if end is None else end):
        listing = _listing_of(match)
        if listing is not None:
            found.append(Ticker(listing, match.start(), match.end()))
    return found


def _listing_of(match: re.Match[str]) -> Listing | None:
    return _listing_of_groups(match.group("suffixed"), match.group("label"),
                              match.group("code"), match.group("compact"), match.group("digits"))


@functools.lru_cache(maxsize=8192)
def _listing_of_groups(suffixed: str | None, label: str | None, code: str | None,
                       compact: str | None, digits: str | None) -> Listing | None:
    """The listing a match of _TICKER writes, kept by how it is written: a site writes the
    same few thousand tickers again and again."""
    if suffixed is not None:
        code, _, suffix = suffixed.rpartition(".")
        exchange = _SUFFIX_EXCHANGES[suffix.upper()]
        if exchange == "HKEX":
            code = code.zfill(5)
        elif exchange in MAINLAND and exchange_of_code(code) not in ("", exchange):
            return None  # "002241.SH": a Shenzhen code cannot trade in Shanghai
        return Listing(f"{code}.{CANONICAL_SUFFIX[exchange]}", exchange, board_of(exchange, code))
    if label is not None and code is not None:
        return listing_for(EXCHANGE_LABELS[" ".join(label.casefold().split())], code)
    if compact is None or digits is None:
        return None
    exchange = COMPACT_PREFIXES[compact.casefold()]
    return listing_for(exchange, digits) if (exchange == "HKEX") == (len(digits) < 6) else None


def parse_ticker(raw: str) -> Listing | None:
    """The canonical listing of one written ticker ("1810.hk" -> 01810.HK, "NASDAQ: NVDA" ->
    NVDA.O, "SH600519" -> 600519.SH), or None; a bare code is not enough on its own."""
    text = raw.strip()
    match = _TICKER.fullmatch(text) or _TICKER.fullmatch(text.upper())  # "nvda.o" in a registry
    return _listing_of(match) if match is not None else None


def parse_bare_code(code: str) -> Listing | None:
    """A code Chinese copy writes bare in parentheses after a name: six digits on a mainland
    board ("600519"), or five with a leading zero in Hong Kong ("01810")."""
    if len(code) == 5 and code.startswith("0"):
        return listing_for("HKEX", code)
    exchange = exchange_of_code(code)
    if not exchange or not board_of(exchange, code):
        return None
    return listing_for(exchange, code)
