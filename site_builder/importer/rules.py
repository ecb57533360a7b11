"""Recognition rules of the report importer, as data: what each kind of raw line looks like.

Raw reports (English and Chinese) arrive as plain lines: a stray code fragment, a
"Transferred from:" line, a lead, section markers such as ``[Market dynamics].`` or
``【市场动态】``, headline lines followed by body paragraphs, a sign-off and sometimes the start
of a table cut off at the end; a paragraph may arrive broken over several lines, mid-sentence
(``BREAK_CUES``). The importer asks these tables what a line is; the order of
each table is the order the rules are tried in. The small functions after the tables apply them
to one line at a time; the encodings a report may arrive in are the last table.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from site_builder.errors import ContentError

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK}]")
_WORD = re.compile(f"[^\\W_{CJK}]+")


@dataclass(frozen=True, slots=True)
class LineRule:
    """A whole-line pattern and what a matching line is."""

    kind: str  # "junk" and "signoff" are dropped; "source" and "section" are structure
    pattern: re.Pattern[str]
    reason: str = ""  # why a dropped line was dropped, for the import report
    header_only: bool = False  # only before the first section marker


LINE_RULES: tuple[LineRule, ...] = (
    LineRule("junk", re.compile(r"<\?.*|.{0,40}\?>"), "code fragment"),
    LineRule("junk", re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>"), "stray HTML tag"),
    LineRule("junk", re.compile(r"(?:var|let|const|function|echo|return|import|include)\b.*[;{]"),
             "code fragment"),
    LineRule("junk", re.compile(r"[\[【]\s*[\]】]\s*[.。:：]?"), "empty section marker"),
    LineRule("junk", re.compile(r"[\W_]+"), "no words, only punctuation"),
    LineRule("source", re.compile(
        r"(?i:transferred|reprinted|reposted|forwarded) from\s*[:：]\s*(?P<value>.+)"),
        header_only=True),
    LineRule("source", re.compile(r"(?i:source)\s*[:：]\s*(?P<value>.+)"), header_only=True),
    LineRule("source", re.compile(r"(?:转自|转载自|来源|消息来源|来自)\s*[:：]\s*(?P<value>.+)"),
             header_only=True),
    # A name with at least one letter, so "[1]" or "[...]" is not a section, and without a
    # colon or comma, so a bracketed headline ("【寒武纪：营收增长65%】") is not one either.
    LineRule("section", re.compile(
        r"\[\s*(?P<value>(?=[^\]]*[^\W\d_])[^\[\]:：,，]{1,40}?)\s*\]\s*[.。:：]?")),
    LineRule("section", re.compile(
        r"【\s*(?P<value>(?=[^】]*[^\W\d_])[^【】:：,，]{1,40}?)\s*】\s*[.。:：]?")),
    LineRule("signoff", re.compile(
        r"\(\s*[^()]{0,80}?\b(?i:daily|news|times|press|post|journal|reporter|end)\b[^()]{0,40}\)"
        r"\s*[.。]?"), "sign-off"),
    LineRule("signoff", re.compile(
        r"[（(]\s*[^（）()]{0,40}?(?:日报|财联社|新闻|记者|编辑|完)[^（）()]{0,20}[）)]\s*[。.]?"),
        "sign-off"),
)
"""Tried in order on every non-blank line with ``fullmatch``; the first match wins."""

TITLE_RULES: tuple[re.Pattern[str], ...] = (
    re.compile(r"today's (?P<value>[A-Z][\w&' -]{2,80}?(?:Report|Briefing|Brief|Digest|News))\b"),
    re.compile(f"今[日天]的?(?P<value>[{CJK}]{{2,12}}?(?:早报|晚报|日报|要闻|快报|简报))"),
)
"""Where the lead names the report ("today's ... Morning Report are:")."""

DEFAULT_TITLES = {
    "en": "Science and Technology Innovation Board Morning Report",
    "zh": "科创板早报",
}

MONTHS = {
    name: number
    for number, names in enumerate((
        ("January", "Jan"), ("February", "Feb"), ("March", "Mar"), ("April", "Apr"),
        ("May",), ("June", "Jun"), ("July", "Jul"), ("August", "Aug"),
        ("September", "Sept", "Sep"), ("October", "Oct"), ("November", "Nov"),
        ("December", "Dec"),
    ), start=1)
    for name in names
}
_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"

DATE_RULES: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?:(?P<year>\d{4})\s*年\s*)?(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]"),
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}})\b)?"),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\b(?:,?\s+(?P<year>\d{{4}})\b)?"),
)
"""The day of the report, as the lead says it; the first lead line with a match wins."""

FILE_NAME_DATE = re.compile(r"(?<!\d)(\d{4})([-_.]?)(\d{2})\2(\d{2})(?!\d)")
"""A ``YYYY-MM-DD`` or ``YYYYMMDD`` in a report's file name."""

LONE_WORD = re.compile(f"[A-Za-z]{{1,12}}|[{CJK}]{{1,2}}")
"""A paragraph broken after its first word ("The" alone on a line) is joined with the next."""

CONTINUING_WORDS: frozenset[str] = frozenset((
    # English words no sentence ends on: a line ending on one was broken mid-sentence.
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "with", "by", "from", "into", "onto",
    "over", "under", "about", "as", "than", "via", "per", "between", "among", "including",
    "and", "or", "but", "nor", "its", "their", "our", "this", "that", "these", "those", "which",
))
CONTINUING_MARKS = ",，、(（“‘《/&-–"
"""A line ending on one of these goes on in the next line."""
CONTINUATION_STARTS = "，、；;,)）》」』”’%"
"""A line starting with one of these goes on from the line before."""
_LAST_WORD = re.compile(r"([A-Za-z]+)[\"'”’)]*$")
_LOWER_START = re.compile(r"[a-z]+\b(?![A-Z])")  # "yuan.", not "iFlytek"

_STOPS = ".。;；:：…"
_QUESTION = "?？!！"
_CLOSERS = "\"'”’」』"
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’]?\s+(?=[\"“A-Z])|[。！？](?=.)")
_SUBJECT = re.compile(
    r"(?:[A-Z0-9][\w.&'’+-]*(?:\s+(?:[A-Z0-9&][\w.&'’+-]*|of|and|the|for|in|on|de))*"
    r"|[^\s:：，。,；;“”\"]{1,12})\s?[:：]\s*\S")


def size(text: str) -> float:
    """How long a line reads: words, with two CJK characters counted as one word."""
    return len(_WORD.findall(text)) + len(_CJK_CHAR.findall(text)) / 2


def cjk_count(text: str) -> int:
    return len(_CJK_CHAR.findall(text))


def ends_with_stop(text: str) -> bool:
    """Ends like a sentence of body text (a period, 。, a semicolon or a colon)."""
    return text.rstrip(_CLOSERS)[-1:] in tuple(_STOPS)


def ends_with_question(text: str) -> bool:
    return text.rstrip(_CLOSERS)[-1:] in tuple(_QUESTION)


def sentence_breaks(text: str) -> int:
    """Sentence ends inside the line (not counting the last one)."""
    return len(_SENTENCE_BREAK.findall(text.rstrip()))


def is_table_cell(text: str) -> bool:
    """A fragment such as "Ticker Name" or "涨跌幅": what a table header cut off at the end leaves."""
    return not ends_with_stop(text) and size(text) <= 4 and cjk_count(text) <= 8


@dataclass(frozen=True, slots=True)
class Cue:
    """One hint that a line opens a story rather than continuing one, with its weight."""

    name: str
    weight: int
    test: Callable[[str, str | None], bool]  # (line, next line or None) -> does it apply


HEADLINE_CUES: tuple[Cue, ...] = (
    Cue("no sentence stop at the end", 3,
        lambda line, _: not ends_with_stop(line) and not ends_with_question(line)),
    Cue("ends with a question or exclamation mark", 2, lambda line, _: ends_with_question(line)),
    Cue("opens with a subject and a colon", 2, lambda line, _: bool(_SUBJECT.match(line))),
    Cue("short", 1, lambda line, _: size(line) <= 30),
    Cue("one sentence", 1, lambda line, _: sentence_breaks(line) == 0),
    Cue("the next line is much longer", 1,
        lambda line, after: after is not None and size(after) >= 1.5 * size(line)),
    Cue("long", -3, lambda line, _: size(line) > 60),
    Cue("several sentences", -2, lambda line, _: sentence_breaks(line) >= 2),
    Cue("the next line looks like a headline too", -2,
        lambda line, after: after is not None and not ends_with_stop(after)
        and size(after) <= 30 and sentence_breaks(after) == 0),
)
"""Summed over a line that follows story text; at HEADLINE_THRESHOLD or more it opens a story."""

HEADLINE_THRESHOLD = 5


@dataclass(frozen=True, slots=True)
class Context:
    """A line that ends on a Chinese character without 。！？, the lines around it, and
    whether the line before it ended mid-sentence too."""

    text: str
    after: str
    before_open: bool  # the line before has no sentence stop at its end (a headline, often)


BREAK_CUES: tuple[tuple[str, int, Callable[[Context], bool]], ...] = (
    # Chinese headlines end on a character without 。 as broken lines do; these cues, summed,
    # tell them apart: at BREAK_THRESHOLD or more the line is joined with the next.
    ("a sentence ends inside it", 3, lambda c: bool(re.search("[。！？][^。！？]", c.text))),
    ("long for a headline", 2, lambda c: size(c.text) > 25),
    ("a clause ends inside it", 1, lambda c: "，" in c.text[:-2]),
    ("the line before ends mid-sentence too (a headline, then this)", 2,
     lambda c: c.before_open),
    ("the next line is a sentence's short tail", 2,
     lambda c: ends_with_stop(c.after) and size(c.after) <= 8 and not _SUBJECT.match(c.after)),
    ("opens with a subject and a colon, as a headline does", -3,
     lambda c: bool(_SUBJECT.match(c.text))),
    ("the next line opens like a headline", -4,
     lambda c: bool(_SUBJECT.match(c.after)) and not ends_with_stop(c.after)),
    ("the next line is as short as a headline and ends without a stop", -3,
     lambda c: size(c.after) <= 20 and not ends_with_stop(c.after) and sentence_breaks(c.after) == 0),
)
BREAK_THRESHOLD = 3


def break_reason(text: str, after: str, *, before_open: bool) -> str:
    """Why a line was broken mid-sentence and goes on in the next one, or "" if it was not."""
    if LONE_WORD.fullmatch(text):
        return "one word alone"
    if after[:1] in CONTINUATION_STARTS:
        return f"the next line goes on with {after[:1]!r}"
    end = text.rstrip()[-1:]
    if end in CONTINUING_MARKS:
        return f"ends on {end!r}"
    if cjk_count(end) == 0:
        word = _LAST_WORD.search(text)
        if word and word.group(1).casefold() in CONTINUING_WORDS:
            return f"ends on {word.group(1)!r}"
        if word and _LOWER_START.match(after) and not ends_with_question(text):
            return "the next line goes on in lower case"
        return ""
    context = Context(text, after, before_open)
    score = sum(weight for _, weight, test in BREAK_CUES if test(context))
    return "ends on a Chinese character without 。！？" if score >= BREAK_THRESHOLD else ""

BRACKETED_HEADLINE = re.compile(r"【\s*(?P<value>[^【】]+?)\s*】")
"""A headline wrapped in 【】 (too long or with a colon for a section marker) loses them."""


@dataclass(frozen=True, slots=True)
class Escape:
    """A Markdown construct a line of plain report text must not turn into."""

    name: str
    pattern: re.Pattern[str]
    replacement: str


INLINE_ESCAPES: tuple[Escape, ...] = (
    Escape("backslash, emphasis, code, link, HTML", re.compile(r"([\\`*_\[\]<~])"), r"\\\1"),
    Escape("entity", re.compile(r"&(?=#?\w+;)"), r"\\&"),
)
"""Applied first, anywhere in a paragraph, headline or section name."""

BLOCK_ESCAPES: tuple[Escape, ...] = (
    Escape("ordered list item", re.compile(r"^(\d{1,9})([.)])"), r"\1\\\2"),
    # Headings, quotes, bullets, rules, tables, and the block syntax of common plugins (":"
    # definitions, "!!!" admonitions, "$$" math, "{" attributes, "%" comments); "*", "_", "`",
    # "~", "<" and "[" are escaped already. A backslash before ASCII punctuation is always the
    # character itself, so escaping one too many is harmless.
    Escape("block marker", re.compile(r"^([#>+\-=|:!$%{])"), r"\\\1"),
)
"""Applied after INLINE_ESCAPES, at the start of the text only."""

HEADING_CLOSE = Escape("closing #s of a heading", re.compile(r"(\s)#(#*)$"), r"\1\\#\2")


@dataclass(frozen=True, slots=True)
class LeadDate:
    """A date as the lead gives it; the year is often missing."""

    month: int
    day: int
    year: int | None
    line: int
    text: str


class NumberedLine(Protocol):
    """A cleaned line of the report and its 1-based number."""

    @property
    def number(self) -> int: ...
    @property
    def text(self) -> str: ...


def clean_line(raw: str) -> str:
    """One line without control characters, runs of blanks or surrounding space."""
    kept = "".join(
        " " if char == "\t" else char for char in raw
        if unicodedata.category(char) not in ("Cc", "Cs") and char not in "\ufeff\u200b")
    return re.sub(r"[ \t]+", " ", kept).strip()


def classify_line(text: str, *, in_header: bool) -> tuple[str, str, str]:
    """(kind, value, reason) of one cleaned line: the first rule of LINE_RULES that matches."""
    for rule in LINE_RULES:
        if rule.header_only and not in_header:
            continue
        match = rule.pattern.fullmatch(text)
        if match:
            value = match.groupdict().get("value") or ""
            return rule.kind, value.strip(), rule.reason
    return "text", text, ""


def escape_markdown(text: str, *, heading: bool = False) -> str:
    """Plain report text as Markdown that renders as that same text, never as markup."""
    for escape in INLINE_ESCAPES:
        text = escape.pattern.sub(escape.replacement, text)
    for escape in BLOCK_ESCAPES:
        text = escape.pattern.sub(escape.replacement, text, count=1)
    if heading:
        text = HEADING_CLOSE.pattern.sub(HEADING_CLOSE.replacement, text)
    return text


def headline_score(text: str, after: str | None) -> int:
    """How strongly a line that follows story text looks like the next story's headline."""
    return sum(cue.weight for cue in HEADLINE_CUES if cue.test(text, after))


def find_lead_date(lines: Sequence[NumberedLine]) -> LeadDate | None:
    """The first date the lead gives, with its line."""
    for line in lines:
        found = sorted((match for rule in DATE_RULES for match in rule.finditer(line.text)),
                       key=lambda match: match.start())
        for match in found:
            month_text, year_text = match.group("month"), match.group("year")
            month = MONTHS.get(month_text) or (int(month_text) if month_text.isdigit() else 0)
            day = int(match.group("day"))
            if 1 <= month <= 12 and 1 <= day <= 31:
                year = int(year_text) if year_text else None
                return LeadDate(month, day, year, line.number, match.group(0).strip())
    return None


def find_title(lines: Sequence[NumberedLine]) -> str:
    """The report's name as the lead gives it, or ""."""
    for line in lines:
        for rule in TITLE_RULES:
            match = rule.search(line.text)
            if match:
                return match.group("value").strip()
    return ""


def date_in_name(path: str) -> dt.date | None:
    """The first real ``YYYY-MM-DD`` or ``YYYYMMDD`` date in a file's name, if any."""
    for match in FILE_NAME_DATE.finditer(Path(path).name):
        try:
            return dt.date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
        except ValueError:
            continue
    return None


def language(texts: Sequence[str]) -> str:
    """"zh" when CJK characters outnumber Latin letters (tickers and names stay Latin), else "en"."""
    text = " ".join(texts)
    return "zh" if cjk_count(text) > len(re.findall(r"[A-Za-z]", text)) else "en"


BOMS = (
    (codecs.BOM_UTF32_LE, ""), (codecs.BOM_UTF32_BE, ""),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
"""Byte-order marks, longest first; an empty codec means the encoding is refused."""

_ENCODING_HINT = "save it as UTF-8 (e.g. iconv -f GBK -t UTF-8 report.txt > report-utf8.txt)"


def decode_report(data: bytes, path: str) -> str:
    """Report bytes as text: UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    codec = next((name for bom, name in BOMS if data.startswith(bom)), "utf-8")
    if not codec:
        raise ContentError.at(path, 1, "the report is UTF-32 text", _ENCODING_HINT)
    if codec == "utf-8" and b"\x00" in data:
        raise ContentError.at(path, data[: data.index(b"\x00")].count(b"\n") + 1,
                              "the report has NUL bytes: UTF-16 without a byte-order mark?",
                              _ENCODING_HINT)
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1 if codec == "utf-8" else 1
        raise ContentError.at(path, line, f"the report is not {codec.upper()} text (byte "
                              f"0x{data[error.start]:02x} at offset {error.start})",
                              _ENCODING_HINT) from None
