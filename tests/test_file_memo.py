"""Tests for site_builder.file_memo: per-file results kept between builds by a key of their
inputs. A hit is used as kept, a miss (new key, no key, a kept value of the wrong shape) is
computed, only the misses are computed, and what no current file needs is dropped. Run
against a plain dict memo (to see each call) and the real build cache (SQLite, pickled)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DictMemo
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.file_memo import FileMemo, file_keys, per_story
from site_builder.incremental.cache import BuildCache
from site_builder.model import Briefing, Section, SourcePos, Story

KIND = "lengths"


@pytest.fixture(params=["dict", "build-cache"])
def memo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FileMemo]:
    if request.param == "dict":
        yield DictMemo()
        return
    cache = BuildCache(tmp_path / ".cache", "parse-key", lambda warning: None)
    yield cache
    cache.close()


def story(day: dt.date, position: int, title: str) -> Story:
    return Story(day=day, section="S", section_slug="s", position=position, headline=title,
                 headline_html=title, title=title, body_markdown="", body_html="", summary="",
                 words=1, reading_minutes=1, slug=f"s{position}",
                 url=f"/{day:%Y/%m/%d}/s{position}/", source=SourcePos(f"{day}.md", 5))


def briefing(day: int, *titles: str, sections: int = 1) -> Briefing:
    date = dt.date(2025, 3, day)
    stories = [story(date, i, title) for i, title in enumerate(titles)]
    cut = (len(stories) + 1) // 2 if sections == 2 else len(stories)
    parts = [stories[:cut], stories[cut:]] if sections == 2 else [stories]
    return Briefing(source=SourcePos(f"content/{date}.md", 1), date=date, published=None,
                    title="Report", source_name="", lang="en", draft=False, extra=(),
                    lead_markdown="", lead_html="", body_line=5,
                    sections=tuple(Section(f"S{i}", f"s{i}", tuple(part))
                                   for i, part in enumerate(parts)))


class Recorder:
    """A stage's work: each story's title length, noting which indexes it was asked for."""

    def __init__(self, briefings: list[Briefing]) -> None:
        self.stories = [s for b in briefings for s in b.stories]
        self.asked: list[list[int]] = []

    def __call__(self, todo: list[int]) -> list[Any]:
        self.asked.append(list(todo))
        return [(self.stories[i].title, len(self.stories[i].title)) for i in todo]


def run(memo: FileMemo | None, briefings: list[Briefing],
        keys: list[str]) -> tuple[list[Any], list[int]]:
    compute = Recorder(briefings)
    results = per_story(briefings, keys, memo, KIND, compute)
    assert len(compute.asked) == 1  # one call, so the work can go to worker processes at once
    return results, compute.asked[0]


def everything(briefings: list[Briefing]) -> list[Any]:
    return [(s.title, len(s.title)) for b in briefings for s in b.stories]


def test_file_keys_are_the_files_digests_and_empty_when_not_kept() -> None:
    days = [briefing(1, "a"), briefing(2, "b")]
    assert file_keys(days, None) == ["", ""]
    assert file_keys(days, {"content/2025-03-01.md": "d1"}) == ["d1", ""]
    assert file_keys([], {}) == []


def test_without_a_memo_every_story_is_computed_in_reading_order() -> None:
    days = [briefing(1, "a", "bb", "ccc", sections=2), briefing(2, "dddd")]
    results, asked = run(None, days, ["k1", "k2"])
    assert results == everything(days) and asked == [0, 1, 2, 3]


def test_a_second_build_computes_nothing_and_gives_the_same_results(memo: FileMemo) -> None:
    days = [briefing(1, "a", "bb", sections=2), briefing(2, "ccc")]
    first, asked = run(memo, days, ["k1", "k2"])
    assert asked == [0, 1, 2]
    again, asked = run(memo, days, ["k1", "k2"])
    assert again == first == everything(days) and asked == []


def test_a_changed_file_is_computed_alone_at_its_stories_places(memo: FileMemo) -> None:
    days = [briefing(1, "a"), briefing(2, "bb", "cc"), briefing(3, "d")]
    run(memo, days, ["k1", "k2", "k3"])
    edited = [days[0], briefing(2, "bbb", "c", "new"), days[2]]
    results, asked = run(memo, edited, ["k1", "k2-edited", "k3"])
    assert asked == [1, 2, 3] and results == everything(edited)


def test_a_file_without_a_key_is_computed_every_time_and_never_kept(memo: FileMemo) -> None:
    days = [briefing(1, "a"), briefing(2, "bb")]
    run(memo, days, ["", "k2"])
    results, asked = run(memo, days, ["", "k2"])
    assert asked == [0] and results == everything(days)
    assert set(memo.get_many(KIND, ["", "k2"])) == {"k2"}


def test_a_kept_value_of_the_wrong_shape_is_a_miss(memo: FileMemo) -> None:
    days = [briefing(1, "a", "b")]
    for wrong in [(("a", 1),), ["a", "b"], None, "ab"]:
        memo.put_many(KIND, {"k1": wrong})
        results, asked = run(memo, days, ["k1"])
        assert asked == [0, 1] and results == everything(days)
        assert memo.get_many(KIND, ["k1"]) == {"k1": tuple(everything(days))}


def test_what_no_current_file_needs_is_dropped_and_other_kinds_kept(memo: FileMemo) -> None:
    days = [briefing(1, "a"), briefing(2, "b")]
    memo.put_many("other", {"k1": ("x",)})
    run(memo, days, ["k1", "k2"])
    run(memo, days[1:], ["k2"])  # the first file was deleted
    assert set(memo.get_many(KIND, ["k1", "k2"])) == {"k2"}
    assert memo.get_many("other", ["k1"]) == {"k1": ("x",)}
    _, asked = run(memo, days, ["k1", "k2"])  # and put back: computed again
    assert asked == [0]


def test_a_day_without_stories_is_kept_as_empty(memo: FileMemo) -> None:
    days = [briefing(1), briefing(2, "unicode 比亚迪 👍🏽")]
    results, asked = run(memo, days, ["k1", "k2"])
    assert asked == [0] and results == [("unicode 比亚迪 👍🏽", 14)]  # code points
    assert memo.get_many(KIND, ["k1"]) == {"k1": ()}
    assert run(memo, days, ["k1", "k2"]) == (results, [])


def test_the_build_cache_keeps_results_across_builds(tmp_path: Path) -> None:
    days = [briefing(1, "a", "bb")]
    cache = BuildCache(tmp_path / ".cache", "parse-key", lambda warning: None)
    first, _ = run(cache, days, ["k1"])
    cache.close()
    reopened = BuildCache(tmp_path / ".cache", "parse-key", lambda warning: None)
    assert run(reopened, days, ["k1"]) == (first, [])
    reopened.close()


FILES = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2), st.booleans()),
                 min_size=0, max_size=6)  # stories, version of the text, kept by key or not


@settings(deadline=None, max_examples=60)
@given(builds=st.lists(FILES, min_size=1, max_size=4))
def test_any_sequence_of_builds_gives_what_computing_everything_gives(
        builds: list[list[tuple[int, int, bool]]]) -> None:
    memo = DictMemo()
    seen: dict[str, tuple[Any, ...]] = {}
    for files in builds:
        days = [briefing(day + 1, *(f"{day}-{version}-{i}" for i in range(count)))
                for day, (count, version, _) in enumerate(files)]
        keys = [f"{day}-{version}-{count}" if kept else ""
                for day, (count, version, kept) in enumerate(files)]
        results, asked = run(memo, days, keys)
        assert results == everything(days)
        starts = [sum(len(b.stories) for b in days[:i]) for i in range(len(days))]
        expected = [i for day, key in enumerate(keys) if not key or key not in seen
                    for i in range(starts[day], starts[day] + len(days[day].stories))]
        assert asked == expected  # only the misses, in reading order
        seen = {key: () for key in keys if key}


def test_compute_must_answer_every_index() -> None:
    with pytest.raises(ValueError):
        per_story([briefing(1, "a")], ["k"], None, KIND, lambda todo: [])
    assert per_story([briefing(1, "a")], ["k"], None, KIND, lambda todo: [None for _ in todo]) == [None]
