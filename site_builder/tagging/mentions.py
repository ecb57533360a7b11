"""Mentions: a company name written with its tickers, found in a story's text.

Copy writes a listed company's tickers in brackets after its name (``Goertek (002241.SZ)``,
``NIO Inc. (NYSE: NIO; HKEX: 9866)``, Reuters' ``Tencent <0700.HK>``, ``贵州茅台（600519）``), in
brackets one after the other (``BYD (002594.SZ), (1211.HK)``), with its defined terms before
or after (``(CATL)``, ``("Hesai" or the "Company")``), and in Chinese exchange announcements in
a header line (``证券代码：300750　证券简称：宁德时代``). Every ticker of one mention is a listing
of one company. Everything here is a pure function, so it can run in a worker process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from site_builder.tagging.names import CJK, defined_terms, name_before
from site_builder.tagging.tickers import Listing, Ticker, find_tickers, parse_bare_code

MAX_BRACKET = 160
"""The longest bracket content searched for tickers; a longer one is prose."""
MAX_SKIPPED = 3
"""Defined terms or foreign tickers (``(CATL)``, ``(2330.TW)``) skipped between a name and its
tickers."""


@dataclass(frozen=True, slots=True)
class Mention:
    """A company written with its tickers; ``start``/``end`` span its name, defined terms and
    brackets (an announcement header: the line's code and short name)."""

    name: str  # "" when nothing name-like stands before the brackets
    listings: tuple[Listing, ...]  # one per ticker, in written order
    start: int
    end: int
    aliases: tuple[str, ...] = ()  # defined terms: "CATL", "Li Auto"


class _Bracket(NamedTuple):
    """A bracketed part of the text (a named tuple: a story has several, made by the
    thousand a build)."""

    start: int  # the opening bracket
    end: int  # after the closing one
    content: str
    listings: tuple[Listing, ...]


_INNER = r"[^()（）<>\n]|[(（][^()（）<>\n]{0,40}[)）]"  # one level of nesting: "(HKD counter)"
_BRACKET = re.compile(f"[(（]((?:{_INNER}){{1,{MAX_BRACKET}}})[)）]|<([^<>\\n]{{1,40}})>")
_BARE = re.compile(r"[ \t\u3000]*([0-9]{6}|0[0-9]{4})[ \t\u3000]*")
_GAP = re.compile(r"[ \t\u3000,，、/;；]*(?:opens new tab[ \t,，]*)?")
"""What may stand between two brackets of one mention (Reuters' web copy adds "opens new tab")."""
_FOREIGN_TICKER = re.compile(r"[0-9A-Z]{1,6}\.[A-Z]{1,2}|[A-Za-z][A-Za-z ]{0,20}[:：] *[0-9A-Z]{1,8}")
"""A ticker of an exchange we do not know (``2330.TW``, ``ADR: LNVGY``): skipped, like a term."""
_HAS_CJK = re.compile(f"[{CJK}]")
_MAY_HOLD_TICKER = re.compile(r"[.:：]|(?i:sh|sz|bj|hk)[0-9]")
"""Every ticker form but a bare code holds a dot, a colon, or an exchange's letters and digits."""
_HEADER = re.compile(
    r"(?P<label>(?:证券|股票|A股|B股|H股)?代码|股份代号)[ \t\u3000]*[：:][ \t\u3000]*(?P<code>[0-9]{5,6})"
    r"[ \t\u3000]+(?:证券|股票|A股|B股|H股)?简称[ \t\u3000]*[：:][ \t\u3000]*"
    f"(?P<name>[{CJK}A-Za-z0-9*＊-]{{2,16}})")
"""An exchange announcement's header: ``证券代码：300750　证券简称：宁德时代``."""
_HK_LABELS = ("H股代码", "股份代号")


def find_mentions(text: str) -> tuple[Mention, ...]:
    """Every company written with its tickers in text, in order."""
    mentions = _bracket_mentions(text)
    if "代码" in text or "代号" in text:
        mentions = sorted([*mentions, *_header_mentions(text)], key=lambda m: m.start)
    return tuple(mentions)


def tickers_in_brackets(text: str, end: int | None = None) -> list[Ticker]:
    """Every ticker written in brackets in text[:end], as mentions write them."""
    found: list[Ticker] = []
    for match in _bracket_matches(text):
        if end is not None and match.start() >= end:
            break
        group = 1 if match.group(1) is not None else 2
        found += find_tickers(text, match.start(group), match.end(group))
    return found


def _bracket_matches(text: str) -> Iterator[re.Match[str]]:
    """_BRACKET's matches, as finditer would give them, tried only where a bracket opens: a
    story has a few brackets in a thousand characters, and str.find skips to them much faster
    than a pattern that starts with a character class can."""
    openings = sorted(position for mark in "(（<" for position in _positions(text, mark))
    end = 0
    for position in openings:
        if position >= end and (match := _BRACKET.match(text, position)) is not None:
            end = match.end()
            yield match


def _positions(text: str, mark: str) -> Iterator[int]:
    position = text.find(mark)
    while position >= 0:
        yield position
        position = text.find(mark, position + 1)


def _brackets(text: str) -> list[_Bracket]:
    brackets = []
    for match in _bracket_matches(text):
        group = 1 if match.group(1) is not None else 2
        content = match.group(group)
        tickers = find_tickers(text, match.start(group), match.end(group)) \
            if _MAY_HOLD_TICKER.search(content) else ()
        listings = tuple(dict.fromkeys(ticker.listing for ticker in tickers)) if tickers else ()
        brackets.append(_Bracket(match.start(), match.end(), content, listings))
    return brackets


def _bracket_mentions(text: str) -> list[Mention]:
    if not ("(" in text or "（" in text or "<" in text):
        return []
    brackets = _brackets(text)
    mentions: list[Mention] = []
    for index, bracket in enumerate(brackets):
        listings = bracket.listings or _bare_listing(text, brackets, index)
        if not listings:
            continue
        aliases = defined_terms(bracket.content, quoted_only=True)
        end = bracket.end
        after = brackets[index + 1] if index + 1 < len(brackets) else None
        terms = defined_terms(after.content, quoted_only=True) if after is not None and not (
            after.listings) and _GAP.fullmatch(text, end, after.start) else ()
        if after is not None and terms:  # ("Hesai" or the "Company") after the tickers
            aliases, end = (*aliases, *terms), after.end
        last = mentions[-1] if mentions else None
        if last is not None and _GAP.fullmatch(text, last.end, bracket.start) and not (
                name_before(text, bracket.start)[0]):
            mentions[-1] = Mention(last.name, tuple(dict.fromkeys((*last.listings, *listings))),
                                   last.start, end, tuple(dict.fromkeys((*last.aliases, *aliases))))
            continue
        name_end, skipped = _skip_terms(text, brackets, index)
        name, start = name_before(text, name_end)
        aliases = tuple(dict.fromkeys((*skipped, *aliases)))
        mentions.append(Mention(name, listings, start if name else name_end, end, aliases))
    return mentions


def _bare_listing(text: str, brackets: list[_Bracket], index: int) -> tuple[Listing, ...]:
    """A bare code in brackets after a Chinese name (``贵州茅台（600519）``), else nothing."""
    bracket = brackets[index]
    code = _BARE.fullmatch(bracket.content)
    if code is None or text[bracket.start] == "<":
        return ()
    listing = parse_bare_code(code.group(1))
    if listing is None:
        return ()
    name_end, _ = _skip_terms(text, brackets, index)
    return (listing,) if _HAS_CJK.search(name_before(text, name_end)[0]) else ()


def _skip_terms(text: str, brackets: list[_Bracket], index: int) -> tuple[int, tuple[str, ...]]:
    """Where the name before brackets[index] ends, past the defined terms and foreign tickers
    in brackets just before it, and the terms."""
    end = brackets[index].start
    terms: list[str] = []
    for earlier in reversed(brackets[max(0, index - MAX_SKIPPED):index]):
        if earlier.listings or not _GAP.fullmatch(text, earlier.end, end):
            break
        content = earlier.content.strip()
        found = defined_terms(content)
        if not found and not _FOREIGN_TICKER.fullmatch(content) and "简称" not in content:
            break
        terms[:0] = found
        end = earlier.start
    return end, tuple(terms)


def _header_mentions(text: str) -> list[Mention]:
    """An announcement header's code and short name; a header of two lines one after the other
    with one short name (its A and its H shares) is one mention."""
    mentions: list[Mention] = []
    for match in _HEADER.finditer(text):
        exchange_hk = match.group("label") in _HK_LABELS
        code = match.group("code")
        listing = parse_bare_code(code.zfill(5) if exchange_hk and len(code) < 6 else code)
        if listing is None or (listing.exchange == "HKEX") != exchange_hk:
            continue
        name = match.group("name")
        last = mentions[-1] if mentions else None
        if last is not None and last.name == name and text.count("\n", last.end, match.start()) <= 1:
            mentions[-1] = Mention(name, (*last.listings, listing), last.start, match.end())
        else:
            mentions.append(Mention(name, (listing,), match.start(), match.end()))
    return mentions
