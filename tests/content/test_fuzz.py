"""Property tests across the parsers: arbitrary Unicode never crashes them, and what they make
keeps its promises (safe slugs, no lost text, the same output for the same input).

These extend the properties next to each module (test_split, test_tickers, test_tag,
test_importer) rather than repeat them. Examples are bounded and derandomised by the "ci"
profile of conftest.py; run ``pytest tests/content/test_fuzz.py --hypothesis-profile=long`` to look
much further.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.config import SiteConfig
from site_builder.content.load import parse_content
from site_builder.content.markdown import MarkdownRenderer
from site_builder.content.slugs import MAX_SLUG_LENGTH, make_slug, unique_slugs
from site_builder.content.split import split_briefing
from site_builder.errors import ContentError
from site_builder.importer.convert import import_report
from site_builder.model import Briefing, Company, Topic
from site_builder.tagging.mentions import find_mentions
from site_builder.tagging.registry import SiteData, company_slug
from site_builder.tagging.sightings import Seen
from site_builder.tagging.tag import _matcher_for, build_matcher, extract_tags
from site_builder.tagging.tickers import parse_ticker

CONFIG = SiteConfig(root=Path("/site"))
HEAD = "---\ndate: 2025-03-27\n---\n"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SUFFIX = re.compile(r"-[0-9]+")

# Text of one line: any character but the line breaks load.py turns into "\n", and NUL
# (a file holding NUL is refused as binary; test_load covers that).
line_text = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\x00"), max_size=40)
MARKDOWN = st.sampled_from([
    "#", "## ", "### ", "#### ", "# ", "```", "~~~", "    ", "> ", "- ", "1. ", "---", "===",
    "| a | b |", "|---|---|", "<div>", "</div>", "<!--", "-->", "[x]: /y", "*", "_", "`",
    "Companies: +", "Topics: -", "BYD (002594.SZ)", "比亚迪（002594.SZ）", "\t", "\\", "&amp;",
])
markdown_line = st.lists(MARKDOWN | line_text, max_size=5).map("".join)
markdown_body = st.lists(markdown_line, max_size=25).map("\n".join)


def split(body: str) -> Briefing:
    content = parse_content((HEAD + body).encode("utf-8"), "content/day.md", CONFIG)
    return split_briefing(content, MarkdownRenderer(False))


def split_or_error(body: str) -> Briefing | tuple[str, ...]:
    try:
        return split(body)
    except ContentError as error:
        assert error.problems and all(p.path == "content/day.md" for p in error.problems)
        return tuple(str(p) for p in error.problems)


# --- the slugger ------------------------------------------------------------------------------

def assert_safe_slug(slug: str) -> None:
    assert SLUG.fullmatch(slug), slug
    assert len(slug) <= MAX_SLUG_LENGTH, slug


@given(st.text())
def test_any_text_gives_a_safe_slug_every_time(text: str) -> None:
    slug = make_slug(text)
    assert_safe_slug(slug)
    assert make_slug(text) == slug
    assert_safe_slug(make_slug(text, "section"))
    assert SLUG.fullmatch(company_slug(text, text[:6]))


@given(st.lists(st.text(max_size=12) | st.sampled_from(["a", "a-2", "story", "-", "!"]),
                max_size=30))
def test_repeated_slugs_get_unique_safe_suffixes(texts: list[str]) -> None:
    wanted = [make_slug(text) for text in texts]
    slugs = unique_slugs(wanted)
    assert len(set(slugs)) == len(slugs) == len(wanted)
    for want, slug in zip(wanted, slugs, strict=True):
        assert slug == want or (slug.startswith(want) and SUFFIX.fullmatch(slug[len(want):]))
        assert SLUG.fullmatch(slug) and len(slug) <= MAX_SLUG_LENGTH + 1 + len(str(len(texts)))
    assert unique_slugs(wanted) == slugs


# --- the splitter -----------------------------------------------------------------------------

@given(markdown_body)
def test_markdown_shaped_text_splits_or_gives_a_content_error(body: str) -> None:
    first = split_or_error(body)
    assert split_or_error(body) == first
    if isinstance(first, Briefing):
        for story in first.stories:
            assert SLUG.fullmatch(story.slug) and len(story.slug) <= MAX_SLUG_LENGTH + 3
            assert story.url == f"/2025/03/27/{story.slug}/"
        assert len({story.slug for story in first.stories}) == len(first.stories)
        for section in first.sections:
            assert SLUG.fullmatch(section.slug) and len(section.slug) <= MAX_SLUG_LENGTH + 3


# A well-formed briefing: lead paragraphs, then sections of stories of paragraphs. Paragraph
# lines start with a letter so no line of text opens a block of its own (a fence, an HTML block,
# a setext underline) and swallows the headings after it; headings hold no "#" for a closing
# sequence to take, nor surrounding blanks.
heading_text = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\x00#"), min_size=1,
                       max_size=30).filter(lambda t: t.strip() == t and t)
paragraph = st.lists(line_text.map(lambda t: "w" + t), min_size=1, max_size=4).map("\n".join)
story_block = st.tuples(heading_text, st.lists(paragraph, max_size=3))
section_block = st.tuples(heading_text, st.lists(story_block, max_size=4))
briefing_blocks = st.tuples(st.lists(paragraph, max_size=2), st.lists(section_block, max_size=4))


def document(lead: list[str], sections: list[tuple[str, list[tuple[str, list[str]]]]]) -> str:
    blocks = [*lead]
    for name, stories in sections:
        blocks.append(f"## {name}")
        for headline, paragraphs in stories:
            blocks += [f"### {headline}", *paragraphs]
    return "\n\n".join(blocks)


def kept_lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


@given(briefing_blocks)
def test_splitting_keeps_every_line_of_the_body_in_order(
        blocks: tuple[list[str], list[tuple[str, list[tuple[str, list[str]]]]]]) -> None:
    body = document(*blocks)
    try:
        briefing = split(body)
    except ContentError as error:  # a heading of markup alone ("### ![](x)") has no words
        assert all("heading is empty" in p.message for p in error.problems), error
        return
    joined = kept_lines(briefing.lead_markdown)
    for story in briefing.stories:
        joined += [f"### {story.headline}", *kept_lines(story.body_markdown)]
    assert joined == [line for line in kept_lines(body) if not line.startswith("## ")]
    assert len(briefing.sections) == len(blocks[1])
    assert [len(s.stories) for s in briefing.sections] == [len(s) for _, s in blocks[1]]


# --- tickers and the tagger -------------------------------------------------------------------

@given(st.text(max_size=12) | st.from_regex(r"\A[0-9A-Za-z]{1,7}\.[A-Za-z]{1,2}\Z"))
def test_a_parsed_ticker_is_canonical(raw: str) -> None:
    listing = parse_ticker(raw)
    if listing is not None:
        assert parse_ticker(listing.ticker) == listing
        assert listing.ticker == listing.ticker.strip() and "." in listing.ticker


names = st.text(min_size=1, max_size=12).filter(str.strip) | st.sampled_from(
    ["Goertek", "比亚迪", "a.b", "(", "\\", "[a-z]+", "BYD (002594.SZ)", "*", "?"])


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(companies=st.lists(names, max_size=5, unique=True),
       keywords=st.lists(names, max_size=6, unique=True),
       text=st.lists(names | st.text(max_size=20), max_size=12).map(" ".join))
def test_any_registry_and_keywords_tag_any_text(companies: list[str], keywords: list[str],
                                                text: str) -> None:
    registry = tuple(Company(key=f"name:{index}", name=name.strip(), slug=f"c{index}",
                             ticker="", exchange="", board="", description=name)
                     for index, name in enumerate(companies))
    table = (Topic("first", "First", keywords=tuple(k.strip() for k in keywords)),
             Topic("second", "Second", keywords=tuple(k.strip() for k in keywords[::2]),
                   mentions=1))
    data = SiteData(registry, table)
    name_keys = {company.name: company.key for company in registry}
    matcher = build_matcher({}, name_keys, data)
    tags = extract_tags(text, matcher)
    assert extract_tags(text, matcher) == tags
    assert extract_tags(text, matcher, find_mentions(text)) == tags
    allowed = set(name_keys.values()) | {m.ticker for found in find_mentions(text)
                                         for m in found.listings}
    assert set(tags.companies) <= allowed and len(set(tags.companies)) == len(tags.companies)
    assert set(tags.topics) <= {"first", "second"}
    assert list(tags.topics) == [t for t in ("first", "second") if t in tags.topics]


keyword = names | st.sampled_from(["chip", "Chips", "IPO", "ipos", "EV", "İstanbul", "straße",
                                   "芯片", "ai", "AI", "k", "äpfel", "ÄPFEL"])


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(companies=st.lists(names, max_size=5, unique=True),
       keywords=st.lists(keyword, max_size=8, unique=True),
       text=st.lists(keyword | names | st.text(max_size=20), max_size=12).map(" ".join))
def test_a_matcher_of_the_words_in_the_text_tags_it_as_the_whole_matcher_does(
        companies: list[str], keywords: list[str], text: str) -> None:
    """A rebuild compiles only the names and keywords its texts hold (_matcher_for)."""
    registry = tuple(Company(key=f"name:{index}", name=name.strip(), slug=f"c{index}",
                             ticker="", exchange="", board="", description=" ".join(keywords[:2]))
                     for index, name in enumerate(companies))
    table = (Topic("first", "First", keywords=tuple(k.strip() for k in keywords)),
             Topic("second", "Second", keywords=tuple(k.strip().upper() for k in keywords[1::2]),
                   mentions=1))
    data = SiteData(registry, table)
    name_keys = {company.name: company.key for company in registry}
    seen = Seen({}, name_keys, {}, {}, ())
    headline = text.partition(" ")[0]
    story = f"{headline}\n{text}"
    assert extract_tags(story, _matcher_for(seen, data, [story, "other"])) == \
        extract_tags(story, build_matcher({}, name_keys, data))


# --- the importer -----------------------------------------------------------------------------

report_line = st.one_of(
    st.sampled_from(["[Market dynamics].", "【市场动态】", "Transferred from: Wire", "2025年3月27日",
                     "March 27", "Goertek: profit up", "比亚迪：销量新高", "(Daily News)", "<?php",
                     "### x", "---", "```", "<script>alert(1)</script>", "|a|b|", "[x](y)"]),
    line_text)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(report_line, max_size=30))
def test_whatever_the_importer_writes_the_builder_reads(lines: list[str]) -> None:
    try:
        report = import_report("\n".join(lines), origin="any.txt", fallback_year=2025)
    except ContentError:
        return
    content = parse_content(report.markdown.encode("utf-8"), "content/day.md", CONFIG)
    briefing = split_briefing(content, MarkdownRenderer(False))
    assert [story.title for story in briefing.stories] == [
        " ".join(story.headline.split()) for story in report.stories]
    assert [section.name for section in briefing.sections] == [
        " ".join(section.name.split()) for section in report.sections]
