"""The sample site built in English and in Chinese (language = "zh"): every page's <html lang>
is its language, and no word of the interface on a Chinese page is left in English (a day's
email edition, both its parts, is a page of its day)."""

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
EDITION = re.compile(r"digest/(\d{4}/\d\d/\d\d)/email\.(?:html|txt)")  # both parts
# An unsubscribe link, so that the editions' footers show it too.
EMAIL = {"list_unsubscribe": "https://lists.example.org/leave?list=briefing"}
URL = re.compile(r"https?://\S+")


def built(tmp_path: Path, overrides: dict[str, str]) -> tuple[Path, Site]:
    config = load_config(REPO_ROOT, {**overrides, "per_page": 3, "email": EMAIL})[0]
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


def text_parts(output: Path) -> Iterator[tuple[str, str]]:
    """The plain-text part of each day's edition: no <html lang> to say its language (the
    message takes it from the HTML part), but a reader sees every word of it."""
    for path in sorted((output / "digest").glob("*/*/*/email.txt")):
        yield path.relative_to(output).as_posix(), path.read_text("utf-8")


def expected_lang(relative: str, site: Site) -> str:
    """A day's page, its stories' and its email edition are in the day's language; the rest
    in the site's."""
    edition = EDITION.fullmatch(relative)
    if edition or STORY_PAGE.fullmatch(relative) or DAY_PAGE.fullmatch(relative):
        day = (edition.group(1) if edition else relative[:10]).replace("/", "-")
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
    editions = {relative: expected_lang(relative, site) for relative, _ in pages(output)
                if EDITION.fullmatch(relative)}
    assert len(editions) == len(site.briefings) and set(editions.values()) == {"en", "zh"}


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
                words += [story.title, story.summary, *(note.text for note in story.notes)]
    for company in site.companies:
        words += [company.name, company.ticker, company.exchange, company.board,
                  company.description, company.website, *company.aliases,
                  *(name for _, name in company.names),
                  *(part for listing in company.all_listings
                    for part in (listing.ticker, listing.exchange, listing.board))]
    for topic in site.topics:
        words += [topic.name, topic.description, *(name for _, name in topic.names)]
    return sorted((word for word in words if word), key=len, reverse=True)


def english_left(output: Path, site: Site) -> dict[str, set[str]]:
    """Each Chinese page's Latin-letter words that no content or data string explains."""
    known = content_words(site)
    # The text part wraps content at any space, and between any two Chinese characters: it
    # is read, and the content matched, without spaces (which runs the interface's English
    # words together, still Latin letters that no content explains).
    squashed = sorted({squash(word) for word in known}, key=len, reverse=True)
    left: dict[str, set[str]] = {}
    for relative, page in [*pages(output), *text_parts(output)]:
        if not expected_lang(relative, site).startswith("zh"):
            continue
        if relative.endswith(".txt"):
            stray = stray_words([squash(URL.sub(" ", page))], squashed)
        else:
            parser = InterfaceText("zh")
            parser.feed(page)
            stray = stray_words(parser.found, known)
        if stray:
            left.setdefault(relative, set()).update(stray)
    return left


def stray_words(texts: list[str], known: list[str]) -> set[str]:
    """The Latin-letter words of texts left when the known content words are taken out."""
    joined = "\x00".join(known)
    stray: set[str] = set()
    for found in texts:
        if found in joined:  # a piece of a story's text or of a name
            continue
        found = PLACEHOLDER.sub(" ", found)
        for word in known:
            if word in found:
                found = found.replace(word, " ")
        stray.update(set(ASCII_WORD.findall(found)) - ALLOWED)
    return stray


def squash(text: str) -> str:
    return "".join(text.split())


def test_no_interface_word_on_a_chinese_page_is_left_in_english(chinese):
    output, site = chinese
    assert english_left(output, site) == {}
    zh_days = [b for b in site.briefings if b.lang == "zh"]
    checked = {relative for relative, _ in [*pages(output), *text_parts(output)]
               if expected_lang(relative, site) == "zh"}
    assert zh_days and {f"digest/{b.date:%Y/%m/%d}/email.{part}" for b in zh_days
                        for part in ("html", "txt")} <= checked


def test_the_english_days_of_a_chinese_site_keep_their_english_editions(chinese):
    """The other way round: an English day's edition on a Chinese site is English."""
    output, site = chinese
    day = next(b for b in site.briefings if b.lang == "en")
    folder = output / f"digest/{day.date:%Y/%m/%d}"
    html, text = ((folder / name).read_text("utf-8") for name in ("email.html", "email.txt"))
    assert '<html lang="en">' in html and ">Read this edition on the web</a>" in html
    assert "Read this edition on the web:\n" in text and "在网页上" not in html + text


# Translations taken out of the builder's Chinese catalog below, and where their words show.
TAKEN_OUT = {"Previous day": "前一天",  # a day page's
             "Read this edition on the web": "在网页上阅读本期",  # an edition's HTML part's
             "Unsubscribe: %(url)s": "退订：%(url)s"}  # and its text part's


def test_the_english_check_finds_strings_left_out_of_the_catalog(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The check above means something: with translations taken out of the builder's
    Chinese catalog, the pages that show those strings are found, and by their words (the
    email edition's two parts among them)."""
    locale = tmp_path / "locale"
    shutil.copytree(i18n.BUILDER_LOCALE, locale)
    catalog = locale / "zh_Hans/LC_MESSAGES/messages.po"
    text = catalog.read_text("utf-8")
    for message, translation in TAKEN_OUT.items():
        entry = f'msgid "{message}"\nmsgstr "{translation}"'
        assert entry in text
        text = text.replace(entry, f'msgid "{message}"\nmsgstr ""')
    catalog.write_text(text, "utf-8")
    monkeypatch.setattr(i18n, "BUILDER_LOCALE", locale)
    output, site = built(tmp_path / "out", CHINESE)
    left = english_left(output, site)
    zh_days = [b for b in site.briefings if b.lang == "zh"]
    assert zh_days and left == {
        **{f"{b.date:%Y/%m/%d}/index.html": {"Previous", "day"} for b in zh_days},
        **{f"digest/{b.date:%Y/%m/%d}/email.html": {"Read", "this", "edition", "on", "the",
                                                     "web"} for b in zh_days},
        **{f"digest/{b.date:%Y/%m/%d}/email.txt": {"Unsubscribe"} for b in zh_days}}
