"""Stage 1, load: content files on disk become checked front matter plus a Markdown body."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from site_builder.config import SiteConfig
from site_builder.content.schedule import TIME_HINT, parse_time
from site_builder.errors import ContentError, Problem

EARLIEST_YEAR = 1990
LATEST_YEAR = 9998  # a day in 9999 cannot be moved across time zones without overflowing
FUTURE_WARNING_DAYS = 7
"""A briefing dated this many days after today is probably a typo in the year: a warning."""
FRONT_MATTER_FENCE = "---"


@dataclass(frozen=True, slots=True)
class ContentFile:
    """One briefing file, decoded and with its front matter checked; the body is not parsed."""

    path: str  # as shown to the user: relative to the site root
    date: dt.date
    published: dt.datetime | None
    title: str
    source_name: str
    lang: str
    draft: bool
    extra: tuple[tuple[str, Any], ...]
    body: str
    body_line: int  # 1-based line of the file on which the body starts
    publish: dt.datetime | None = None  # "publish:": the day is held until then (schedule.py)


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date gets our message, not a traceback."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_KNOWN_KEYS = {"title", "date", "source", "lang", "draft", "publish"}
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]|$)")
_SURROGATE = re.compile("[\ud800-\udfff]")
_FLOW_BRACKET = re.compile(r"[\[\]{}]")
MAX_YAML_NESTING = 100
"""PyYAML scans flow nesting in quadratic time and composes it recursively: deeper is refused."""


def find_content_files(config: SiteConfig) -> list[Path]:
    """Every briefing file under content/, in a stable order; _data/ and dot-folders skipped."""
    root = config.content_path
    if not root.is_dir():
        return []
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        found.extend(Path(folder) / name for name in sorted(files)
                     if name.endswith(".md") and not name.startswith("."))
    return sorted(found)


def display_path(path: Path, config: SiteConfig) -> str:
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)


def read_content_file(path: Path, config: SiteConfig) -> ContentFile:
    """Decode and check one file; every mistake is a ContentError naming file and line."""
    shown = display_path(path, config)
    content_root = config.content_path.resolve()
    if path.is_symlink() and not path.resolve().is_relative_to(content_root):
        raise ContentError.at(shown, 0, "this file is a link to outside content/",
                              "copy the file into the site instead of linking to it")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ContentError.at(shown, 0, f"cannot read the file: {error.strerror}") from None
    return parse_content(data, shown, config)


def parse_content(data: bytes, shown: str, config: SiteConfig) -> ContentFile:
    text = decode_text(data, shown)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ContentError.at(shown, 1, "the file is empty",
                              "start it with front matter: ---, date: YYYY-MM-DD, ---")
    lines = text.split("\n")
    if lines[0].strip() != FRONT_MATTER_FENCE:
        raise ContentError.at(shown, 1, "the file has no front matter",
                              "put '---', then 'date: YYYY-MM-DD', then '---' at its top")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == FRONT_MATTER_FENCE)
    except StopIteration:
        raise ContentError.at(shown, 1, "the front matter is never closed",
                              "end it with a line holding only '---'") from None
    meta, key_lines = _parse_front_matter("\n".join(lines[1:end]), shown)
    problems: list[Problem] = []

    def where(key: str) -> int:
        return key_lines.get(key, 1)

    date, published = _parse_date(meta.get("date"), shown, where("date"), problems)
    title = _text_field(meta, "title", config.title, shown, where, problems)
    source_name = _text_field(meta, "source", "", shown, where, problems)
    lang = _text_field(meta, "lang", config.language, shown, where, problems)
    if lang and not _LANG.match(lang):
        problems.append(Problem(shown, where("lang"), f"lang {lang!r} is not a language tag",
                                'use a BCP 47 tag such as "en" or "zh"'))
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        problems.append(Problem(shown, where("draft"), "draft must be true or false"))
        draft = False
    publish = None
    if meta.get("publish") is not None:
        try:
            publish = parse_time(str(meta["publish"]), config.zone)
        except ValueError as error:
            problems.append(Problem(shown, where("publish"), f"publish: {error}", TIME_HINT))
    if problems:
        raise ContentError(problems)
    assert date is not None
    extra = tuple(sorted((k, v) for k, v in meta.items() if k not in _KNOWN_KEYS))
    return ContentFile(shown, date, published, title, source_name, lang, draft, extra,
                       "\n".join(lines[end + 1:]), end + 2, publish)


def decode_text(data: bytes, shown: str) -> str:
    """UTF-8 only (a UTF-8 byte-order mark is dropped); anything else is named, with its line."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise ContentError.at(shown, 1, "the file is UTF-32 text", "save it as UTF-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        raise ContentError.at(shown, 1, "the file is UTF-16 text", "save it as UTF-8")
    if b"\x00" in data:
        line = data[:data.index(b"\x00")].count(b"\n") + 1
        raise ContentError.at(shown, line, "the file holds NUL bytes: it is binary, not text",
                              "remove the file or save it as UTF-8 text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ContentError.at(shown, line, "the file is not UTF-8 text (GBK or another "
                              "encoding?)", "save it as UTF-8") from None


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: the NULs of its ASCII sit all on odd or all on even
    bytes (binary files have them anywhere)."""
    zeros = [i % 2 for i, byte in enumerate(data[:4096]) if byte == 0]
    return len(data) % 2 == 0 and len(zeros) * 4 >= min(len(data), 4096) \
        and len(set(zeros)) == 1


def too_deep(text: str) -> int:
    """The 0-based line where text opens more than MAX_YAML_NESTING brackets at once, or -1.

    Brackets inside quotes count too: no real value holds a hundred unclosed ones.
    """
    depth = 0
    for match in _FLOW_BRACKET.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_YAML_NESTING:
            return text.count("\n", 0, match.start())
    return -1


def _parse_front_matter(text: str, shown: str) -> tuple[dict[str, Any], dict[str, int]]:
    if (deep := too_deep(text)) >= 0:
        raise ContentError.at(shown, deep + 2, "the front matter is nested too deeply",
                              "give plain 'key: value' lines")
    loader = _FrontMatterLoader(text)
    try:
        _refuse_aliases(text, shown)
        node = loader.get_single_node()
        if node is None:
            raise ContentError.at(shown, 2, "the front matter is empty",
                                  "give at least 'date: YYYY-MM-DD'")
        if not isinstance(node, yaml.MappingNode):
            raise ContentError.at(shown, node.start_mark.line + 2,
                                  "the front matter is not a list of 'key: value' lines")
        key_lines: dict[str, int] = {}
        for key, _ in node.value:
            if str(key.value) in key_lines:
                raise ContentError.at(shown, key.start_mark.line + 2, f"{key.value!r} is "
                                      "given twice in the front matter", "keep one of them")
            key_lines[str(key.value)] = key.start_mark.line + 2
        meta = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark else 1
        reason = error.problem or "invalid YAML"
        if isinstance(error, yaml.constructor.ConstructorError):  # a !tag the safe loader lacks
            raise ContentError.at(shown, line, "the front matter uses a YAML tag that is not "
                                  f"allowed ({reason})", "remove the !tag: values are plain text, "
                                  "numbers, lists and mappings") from None
        raise ContentError.at(shown, line, f"the front matter is not valid YAML: {reason}",
                              "check quoting and indentation (quote values that hold ': ')"
                              ) from None
    except yaml.YAMLError as error:
        raise ContentError.at(shown, 1, f"the front matter is not valid YAML: {error}") from None
    except RecursionError:
        raise ContentError.at(shown, 2, "the front matter is nested too deeply",
                              "give plain 'key: value' lines") from None
    finally:
        loader.dispose()
    if not all(isinstance(key, str) for key in meta):
        raise ContentError.at(shown, 2, "front-matter keys must be words")
    for key, value in meta.items():
        if problem := _odd_value(key) or _odd_value(value):
            raise ContentError.at(shown, key_lines.get(key, 1), f"{key!r} {problem}",
                                  "give text, numbers, true/false, lists or mappings")
    return meta, key_lines


def _odd_value(value: Any) -> str:
    """What makes a value unfit for pages and feeds: an unpaired surrogate ("\\ud800"), which
    no UTF-8 file can hold, or a !!binary or !!set, whose text form is not stable."""
    if isinstance(value, str):
        return "holds an unpaired surrogate (\\ud800-\\udfff)" if _SURROGATE.search(value) else ""
    if isinstance(value, (bytes, set)):
        return f"is a {type(value).__name__}, which a page cannot show"
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        return next((problem for item in value if (problem := _odd_value(item))), "")
    return ""


def _refuse_aliases(text: str, shown: str) -> None:
    """Aliases can blow a few bytes up into gigabytes once expanded; briefings never need them."""
    for event in yaml.parse(text, Loader=_FrontMatterLoader):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 2 if event.start_mark else 1
            raise ContentError.at(shown, line,
                                  "the front matter uses YAML aliases (*name)",
                                  "write the value out instead of referring to an anchor")


def _parse_date(value: Any, shown: str, line: int,
                problems: list[Problem]) -> tuple[dt.date | None, dt.datetime | None]:
    hint = "write it as YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS+08:00"
    if value is None:
        problems.append(Problem(shown, line, "the front matter has no date", "add 'date: "
                                "YYYY-MM-DD'"))
        return None, None
    text = str(value).strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        if len(text) == 10:
            day, moment = dt.date.fromisoformat(text), None
        else:
            moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1))
            if moment.tzinfo is None:
                problems.append(Problem(shown, line, f"date {text!r} has a time but no offset",
                                        "add the offset, e.g. +08:00"))
                return None, None
            day = moment.date()
    except ValueError:
        problems.append(Problem(shown, line, f"date {text!r} is not a real date", hint))
        return None, None
    if day.year < EARLIEST_YEAR:
        problems.append(Problem(shown, line, f"date {text!r} is before {EARLIEST_YEAR}",
                                "check the year"))
    elif day.year > LATEST_YEAR:
        problems.append(Problem(shown, line, f"date {text!r} is after {LATEST_YEAR}",
                                "check the year"))
    return day, moment


def future_dates(dated: Iterable[tuple[str, dt.date]], zone: dt.tzinfo) -> list[str]:
    """Warnings for days dated more than FUTURE_WARNING_DAYS after today in the site's zone.

    Only a warning: a briefing may be written ahead, and the output must not hang on the clock.
    """
    today = dt.datetime.now(zone).date()
    return [f"{path}: date {day.isoformat()} is {(day - today).days} days after today "
            f"({today.isoformat()}); check the year" for path, day in sorted(dated)
            if (day - today).days > FUTURE_WARNING_DAYS]


def _text_field(meta: dict[str, Any], key: str, default: str, shown: str,
                where: Any, problems: list[Problem]) -> str:
    value = meta.get(key, default)
    if value is None:
        return default
    if isinstance(value, (dict, list)):
        problems.append(Problem(shown, where(key), f"{key} must be text"))
        return default
    return str(value).strip()
