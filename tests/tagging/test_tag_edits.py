"""Tests for site_builder.tagging.edits: authors' corrections of the tagger (``Companies: +BYD
(002594.SZ), -X``, ``Topics: +ai``), resolved to company keys and topic slugs the ways an
author writes them, applied in order; an edit naming nothing is a problem at its path:line,
removing what is not there a warning."""

from __future__ import annotations

import datetime as dt

import pytest

from site_builder.errors import Problem
from site_builder.model import SourcePos, Story, TagEdit, Topic
from site_builder.tagging.edits import EditLookup
from site_builder.tagging.memo import StoryTags
from site_builder.tagging.registry import SiteData

TOPICS = (Topic("ai", "Artificial intelligence", keywords=("AI", "LLM", "Straße")),
          Topic("ev", "Electric vehicles", keywords=("EV", "battery", "ai-cars")),
          Topic("chips", "半导体", keywords=("chip", "llm")))
TICKERS = {"002594.SZ": "002594.SZ", "09988.HK": "BABA.N", "BABA.N": "BABA.N"}
NAMES = {"BYD": "002594.SZ", "byd": "name:byd-lower", "Alibaba": "BABA.N",
         "比亚迪": "002594.SZ", "Goertek": "002241.SZ"}
LOOKUP = EditLookup.of(TICKERS, NAMES, SiteData(topics=TOPICS))
TAGS = StoryTags(("BABA.N",), ("ai",))


def story(*edits: tuple[str, bool, str]) -> Story:
    day = dt.date(2025, 3, 27)
    return Story(day=day, section="S", section_slug="s", position=0, headline="T",
                 headline_html="T", title="T", body_markdown="", body_html="", summary="",
                 words=1, reading_minutes=1, slug="t", url="/2025/03/27/t/",
                 source=SourcePos("content/day.md", 9),
                 tag_edits=tuple(TagEdit(kind, add, value, SourcePos("content/day.md", 12 + i))
                                 for i, (kind, add, value) in enumerate(edits)))


def apply(*edits: tuple[str, bool, str]) -> tuple[StoryTags, list[Problem], list[str]]:
    problems: list[Problem] = []
    warnings: list[str] = []
    return LOOKUP.apply(story(*edits), TAGS, problems, warnings), problems, warnings


@pytest.mark.parametrize(("value", "key"), [
    ("BYD (002594.SZ)", "002594.SZ"),  # a name with its ticker: the ticker decides
    ("比亚迪（002594.SZ）", "002594.SZ"),
    ("Alibaba (HKEX: 9988)", "BABA.N"),  # a second listing of a known company
    ("002594.SZ", "002594.SZ"),
    ("9988.HK", "BABA.N"),
    ("NYSE: BABA", "BABA.N"),
    ("600519.SH", "600519.SH"),  # a ticker no story wrote: the ticker is the key
    ("Anyone (601238.SH)", "601238.SH"),
    ("BYD", "002594.SZ"),
    ("  Goertek ", "002241.SZ"),
    ("byd", "name:byd-lower"),  # an exact name wins over a folded one
    ("ALIBABA", "BABA.N"),
    ("goertek", "002241.SZ"),
    ("比亚迪", "002594.SZ"),
    ("Nobody", None),
    ("", None),
    ("2330.TW", None),
])
def test_a_company_is_found_by_ticker_or_name(value: str, key: str | None) -> None:
    assert LOOKUP.company(value) == key


def test_a_folded_name_shared_by_two_companies_goes_to_the_first_name_in_order() -> None:
    lookup = EditLookup.of({}, {"byd": "b", "BYD": "a", "Byd": "c"}, SiteData())
    assert lookup.company("bYd") == "a"  # "BYD" sorts first


def test_topics_by_slug_name_or_keyword_slugs_and_names_first() -> None:
    assert LOOKUP.topics["ai"] == "ai" and LOOKUP.topics["artificial intelligence"] == "ai"
    assert LOOKUP.topics["battery"] == "ev" and LOOKUP.topics["半导体"] == "chips"
    assert LOOKUP.topics["ai-cars"] == "ev"
    assert LOOKUP.topics["llm"] == "ai"  # a keyword of two topics: the first topic's
    assert LOOKUP.topics["strasse"] == "ai"  # casefolded: ß is ss
    assert LOOKUP.topic_order == {"ai": 0, "ev": 1, "chips": 2}


def test_additions_follow_the_tagger_s_companies_and_topics_keep_table_order() -> None:
    tags, problems, warnings = apply(("companies", True, "BYD (002594.SZ)"),
                                     ("topics", True, "CHIP"), ("topics", True, "EV"),
                                     ("companies", True, "Goertek"))
    assert tags == StoryTags(("BABA.N", "002594.SZ", "002241.SZ"), ("ai", "ev", "chips"))
    assert problems == [] and warnings == []


def test_adding_what_is_there_changes_nothing_and_removing_takes_it_out() -> None:
    tags, problems, warnings = apply(("companies", True, "Alibaba"), ("topics", True, "AI"),
                                     ("companies", False, "NYSE: BABA"),
                                     ("topics", False, "artificial INTELLIGENCE"))
    assert tags == StoryTags((), ()) and problems == [] and warnings == []


def test_edits_apply_in_order() -> None:
    tags, _, _ = apply(("topics", False, "ai"), ("topics", True, "ai"),
                       ("companies", True, "BYD"), ("companies", False, "BYD"))
    assert tags == TAGS


def test_removing_what_is_not_there_is_a_warning_at_its_line() -> None:
    tags, problems, warnings = apply(("companies", False, "BYD"), ("topics", False, "ev"))
    assert tags == TAGS and problems == []
    assert warnings == [
        "content/day.md:12: 'BYD' is not among the story's companies; nothing to remove",
        "content/day.md:13: 'ev' is not among the story's topics; nothing to remove"]


def test_an_edit_naming_nothing_is_a_problem_with_its_line_and_a_hint() -> None:
    tags, problems, _ = apply(("companies", True, "Nobody"), ("topics", False, "weather"),
                              ("companies", True, "BYD"))
    assert tags == StoryTags(("BABA.N", "002594.SZ"), ("ai",))  # the rest still apply
    assert [(p.path, p.line) for p in problems] == [("content/day.md", 12),
                                                   ("content/day.md", 13)]
    assert problems[0].message == "tag edit +Nobody names no company this site knows"
    assert problems[1].message == "tag edit -weather names no topic this site knows"
    assert "_data/companies.yaml" in problems[0].hint and "topics table" in problems[1].hint


def test_a_story_without_edits_keeps_its_tags() -> None:
    assert apply() == (TAGS, [], [])
