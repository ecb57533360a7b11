"""Tests for site_builder.tagging.memo: mentions in plain form and back, the last tagging's
name table as the memo keeps it, and carried_tags, which lets a file keep its tags when the
matcher changed but nothing it changed touches the file (else the file is a miss)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import DictMemo
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.model import Briefing, Listing, Section, SourcePos, Story
from site_builder.tagging.memo import (
    LAST,
    PARALLEL_TAG_THRESHOLD,
    TAG_TABLE,
    NameTable,
    PlainMention,
    StoryTexts,
    carried_tags,
    earlier_table,
    mentions_of,
    plain_mentions,
    run_chunks,
)
from site_builder.tagging.mentions import Mention, find_mentions


def test_mentions_go_plain_and_come_back_equal() -> None:
    mentions = find_mentions("比亚迪（002594.SZ）and Alibaba (NYSE: BABA; HKEX: 9988), "
                             "Contemporary Amperex Technology (\"CATL\", 300750.SZ)")
    assert len(mentions) == 3
    plain = plain_mentions(mentions)
    assert plain[1][:2] == ("Alibaba", (("BABA.N", "NYSE", ""), ("09988.HK", "HKEX",
                                                                "HKEX Main Board")))
    assert all(isinstance(part, (str, int, tuple)) for mention in plain for part in mention)
    assert mentions_of(plain) == tuple(mentions)
    assert plain_mentions(()) == () and mentions_of(()) == ()


LISTINGS = st.builds(Listing, st.text(max_size=10), st.sampled_from(["SSE", "HKEX", "NYSE"]),
                     st.text(max_size=10))
MENTIONS = st.builds(Mention, st.text(max_size=20), st.lists(LISTINGS, max_size=3).map(tuple),
                     st.integers(0, 10_000), st.integers(0, 10_000),
                     st.lists(st.text(max_size=8), max_size=2).map(tuple))


@settings(deadline=None)
@given(st.lists(MENTIONS, max_size=5))
def test_any_mentions_survive_the_plain_form(mentions: list[Mention]) -> None:
    assert mentions_of(plain_mentions(mentions)) == tuple(mentions)


TABLE = NameTable("stamp-1", "data-1", {"002594.SZ": "002594.SZ"}, {"BYD": "002594.SZ"})


def test_the_last_name_table_is_read_back_from_the_memo() -> None:
    memo = DictMemo()
    assert earlier_table(None) is None and earlier_table(memo) is None
    memo.put_many(TAG_TABLE, {LAST: TABLE.plain()})
    assert earlier_table(memo) == TABLE


@pytest.mark.parametrize("kept", [
    None, "stamp", ("stamp", "data", {}), ("stamp", "data", {}, {}, {}),
    (1, "data", {}, {}), ("stamp", "data", [], {}), ["stamp", "data", {}, {}]])
def test_a_kept_table_of_another_shape_is_none(kept: object) -> None:
    memo = DictMemo()
    memo.put_many(TAG_TABLE, {LAST: kept})
    assert earlier_table(memo) is None


def story(day: dt.date, position: int, text: str) -> Story:
    return Story(day=day, section="S", section_slug="s", position=position, headline=text,
                 headline_html=text, title=text, body_markdown=text, body_html="", summary="",
                 words=1, reading_minutes=1, slug=f"s{position}",
                 url=f"/{day:%Y/%m/%d}/s{position}/", source=SourcePos(f"{day}.md", 5))


def briefing(day: int, *texts: str) -> Briefing:
    date = dt.date(2025, 3, day)
    stories = tuple(story(date, i, text) for i, text in enumerate(texts))
    return Briefing(source=SourcePos(f"content/{date}.md", 1), date=date, published=None,
                    title="Report", source_name="", lang="en", draft=False, extra=(),
                    lead_markdown="", lead_html="", body_line=5,
                    sections=(Section("S", "s", stories),))


EARLIER = NameTable("old", "data", {"002594.SZ": "002594.SZ", "09988.HK": "BABA.N"},
                    {"BYD": "002594.SZ", "Alibaba": "BABA.N"})
# A new company named in some story: Goertek; and 09988.HK now its own company.
NOW = NameTable("new", "data", {"002594.SZ": "002594.SZ", "09988.HK": "09988.HK",
                                "002241.SZ": "002241.SZ"},
                {"BYD": "002594.SZ", "Alibaba": "BABA.N", "Goertek": "002241.SZ"})
DAYS = [briefing(1, "BYD sold cars", "rates held"),  # nothing changed: carried
        briefing(2, "Goertek shipped", "quiet"),  # names a name the new table added
        briefing(3, "Alibaba (HKEX: 9988) rose"),  # mentions a ticker now given to another company
        briefing(4, "BYD again")]  # carried
KEYS = ["f1", "f2", "f3", "f4"]
TAGS = {"f1:old": ((("002594.SZ",), ()), ((), ("rates",))), "f2:old": (((), ()), ((), ())),
        "f3:old": ((("BABA.N",), ()),), "f4:old": ((("002594.SZ",), ()),)}


def carried(memo: DictMemo, earlier: NameTable = EARLIER, now: NameTable = NOW,
            todo: list[int] | None = None, keys: list[str] = KEYS) -> dict[int, Any]:
    stories = [s for b in DAYS for s in b.stories]
    mentions: list[tuple[PlainMention, ...]] = [plain_mentions(find_mentions(s.title))
                                                for s in stories]
    return carried_tags(memo, earlier, now, DAYS,
                        list(range(len(stories))) if todo is None else todo,
                        StoryTexts(keys, mentions, lambda i: stories[i].title))


def memo_with(tags: dict[str, Any]) -> DictMemo:
    memo = DictMemo()
    memo.put_many("tags", tags)
    return memo


def test_a_file_untouched_by_what_changed_keeps_its_tags() -> None:
    assert carried(memo_with(TAGS)) == {0: (("002594.SZ",), ()), 1: ((), ("rates",)),
                                        5: (("002594.SZ",), ())}


def test_only_the_files_asked_for_are_carried() -> None:
    assert carried(memo_with(TAGS), todo=[5]) == {5: (("002594.SZ",), ())}
    assert carried(memo_with(TAGS), todo=[]) == {}


def test_nothing_is_carried_when_the_site_data_changed_or_the_matcher_did_not() -> None:
    other_data = NameTable("new", "data-2", NOW.ticker_keys, NOW.name_keys)
    assert carried(memo_with(TAGS), now=other_data) == {}
    assert carried(memo_with(TAGS), now=EARLIER) == {}


def test_a_file_with_no_key_or_no_kept_tags_or_tags_of_another_length_is_not_carried() -> None:
    assert carried(memo_with(TAGS), keys=["", "f2", "f3", "f4"]) == {5: (("002594.SZ",), ())}
    assert carried(memo_with({"f4:old": TAGS["f4:old"]})) == {5: (("002594.SZ",), ())}
    wrong = {**TAGS, "f1:old": TAGS["f1:old"][:1], "f4:old": list(TAGS["f4:old"])}
    assert carried(memo_with(wrong)) == {}


def test_a_dropped_or_reassigned_name_counts_as_changed() -> None:
    dropped = NameTable("new", "data", EARLIER.ticker_keys, {"Alibaba": "BABA.N"})
    assert set(carried(memo_with(TAGS), now=dropped)) == {2, 3, 4}  # not the BYD files
    moved = NameTable("new", "data", EARLIER.ticker_keys,
                      {"BYD": "002594.SZ", "Alibaba": "name:alibaba"})
    assert set(carried(memo_with(TAGS), now=moved)) == {0, 1, 2, 3, 5}  # not Alibaba's


@dataclass(frozen=True)
class Texts:
    texts: list[str]
    todo: list[int]


def _chunk(work: Texts, start: int, end: int) -> list[tuple[int, str]]:
    return [(i, work.texts[i].upper()) for i in work.todo[start:end]]


@pytest.mark.parametrize("jobs", [1, 2])
def test_chunks_run_over_the_todo_list_in_order_here_or_in_workers(jobs: int) -> None:
    count = PARALLEL_TAG_THRESHOLD + 501
    texts = [f"story {i} 比亚迪" for i in range(count)]
    todo = list(range(0, count, 2)) + list(range(1, count, 2))
    found = run_chunks(_chunk, Texts(texts, todo), jobs)
    assert found == [(i, texts[i].upper()) for i in todo]
    assert run_chunks(_chunk, Texts(texts, []), jobs) == []
