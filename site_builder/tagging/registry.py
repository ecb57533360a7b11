"""Site data: the company registry and the topic table, read from ``content/_data/``.

``companies.yaml`` lists companies the text alone cannot reveal (no ticker written) or should
describe (aliases, description, website); ``topics.yaml`` lists the topics a reader can follow,
each with the keywords that tag a story. A site without ``topics.yaml`` gets the builder's
``default_topics.yaml``. Every mistake is reported with its file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from slugify import slugify

from site_builder.content.load import too_deep
from site_builder.errors import ContentError, Problem
from site_builder.model import Company, Listing, Topic
from site_builder.tagging.tickers import parse_ticker

DATA_DIR = "_data"
COMPANIES_FILE = "companies.yaml"
TOPICS_FILE = "topics.yaml"
DEFAULT_TOPICS = "default_topics.yaml"

NAMES_HINT = "its name in other languages, by language tag, e.g. names: {zh: 人工智能}"
_LANG_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
TICKER_HINT = ("write it like 002241.SZ, 688052.SH, 830799.BJ, 01810.HK, NVDA.O or BABA.N "
               "(or NASDAQ: NVDA, HKEX: 700, 600519.SS)")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_WEBSITE = re.compile(r"https?://[^\s/]", re.IGNORECASE)  # never javascript:, data: or a path

# (key, required, expected type, hint): the shape of one entry, as data
COMPANY_FIELDS: tuple[tuple[str, bool, type, str], ...] = (
    ("name", True, str, 'e.g. name: "Goertek"'),
    ("ticker", False, str, TICKER_HINT),
    ("tickers", False, list, "its listings, the primary first: tickers: [002594.SZ, 01211.HK]"),
    ("aliases", False, list, 'a list of other names, e.g. aliases: ["Goertek Inc."]'),
    ("description", False, str, "one sentence of text"),
    ("website", False, str, 'e.g. website: "https://www.goertek.com/"'),
    ("names", False, dict, NAMES_HINT),
)
TOPIC_FIELDS: tuple[tuple[str, bool, type, str], ...] = (
    ("name", True, str, 'e.g. name: "Semiconductors"'),
    ("slug", True, str, "lower-case letters, digits and hyphens, e.g. slug: semiconductors"),
    ("description", False, str, "one sentence of text"),
    ("keywords", False, list, 'a list of words that tag a story, e.g. keywords: [chip, 芯片]'),
    ("mentions", False, int, "how many keyword mentions in a story's body tag it: 1 or more"),
    ("names", False, dict, NAMES_HINT),
)


@dataclass(frozen=True, slots=True)
class SiteData:
    """What ``_data/`` tells the tagger: registry companies and the topic table, in file order."""

    companies: tuple[Company, ...] = ()
    topics: tuple[Topic, ...] = ()
    topics_path: str = ""  # the topics file used: the site's own or the builder's default


@dataclass(frozen=True, slots=True)
class _Entry:
    """One list item of a data file: its values and the line it starts on."""

    values: dict[str, Any]
    line: int
    lines: dict[str, int]  # line of each key


def company_slug(name: str, ticker: str = "") -> str:
    """A stable, ASCII slug: ``goertek-002241-sz``; CJK names are transliterated."""
    if name == ticker:  # a company only ever written as its ticker
        name = ""
    return slugify(f"{name} {ticker}".strip()) or slugify(ticker) or "company"


def load_site_data(content_path: Path) -> SiteData:
    """Read the registry and the topic table under ``content_path/_data``; raise every problem."""
    problems: list[Problem] = []
    companies_path = content_path / DATA_DIR / COMPANIES_FILE
    companies: tuple[Company, ...] = ()
    if companies_path.exists():
        entries = _read_entries(companies_path, problems)
        companies = _companies(entries, COMPANIES_FILE, str(companies_path), problems)
    topics_path = content_path / DATA_DIR / TOPICS_FILE
    if not topics_path.exists():
        topics_path = Path(str(resources.files("site_builder.tagging") / DEFAULT_TOPICS))
    topics = _topics(_read_entries(topics_path, problems), str(topics_path), problems)
    if problems:
        raise ContentError(problems)
    return SiteData(companies, topics, str(topics_path))


def _read_entries(path: Path, problems: list[Problem]) -> list[_Entry]:
    """The file's list of mappings with line numbers; what is not one becomes a problem."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(where, 0, "file is not UTF-8 text", "save it as UTF-8"))
        return []
    except OSError as error:
        problems.append(Problem(where, 0, f"cannot read the file: {error.strerror}"))
        return []
    if (deep := too_deep(text)) >= 0:
        problems.append(Problem(where, deep + 1, "nested too deeply", 'write "- name: ..." entries'))
        return []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        # The data from the node just parsed: parsing the text twice cost a tenth of a second
        # per build for the default topic table alone.
        data = yaml.SafeLoader("").construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problems.append(Problem(where, line, f"not valid YAML: {error.problem or error}",
                                "check indentation, colons and quotes"))
        return []
    except yaml.YAMLError as error:
        problems.append(Problem(where, 0, f"not valid YAML: {error}"))
        return []
    except RecursionError:
        problems.append(Problem(where, 0, "nested too deeply", 'write "- name: ..." entries'))
        return []
    if data is None or node is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(where, node.start_mark.line + 1, "expected a list of entries",
                                'start each entry with "- name: ..."'))
        return []
    entries = []
    for item, item_node in zip(data, node.value):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict) or not isinstance(item_node, yaml.MappingNode):
            problems.append(Problem(where, line, "entry is not a mapping of keys to values",
                                    'write "- name: ..." with keys under it'))
            continue
        lines: dict[str, int] = {}
        for key_node, _ in item_node.value:
            key = key_node.value
            if key in lines:
                problems.append(Problem(where, key_node.start_mark.line + 1,
                                        f"key {key!r} is given twice in one entry",
                                        f"first given on line {lines[key]}"))
            lines.setdefault(key, key_node.start_mark.line + 1)
        entries.append(_Entry(item, line, lines))
    return entries


def _check_fields(entry: _Entry, fields: tuple[tuple[str, bool, type, str], ...], where: str,
                  problems: list[Problem]) -> bool:
    """Check keys and value types of one entry against a field table; False if unusable."""
    usable = True
    known = {name for name, *_ in fields}
    for key in entry.values:
        if key not in known:
            problems.append(Problem(where, entry.lines.get(str(key), entry.line),
                                    f"unknown key {key!r}", f"known keys: {', '.join(sorted(known))}"))
    for key, required, kind, hint in fields:
        value = entry.values.get(key)
        line = entry.lines.get(key, entry.line)
        if value is None:
            if required:
                problems.append(Problem(where, entry.line, f"entry has no {key}", hint))
                usable = False
        elif message := _value_problem(key, value, kind):
            problems.append(Problem(where, line, message, hint))
            usable = False
    return usable


_KIND_NAMES = {str: "text", list: "list", int: "whole number", dict: "mapping"}


def _value_problem(key: str, value: object, kind: type) -> str:
    """What is wrong with one value of an entry, or "" when nothing is."""
    if not isinstance(value, kind) or isinstance(value, bool):
        return f"{key} must be a {_KIND_NAMES[kind]}, not {type(value).__name__}"
    if isinstance(value, int) and value < 1:
        return f"{key} must be a whole number of at least 1"
    if isinstance(value, str) and not value.strip():
        return f"{key} is empty"
    if isinstance(value, list) and not all(isinstance(v, str) and v.strip() for v in value):
        return f"every item of {key} must be non-empty text"
    if key == "tickers" and not value:
        return "tickers is empty"
    if isinstance(value, dict):
        return _names_problem(key, value)
    if any(_SURROGATE.search(v) for v in (value if isinstance(value, list) else [value])
           if isinstance(v, str)):
        return f"{key} holds an unpaired surrogate (\\ud800-\\udfff), which no page can show"
    if key == "website" and not _WEBSITE.match(str(value)):
        return f"website {value!r} is not an http(s) address"
    return ""


def _companies(entries: list[_Entry], name: str, where: str,
               problems: list[Problem]) -> tuple[Company, ...]:
    companies: list[Company] = []
    seen: dict[str, tuple[int, str]] = {}  # key or ticker -> (line, company name)
    for entry in entries:
        if not _check_fields(entry, COMPANY_FIELDS, where, problems):
            continue
        values = entry.values
        company_name = values["name"].strip()
        listings = _listings(entry, where, problems)
        if listings is None:
            continue
        key = listings[0].ticker if listings else f"name:{company_slug(company_name)}"
        taken = [k for k in (key, *(listing.ticker for listing in listings[1:])) if k in seen]
        if taken:
            line, other = seen[taken[0]]
            what = f"ticker {taken[0]}" if listings else f"company name {company_name!r}"
            problems.append(Problem(where, entry.line, f"{what} is listed twice in {name}",
                                    f"first listed on line {line} ({other}); merge the two "
                                    "entries"))
            continue
        for k in (key, *(listing.ticker for listing in listings[1:])):
            seen[k] = (entry.line, company_name)
        primary = listings[0] if listings else None
        companies.append(Company(
            key=key,
            name=company_name,
            slug=company_slug(company_name, primary.ticker if primary else ""),
            ticker=primary.ticker if primary else "",
            exchange=primary.exchange if primary else "",
            board=primary.board if primary else "",
            aliases=tuple(alias.strip() for alias in values.get("aliases") or ()),
            description=(values.get("description") or "").strip(),
            website=(values.get("website") or "").strip(),
            names=_names(values.get("names")),
            listings=listings,
        ))
    return tuple(companies)


def _listings(entry: _Entry, where: str, problems: list[Problem]) -> tuple[Listing, ...] | None:
    """An entry's listings from ``ticker`` or ``tickers``, the primary first; None (and a
    problem) when one is not a ticker, when both keys are given, or one is given twice."""
    values = entry.values
    if "ticker" in values and "tickers" in values:
        problems.append(Problem(where, entry.lines["tickers"], "entry has both ticker and tickers",
                                "keep tickers: [...] alone, the primary listing first"))
        return None
    key = "tickers" if "tickers" in values else "ticker"
    raw = values.get(key)
    written = raw if isinstance(raw, list) else [raw] if raw else []
    listings: list[Listing] = []
    for text in written:
        listing = parse_ticker(text)
        if listing is None:
            problems.append(Problem(where, entry.lines[key],
                                    f"ticker {text!r} is not a ticker we know", TICKER_HINT))
            return None
        if any(known.ticker == listing.ticker for known in listings):
            problems.append(Problem(where, entry.lines[key],
                                    f"ticker {listing.ticker} is given twice", "list it once"))
            return None
        listings.append(listing)
    return tuple(listings)


def _topics(entries: list[_Entry], where: str, problems: list[Problem]) -> tuple[Topic, ...]:
    topics: list[Topic] = []
    seen: dict[str, int] = {}  # slug -> line
    for entry in entries:
        if not _check_fields(entry, TOPIC_FIELDS, where, problems):
            continue
        values = entry.values
        slug = values["slug"].strip()
        if not _SLUG.fullmatch(slug):
            problems.append(Problem(where, entry.lines["slug"], f"slug {slug!r} is not a slug",
                                    f"use lower-case letters, digits and hyphens, e.g. "
                                    f"{slugify(slug) or 'semiconductors'}"))
            continue
        if slug in seen:
            problems.append(Problem(where, entry.lines["slug"], f"topic slug {slug!r} is used "
                                    "twice", f"first used on line {seen[slug]}"))
            continue
        seen[slug] = entry.lines["slug"]
        topics.append(Topic(
            slug=slug,
            name=values["name"].strip(),
            description=(values.get("description") or "").strip(),
            keywords=tuple(keyword.strip() for keyword in values.get("keywords") or ()),
            **({"mentions": values["mentions"]} if "mentions" in values else {}),
            names=_names(values.get("names")),
        ))
    return tuple(topics)


def _names_problem(key: str, value: dict[Any, Any]) -> str:
    """What is wrong with a names mapping (language tag -> display name), or ""."""
    for tag, name in value.items():
        if not isinstance(tag, str) or not _LANG_TAG.fullmatch(tag):
            return f"{key}: {tag!r} is not a language tag"
        if not isinstance(name, str) or not name.strip() or _SURROGATE.search(name):
            return f"{key}: the {tag} name must be non-empty text"
    return ""


def _names(value: object) -> tuple[tuple[str, str], ...]:
    """A checked names mapping as (language tag, name) pairs, in tag order."""
    if not isinstance(value, dict):
        return ()
    return tuple(sorted((str(tag), str(name).strip()) for tag, name in value.items()))
