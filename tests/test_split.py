"""Unit tests of the split stage: lead, sections, stories, positions, slugs and errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.config import SiteConfig
from site_builder.content.load import parse_content
from site_builder.content.markdown import MarkdownRenderer
from site_builder.content.split import count_words, reading_minutes, split_briefing, summarise
from site_builder.errors import ContentError
from site_builder.model import Briefing
from site_builder.stamps import text_stamp

CONFIG = SiteConfig(root=Path("/site"))
HEAD = "---\ntitle: Report\ndate: 2025-03-27\n---\n"


def split(body: str, *, raw_html: bool = False) -> Briefing:
    content = parse_content((HEAD + body).encode(), "content/day.md", CONFIG)
    return split_briefing(content, MarkdownRenderer(raw_html))


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


def test_tables_and_strikethrough_render():
    briefing = split("## S\n\n### T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n")
    html = briefing.stories[0].body_html
    assert "<table>" in html and "<td>1</td>" in html and "<s>gone</s>" in html


def test_raw_html_is_escaped_unless_enabled_and_then_sanitised():
    body = '## S\n\n### T\n\n<script>alert(1)</script>\n\n<b onclick="x()">hi</b>\n'
    escaped = split(body).stories[0].body_html
    assert "<script>" not in escaped and "&lt;script&gt;" in escaped
    assert "<b " not in escaped
    allowed = split(body, raw_html=True).stories[0].body_html
    assert "<script" not in allowed and "onclick" not in allowed and "<b>hi</b>" in allowed


@pytest.mark.parametrize("link", ["javascript:alert(1)", "JavaScript:alert(1)",
                                  "vbscript:msgbox", "data:text/html,<b>x</b>",
                                  " javascript:x", "java\tscript:x"])
def test_unsafe_link_schemes_are_not_links(link):
    html = split(f"## S\n\n### T\n\n[click]({link}) ![img]({link})\n").stories[0].body_html
    assert "href" not in html and "src" not in html


def test_duplicate_headlines_get_distinct_deterministic_slugs():
    briefing = split("## S\n\n### Same\n\na\n\n### Same\n\nb\n\n## T\n\n### Same\n\nc\n")
    assert [s.slug for s in briefing.stories] == ["same", "same-2", "same-3"]


def test_cjk_headline_is_transliterated_and_emoji_gets_stable_slug():
    briefing = split("## 市场动态\n\n### 比亚迪：净利润增长\n\n正文。\n\n### 🚀🚀\n\nx\n")
    assert briefing.sections[0].slug == "shi-chang-dong-tai"
    assert briefing.stories[0].slug == "bi-ya-di-jing-li-run-zeng-chang"
    assert briefing.stories[1].slug.startswith("story-")
    assert split("## S\n\n### 🚀🚀\n\nother text\n").stories[0].slug == briefing.stories[1].slug


def test_long_headline_slug_is_cut_at_a_word_boundary():
    headline = " ".join(["semiconductor"] * 20)
    slug = split(f"## S\n\n### {headline}\n\nx\n").stories[0].slug
    assert len(slug) <= 80 and not slug.endswith("-") and slug.endswith("semiconductor")


def test_tag_edits_on_the_last_lines_are_taken_out_of_the_body():
    briefing = split("## S\n\n### T\n\nBody.\n\nCompanies: +BYD (002594.SZ), -Goertek\n"
                     "Topics: +earnings\n")
    story = briefing.stories[0]
    assert story.body_html == "<p>Body.</p>\n"
    assert [(e.kind, e.add, e.value, e.source.line) for e in story.tag_edits] == [
        ("companies", True, "BYD (002594.SZ)", 11), ("companies", False, "Goertek", 11),
        ("topics", True, "earnings", 12)]


def test_an_ordinary_last_paragraph_starting_with_companies_stays_text():
    story = split("## S\n\n### T\n\nCompanies: Tencent and Alibaba both rose.\n").stories[0]
    assert story.tag_edits == () and "Tencent" in story.body_html


@pytest.mark.parametrize("body,line,words", [
    ("Lead\n\n### Story before any section\n\nx\n", 7, "before any section"),
    ("## S\n\n### \n\nx\n", 7, "story heading is empty"),
    ("## \n\n### T\n\nx\n", 5, "section heading is empty"),
    ("# Title\n\n## S\n", 5, "'#' heading"),
    ("## S\n\nText in no story.\n\n### T\n\nx\n", 7, "under a section heading but in no story"),
    ("## S\n\n> quoted\n", 7, "in no story"),
])
def test_structure_errors_name_the_line(body, line, words):
    with pytest.raises(ContentError) as raised:
        split(body)
    problem = raised.value.problems[0]
    assert (problem.path, problem.line) == ("content/day.md", line)
    assert words in problem.message and problem.hint


def test_every_structure_error_of_a_file_is_reported():
    with pytest.raises(ContentError) as raised:
        split("### early\n\nx\n\n## S\n\n### \n")
    assert len(raised.value.problems) == 2


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
