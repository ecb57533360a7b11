"""The sample site built in English and in Chinese (language = "zh"): every page's <html lang>
is its language, and no word of the interface on a Chinese page is left in English."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from site_builder.config import load_config
from site_builder.model import Site
from site_builder.output import i18n
from site_builder.pipeline import build, load_site
from site_builder.report import Reporter

CHINESE = {"language": "zh", "title": "科技财经早报", "description": "每日科技公司、市场与科学简报。"}
# Words a Chinese page may show in Latin letters: the feed formats' names (RSS, Atom, JSON
# Feed), and what the Chinese strings themselves name (a program, a language).
ALLOWED = {"RSS", "Atom", "JSON", "Feed", "JavaScript", "site", "builder", "new"}
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")
PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")  # Pagefind UI's: [COUNT], [SEARCH_TERM]
STORY_PAGE = re.compile(r"\d{4}/\d\d/\d\d/[^/]+/index\.html")
DAY_PAGE = re.compile(r"\d{4}/\d\d/\d\d/index\.html")


def built(tmp_path: Path, overrides: dict[str, str]) -> tuple[Path, Site]:
    config = load_config(REPO_ROOT, {**overrides, "per_page": 3})[0]
    build(config, Reporter(0), output=tmp_path, use_cache=False, jobs=1)
    return tmp_path, load_site(config, Reporter(0))


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Site]:
    return built(tmp_path_factory.mktemp("english"), {})


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Site]:
    return built(tmp_path_factory.mktemp("chinese"), CHINESE)


def pages(output: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(output.rglob("*.html")):
        relative = path.relative_to(output).as_posix()
        if not relative.startswith("pagefind/"):
            yield relative, path.read_text("utf-8")


def expected_lang(relative: str, site: Site) -> str:
    """A day's page and its stories' are in the day's language; the rest in the site's."""
    if STORY_PAGE.fullmatch(relative) or DAY_PAGE.fullmatch(relative):
        day = relative[:10].replace("/", "-")
        return next(b.lang for b in site.briefings if b.date.isoformat() == day)
    return site.config.language


@pytest.mark.parametrize("build_of", ["english", "chinese"])
def test_every_page_says_its_language(build_of: str, request: pytest.FixtureRequest):
    output, site = request.getfixturevalue(build_of)
    wrong = [(relative, found, expected_lang(relative, site))
             for relative, page in pages(output)
             if (found := re.search(r'<html lang="([^"]*)">', page))
             and found.group(1) != expected_lang(relative, site)]
    assert wrong == []
    assert all('<html lang="' in page for _, page in pages(output))
    langs = {expected_lang(relative, site) for relative, _ in pages(output)}
    assert langs == {"en", "zh"}  # both builds have days in both languages


class InterfaceText(HTMLParser):
    """The text a reader meets on a page (and its labels), with the content left out: story
    bodies and leads, and the words of elements in another language than the page's."""

    CONTENT = frozenset({"body", "lead"})  # classes of content blocks

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[tuple[str, bool]] = []  # (tag, inside content or another language)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        outside = bool(self.stack and self.stack[-1][1])
        classes = set((values.get("class") or "").split())
        lang = values.get("lang")
        skip = outside or bool(classes & self.CONTENT) or tag in ("script", "style") or (
            lang is not None and tag != "html" and not lang.startswith(self.lang))
        if not skip:
            for name in ("aria-label", "placeholder", "title", "alt"):
                if values.get(name):
                    self.found.append(values[name] or "")
            if values.get("data-words"):
                self.found.extend(_strings(json.loads(values["data-words"] or "{}")))
        if tag not in ("meta", "link", "input", "br", "img", "hr"):
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not (self.stack and self.stack[-1][1]):
            self.found.append(data.strip())


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def content_words(site: Site) -> list[str]:
    """What the content and data say, in any language: none of it is the interface's."""
    config = site.config
    words = [config.title, config.description, config.author]
    for briefing in site.briefings:
        words += [briefing.title, briefing.source_name, briefing.lead_text]
        for section in briefing.sections:
            words.append(section.name)
            for story in section.stories:
                words += [story.title, story.summary]
    for company in site.companies:
        words += [company.name, company.ticker, company.exchange, company.board,
                  company.description, company.website, *company.aliases,
                  *(name for _, name in company.names)]
    for topic in site.topics:
        words += [topic.name, topic.description, *(name for _, name in topic.names)]
    return sorted((word for word in words if word), key=len, reverse=True)


def english_left(output: Path, site: Site) -> dict[str, set[str]]:
    """Each Chinese page's Latin-letter words that no content or data string explains."""
    known = content_words(site)
    text = "\x00".join(known)
    left: dict[str, set[str]] = {}
    for relative, page in pages(output):
        if not expected_lang(relative, site).startswith("zh"):
            continue
        parser = InterfaceText("zh")
        parser.feed(page)
        for found in parser.found:
            if found in text:  # a piece of a story's text or of a name
                continue
            found = PLACEHOLDER.sub(" ", found)
            for word in known:
                if word in found:
                    found = found.replace(word, " ")
            stray = set(ASCII_WORD.findall(found)) - ALLOWED
            if stray:
                left.setdefault(relative, set()).update(stray)
    return left


def test_no_interface_word_on_a_chinese_page_is_left_in_english(chinese):
    output, site = chinese
    assert english_left(output, site) == {}


def test_the_english_check_finds_a_string_left_out_of_the_catalog(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The check above means something: with one translation taken out of the builder's
    Chinese catalog, the pages that show that string are found, and by its words."""
    locale = tmp_path / "locale"
    shutil.copytree(i18n.BUILDER_LOCALE, locale)
    catalog = locale / "zh_Hans/LC_MESSAGES/messages.po"
    text = catalog.read_text("utf-8")
    assert 'msgid "Previous day"\nmsgstr "前一天"' in text
    catalog.write_text(text.replace('msgid "Previous day"\nmsgstr "前一天"',
                                    'msgid "Previous day"\nmsgstr ""'), "utf-8")
    monkeypatch.setattr(i18n, "BUILDER_LOCALE", locale)
    output, site = built(tmp_path / "out", CHINESE)
    left = english_left(output, site)
    zh_days = [b for b in site.briefings if b.lang == "zh"]
    assert left == {f"{b.date:%Y/%m/%d}/index.html": {"Previous", "day"} for b in zh_days}
