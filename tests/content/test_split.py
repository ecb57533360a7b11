"""Unit tests of the split stage: lead, sections, stories, positions, slugs and errors.

The cases of what a body splits into (or which problems it gives) are stanzas of
tests/fixtures/split.txt, a file a case can be added to without Python; what is not a table
(stamps, the model's fields, word counts, summaries, properties) is here."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import TESTS_DIR, write_site
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file

from site_builder.config import SiteConfig, load_config
from site_builder.content.load import parse_content
from site_builder.content.markdown import MarkdownRenderer
from site_builder.content.split import count_words, reading_minutes, split_briefing, summarise
from site_builder.errors import ContentError
from site_builder.model import Briefing
from site_builder.pipeline import build
from site_builder.report import Reporter
from site_builder.stamps import text_stamp

FIXTURE = TESTS_DIR / "fixtures" / "split.txt"
CASES = read_fixture_file(FIXTURE)

CONFIG = SiteConfig(root=Path("/site"))
HEAD = "---\ntitle: Report\ndate: 2025-03-27\n---\n"
HEAD_LINES = HEAD.count("\n")  # the fixture counts lines from the body's first


def split(body: str, *, raw_html: bool = False) -> Briefing:
    content = parse_content((HEAD + body).encode(), "content/day.md", CONFIG)
    return split_briefing(content, MarkdownRenderer(raw_html))


def describe(briefing: Briefing) -> list[str]:
    """What a body split into, as tests/fixtures/split.txt writes it."""
    rows = []
    if briefing.lead_html:
        rows += ["lead", *(f"  {row}" for row in briefing.lead_html.splitlines())]
    for section in briefing.sections:
        rows.append(f"section {section.slug} | {section.name}")
        for story in section.stories:
            rows.append(f"story {story.source.line - HEAD_LINES} {story.slug} | "
                        f"{story.headline_html}")
            rows += [f"  {row}" for row in story.body_html.splitlines()]
            rows += [f"edit {edit.source.line - HEAD_LINES} {'+' if edit.add else '-'}"
                     f"{edit.kind} {edit.value}" for edit in story.tag_edits]
    return rows


def describe_problems(error: ContentError) -> list[str]:
    rows = []
    for problem in error.problems:
        assert problem.path == "content/day.md"
        rows += [f"error {problem.line - HEAD_LINES} | {problem.message}",
                 f"  hint: {problem.hint}"]
    return rows


@pytest.mark.parametrize(("line", "title", "body", "expected"), CASES,
                         ids=[f"line {case[0] + 1}: {case[1]}" for case in CASES])
def test_fixture(line: int, title: str, body: str, expected: str) -> None:
    try:
        found = describe(split(body, raw_html=title.endswith("[raw_html]")))
    except ContentError as error:
        found = describe_problems(error)
    wanted = [row.rstrip() for row in expected.splitlines() if row.strip()]
    assert [row.rstrip() for row in found if row.strip()] == wanted, \
        f"{FIXTURE.name}:{line + 1}: {title}"


def test_fixture_file_has_cases() -> None:
    assert len(CASES) >= 20
    assert all(len(case) == 4 for case in CASES)  # title, body, expected: no stray dot


def test_an_emoji_headline_slug_depends_on_the_headline_alone() -> None:
    emoji = split("## S\n\n### 🚀🚀\n\nx\n").stories[0].slug
    assert emoji.startswith("story-")
    assert split("## S\n\n### 🚀🚀\n\nother text\n").stories[0].slug == emoji
    assert split("## S\n\n### 🚀🚀🚀\n\nx\n").stories[0].slug != emoji


SAMPLE = """
Lead paragraph **bold**.

Second lead paragraph.

## Market dynamics

### Ministry of Commerce: Promote *AI* + consumption

First body.

#### A deeper heading stays inside

More body.

### Shanghai: 200 EFLOPS by 2027

Second body.

## Company Aspect

### Goertek: Net profit up 144.93%

Goertek (002241.SZ) announced.
"""


def test_lead_sections_and_stories_in_reading_order():
    briefing = split(SAMPLE)
    assert "<strong>bold</strong>" in briefing.lead_html
    assert "Second lead paragraph" in briefing.lead_html
    assert briefing.lead_text.startswith("Lead paragraph bold.")
    assert [s.name for s in briefing.sections] == ["Market dynamics", "Company Aspect"]
    stories = briefing.stories
    assert [s.position for s in stories] == [0, 1, 2]
    assert [s.section for s in stories] == ["Market dynamics", "Market dynamics",
                                            "Company Aspect"]
    first = stories[0]
    assert first.title == "Ministry of Commerce: Promote AI + consumption"
    assert first.headline_html == "Ministry of Commerce: Promote <em>AI</em> + consumption"
    assert "<h4>A deeper heading stays inside</h4>" in first.body_html
    assert "More body." in first.body_html and "Second body" not in first.body_html
    assert first.url == "/2025/03/27/ministry-of-commerce-promote-ai-consumption/"
    assert first.source.line == 12  # 4 front-matter lines, then the heading on body line 8
    assert first.day == dt.date(2025, 3, 27)
    assert stories[2].body_markdown == "Goertek (002241.SZ) announced."


def test_a_story_text_stamp_changes_with_its_text_alone():
    stories = split(SAMPLE).stories
    assert len({text_stamp(story) for story in stories}) == 3
    edited = split(SAMPLE.replace("Second body.", "Second body, edited.")).stories
    assert [text_stamp(a) == text_stamp(b) for a, b in zip(stories, edited, strict=True)] == \
        [True, False, True]  # another story of the day keeps its stamp, and its feed entries
    assert text_stamp(stories[2].tagged(("002241.SZ",), ())) == text_stamp(stories[2])


def test_reading_time_counts_english_words_and_cjk_characters():
    assert count_words("Goertek net profit rose 144.93%") == 5
    assert count_words("比亚迪净利润") == 6
    assert reading_minutes("word " * 230) == 1 and reading_minutes("word " * 231) == 2
    assert reading_minutes("字" * 400) == 1 and reading_minutes("字" * 1200) == 3


def test_summary_is_cut_near_a_sentence_boundary():
    text = "First sentence is here. " * 20
    summary = summarise(text)
    assert len(summary) <= 221 and summary.endswith(".")
    assert summarise("short") == "short"


def test_reading_time_of_mixed_text_counts_each_script_its_own_way():
    """Chinese has no spaces between words: each CJK character counts, Latin words count
    as words, and neither counts spaces (a story of 400 characters and 230 words is two
    minutes, not one)."""
    # 8 characters, and 002594.SZ, 3 and 37.74 as three words
    assert count_words("比亚迪（002594.SZ）3月销量37.74万辆") == 8 + 3
    assert count_words("英伟达 H20 芯片") == 3 + 1 + 2
    assert reading_minutes("字" * 400 + " word" * 230) == 2
    assert reading_minutes("字 " * 400) == reading_minutes("字" * 400) == 1


# (text, summary): a CJK character takes two of the 220 columns, so some 110 characters fit.
CJK_SUMMARIES = [
    pytest.param("短句。", "短句。", id="short-text-whole"),
    pytest.param("甲" * 60 + "。" + "乙" * 80 + "。", "甲" * 60 + "。",
                 id="cut-at-the-last-full-stop-within-the-budget"),
    pytest.param("甲" * 70 + "！" + "乙" * 80, "甲" * 70 + "！", id="exclamation-mark"),
    pytest.param("甲" * 70 + "？" + "乙" * 80, "甲" * 70 + "？", id="question-mark"),
    pytest.param("他说：“" + "甲" * 60 + "。”" + "乙" * 80, "他说：“" + "甲" * 60 + "。”",
                 id="the-closing-quote-goes-with-its-sentence"),
    pytest.param("甲" * 70 + "；" + "乙" * 80, "甲" * 70 + "；", id="clause-end-when-no-sentence-end"),
    pytest.param("甲" * 300, "甲" * 110 + "…", id="no-boundary-cut-at-a-whole-character"),
    pytest.param("甲" * 20 + "。" + "乙" * 200, "甲" * 20 + "。" + "乙" * 89 + "…",
                 id="a-sentence-end-too-early-is-not-used"),
    pytest.param("e\u0301" * 300, "e\u0301" * 110 + "…", id="never-between-a-letter-and-its-accent"),
]


@pytest.mark.parametrize(("text", "summary"), CJK_SUMMARIES)
def test_a_cjk_summary_is_cut_at_a_character_budget_on_a_sentence_end(text, summary):
    assert summarise(text) == summary


def test_a_summary_never_ends_inside_a_character_sequence():
    """An emoji with a skin tone or a joiner is one character to a reader: kept whole."""
    text = "甲" * 109 + "👍🏽" + "乙" * 50
    assert summarise(text) == "甲" * 109 + "…"
    joined = "a" * 219 + "\u200d" + "b" * 10
    assert not summarise(joined).rstrip("…").endswith("\u200d")


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.text())
def test_any_body_splits_or_gives_a_content_error(body):
    try:
        first = split(body)
    except ContentError as error:
        assert all(p.path == "content/day.md" for p in error.problems)
        return
    assert split(body) == first  # the same input always gives the same stories
    for story in first.stories:
        assert story.slug and all(c.isalnum() and c.isascii() or c == "-" for c in story.slug)


class _NestedLinks(HTMLParser):
    """Counts <a> start tags met while another <a> is open."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.nested = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.nested += self.depth > 0
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.depth = max(0, self.depth - 1)


@pytest.mark.parametrize("raw_html", [False, True])
def test_a_linked_headline_makes_no_link_inside_a_link_on_any_page(tmp_path: Path,
                                                                   raw_html: bool) -> None:
    """The home page, day, desk, company and topic lists link each headline to its story."""
    headline = ('<a href="https://byd.com">BYD</a> sells more' if raw_html
                else "[BYD](https://byd.com) sells more")
    root = write_site(tmp_path / "site", {
        "site.toml": f"allow_raw_html = {str(raw_html).lower()}\n",
        "content/briefings/2025-03-27.md": HEAD + f"## Autos\n\n### {headline}\n\n"
                                            "BYD (002594.SZ) sold more cars.\n"})
    config = load_config(root)[0]
    build(config, Reporter(0), output=tmp_path / "out")
    pages = sorted((tmp_path / "out").rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        parser = _NestedLinks()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.nested == 0, page
    story = tmp_path / "out" / "2025" / "03" / "27" / "byd-sells-more" / "index.html"
    assert "BYD sells more" in story.read_text(encoding="utf-8")
