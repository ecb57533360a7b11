"""Stock tickers: find ``Name (TICKER)`` mentions in text and put tickers in canonical form.

A mention is a company name followed by one or more tickers in ASCII or full-width
parentheses: ``Goertek (002241.SZ)``, ``比亚迪（002594.SZ）``, ``BYD (002594.SZ, 01211.HK)``.
Which tickers exist and which board a code belongs to are the tables ``TICKER_RULES`` and
``BOARD_RULES``; everything here is a pure function of its arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ASCII_WORD = "0-9A-Za-z\u00c0-\u024f"
"""Characters that continue a Latin-script word (a name boundary is anything else)."""
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""CJK ideographs: Chinese names run over these without spaces."""


@dataclass(frozen=True, slots=True)
class Listing:
    """A ticker in canonical form with the exchange and board it belongs to."""

    ticker: str  # "002241.SZ", "01810.HK", "NVDA.O"
    exchange: str  # "SSE", "SZSE", "BSE", "HKEX", "NASDAQ", "NYSE"
    board: str  # "STAR Market", "ChiNext", ... or "" when no board rule applies


@dataclass(frozen=True, slots=True)
class Mention:
    """``Name (TICKER)`` found in a text; ``start``/``end`` span the name and the parentheses."""

    name: str  # "" when nothing name-like stands before the parenthesis
    listings: tuple[Listing, ...]  # one per ticker inside the parentheses, in written order
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class TickerRule:
    """One form of ticker: how it is written and how it becomes canonical."""

    pattern: str  # regex for the code; the suffix is matched case-insensitively
    suffix: str  # as written, upper-case: "SH", "HK", "OQ"
    exchange: str
    pad: int = 0  # zero-pad the code to this width ("1810" -> "01810")


TICKER_RULES: tuple[TickerRule, ...] = (
    TickerRule(r"[0-9]{6}", "SH", "SSE"),
    TickerRule(r"[0-9]{6}", "SZ", "SZSE"),
    TickerRule(r"[0-9]{6}", "BJ", "BSE"),
    TickerRule(r"[0-9]{4,5}", "HK", "HKEX", pad=5),
    TickerRule(r"[A-Z]{1,5}", "OQ", "NASDAQ"),
    TickerRule(r"[A-Z]{1,5}", "O", "NASDAQ"),
    TickerRule(r"[A-Z]{1,5}", "N", "NYSE"),
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

NOT_COMPANIES: frozenset[str] = frozenset((
    # Names a run of capitalised words can produce that never name a company on their own:
    # generic nouns, government bodies and places (compared case-insensitively).
    "company", "the company", "group", "the group", "shares", "stock", "subsidiary", "holdings",
    "corporation", "bank", "exchange", "china", "hong kong", "us", "u.s.", "state council",
    "ministry of commerce", "ministry of industry and information technology",
    "ministry of science and technology", "ministry of finance", "csrc", "ndrc", "miit", "pboc",
    "national development and reform commission", "china securities regulatory commission",
    "people's bank of china", "national energy administration", "national data administration",
    "shanghai stock exchange", "shenzhen stock exchange", "beijing stock exchange",
    "hong kong stock exchange", "beijing", "shanghai", "shenzhen", "guangzhou", "hangzhou",
    "chengdu", "wuhan", "hefei", "suzhou", "nanjing", "xi'an", "chongqing", "tianjin",
    "changsha", "zhengzhou", "qingdao", "xiamen", "jiangsu", "zhejiang", "guangdong", "anhui",
    "shandong", "sichuan", "hubei", "hunan", "fujian", "henan", "hebei", "pudong",
    "公司", "集团", "子公司", "国务院", "商务部", "工信部", "工业和信息化部", "科技部", "财政部",
    "发改委", "国家发改委", "证监会", "中国证监会", "央行", "人民银行", "中国人民银行", "国资委",
    "国家能源局", "国家数据局", "上交所", "深交所", "北交所", "港交所", "中国", "香港", "北京",
    "上海", "深圳", "广州", "杭州", "成都", "武汉", "合肥", "苏州", "南京", "西安", "重庆", "天津",
    "长沙", "郑州", "青岛", "厦门", "江苏", "浙江", "广东", "安徽", "山东", "四川", "湖北", "湖南",
    "福建", "河南", "河北", "浦东",
))

LEADING_WORDS: frozenset[str] = frozenset((
    # Capitalised words that open a sentence before a name ("Meanwhile Goertek (...)").
    "a", "an", "the", "and", "but", "also", "meanwhile", "both", "while",
    "shares", "peer", "peers", "rival", "rivals", "among", "as", "at", "by", "for", "from", "in",
    "on", "with", "yesterday", "today", "this", "that", "its", "their", "according", "if", "when", "after", "before", "since", "then", "however", "besides", "moreover",
))
CONNECTORS: frozenset[str] = frozenset(("of", "&", "de", "the", "und"))
"""Lower-case words allowed inside a name ("Bank of China"), never at its ends; not "and",
which joins two names far more often than it sits inside one."""
ABBREVIATIONS: frozenset[str] = frozenset((
    # Name words that end in "." or ".," without ending the sentence.
    "co.", "co.,", "ltd.", "inc.", "corp.", "plc.", "s.a.", "n.v.", "ag.", "bhd.", "llc.",
))
CHINESE_LEADS = (
    # Words that stand before a Chinese name in a run of ideographs; the name starts after the
    # last of them ("公告称比亚迪（002594.SZ）" -> "比亚迪").
    "公告称", "公告", "宣布", "表示", "披露", "发布", "旗下", "子公司", "包括", "其中", "此外",
    "同时", "以及", "龙头", "消息", "今日", "昨日", "日前", "近日", "称", "据", "与", "及", "的",
    "了", "在", "对", "向", "将", "由", "是", "为", "如", "年", "月", "日",
)
MAX_NAME_WORDS = 8
MAX_CHINESE_NAME = 16
_WINDOW = 100

_CJK_CHAR = re.compile(f"[{CJK}]")
_CHINESE_RUN = re.compile(f"[{CJK}A-Za-z0-9*]+$")
_CHINESE_LEAD = re.compile("|".join(map(re.escape, CHINESE_LEADS)))
_NAME_WORD = re.compile(r"(?:[A-Z0-9\u00c0-\u00de]|[a-z](?=[A-Z]))[\w&.'’+-]*,?")  # iFlytek too
_HAS_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_DESCRIBING = re.compile(r"-(?:listed|based|owned|backed|controlled|funded|headquartered|"
                         r"registered|focused|made|led|invested|affiliated)$")
"""A word that describes the name after it ("Hong Kong-listed Xiaomi") and ends the run."""
_POSSESSIVE = re.compile(r"['’]s?$")
_MARKUP = "*_`[]\"“”‘’'"
_TOKEN = re.compile(r"\S+")


def _rule_pattern(rule: TickerRule) -> str:
    suffix = "".join(f"[{c}{c.lower()}]" for c in rule.suffix)
    return f"{rule.pattern}\\.{suffix}"


_ONE_TICKER = "|".join(_rule_pattern(rule) for rule in TICKER_RULES)
_PARENTHESES = re.compile(
    f"[(\uff08][ \\t\u3000]*((?:{_ONE_TICKER})(?:[ \\t\u3000]*[,\uff0c/\uff0f\u3001;\uff1b][ \\t\u3000]*"
    f"(?:{_ONE_TICKER}))*)[ \\t\u3000]*[)\uff09]"
)
_SEPARATORS = re.compile("[,\uff0c/\uff0f\u3001;\uff1b]")
_RULE_PATTERNS = tuple((re.compile(_rule_pattern(rule)), rule) for rule in TICKER_RULES)


def parse_ticker(raw: str) -> Listing | None:
    """The canonical listing for one written ticker ("1810.hk" -> 01810.HK), or None."""
    text = raw.strip()
    code, _, suffix = text.rpartition(".")
    text = f"{code.upper()}.{suffix}"
    for pattern, rule in _RULE_PATTERNS:
        if pattern.fullmatch(text):
            code = code.upper().zfill(rule.pad) if rule.pad else code.upper()
            return Listing(f"{code}.{rule.suffix}", rule.exchange, board_of(rule.exchange, code))
    return None


def board_of(exchange: str, code: str) -> str:
    """The board a code trades on, from ``BOARD_RULES`` ("" when no row applies)."""
    for rule_exchange, prefixes, board in BOARD_RULES:
        if rule_exchange == exchange and code.startswith(prefixes):
            return board
    return ""


def find_mentions(text: str) -> tuple[Mention, ...]:
    """Every ``Name (TICKER)`` in text, in order; pure, so it can run in a worker process."""
    mentions = []
    for match in _PARENTHESES.finditer(text):
        listings = tuple(
            listing for raw in _SEPARATORS.split(match.group(1))
            if (listing := parse_ticker(raw)) is not None
        )
        name, start = name_before(text, match.start())
        mentions.append(Mention(name, listings, start, match.end()))
    return tuple(mentions)


def name_before(text: str, end: int) -> tuple[str, int]:
    """The company name that ends just before ``end`` and where it starts ("" if none)."""
    stop = end
    while stop > 0 and text[stop - 1] in " \t\u3000":
        stop -= 1
    if stop and _CJK_CHAR.match(text[stop - 1]):
        return _chinese_name(text, stop)
    return _english_name(text, stop)


def _chinese_name(text: str, stop: int) -> tuple[str, int]:
    window_start = max(0, stop - 40)
    run = _CHINESE_RUN.search(text, window_start, stop)
    if run is None:
        return "", stop
    start = run.start()
    for lead in _CHINESE_LEAD.finditer(text, start, stop):
        if stop - lead.end() >= 2:
            start = lead.end()
    while start < stop and not _CJK_CHAR.match(text[start]) and text[start] in "0123456789":
        start += 1
    start = max(start, stop - MAX_CHINESE_NAME)
    name = text[start:stop]
    if len(name) < 2 or name.casefold() in NOT_COMPANIES:
        return "", stop
    return name, start


def _english_name(text: str, stop: int) -> tuple[str, int]:
    window_start = max(0, stop - _WINDOW)
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text, window_start, stop)]
    if tokens and window_start and tokens[0][0] == window_start and not text[window_start - 1].isspace():
        del tokens[0]  # cut in half by the window
    words: list[tuple[int, int, str]] = []  # the name's words, last first
    for token_start, token_end in reversed(tokens):
        if words and "\n" in text[token_end:words[-1][0]]:
            break  # a name does not run across lines
        raw = text[token_start:token_end]
        word = raw.strip(_MARKUP) if not _POSSESSIVE.search(raw) else raw.lstrip(_MARKUP)
        start = token_start + raw.index(word) if word else token_start
        if not _is_name_word(word) or len(words) == MAX_NAME_WORDS:
            break
        words.append((start, start + len(word), word))
    while words and (words[-1][2] in CONNECTORS or words[-1][2].casefold() in LEADING_WORDS):
        words.pop()
    while words and words[0][2] in CONNECTORS:
        words.pop(0)
    if not words:
        return "", stop
    start, end = words[-1][0], words[0][1]
    name = text[start:end]
    if len(name) < 2 or name.casefold() in NOT_COMPANIES:
        return "", stop
    return name, start


def _is_name_word(word: str) -> bool:
    if word in CONNECTORS:
        return True
    if word.endswith((".", ",")) and word.casefold() not in ABBREVIATIONS and not (
        len(word) == 2 and word[0].isupper()  # an initial, "J."
    ):
        return False
    return bool(
        _NAME_WORD.fullmatch(word) and _HAS_LETTER.search(word)
        and not _DESCRIBING.search(word) and not _POSSESSIVE.search(word)
        and ("." not in word or parse_ticker(word) is None)
    )
