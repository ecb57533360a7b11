"""Unit tests of paging.py: oldest-anchored pagination and neighbour windows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.output.paging import neighbours, paginate

BASE = "/sections/x/"


def newest_first(count: int) -> list[int]:
    """Items numbered by age: 0 is the oldest, so a page's items say which block it holds."""
    return list(range(count - 1, -1, -1))


def pages_by_url(count: int, per_page: int) -> dict[str, list[int]]:
    return {view["url"]: chunk for chunk, view in paginate(newest_first(count), per_page, BASE)}


@pytest.mark.parametrize(("count", "fronts", "numbered"), [
    (0, 0, 0), (1, 1, 0), (4, 4, 0), (5, 5, 0), (9, 9, 0), (10, 5, 1), (14, 9, 1),
    (15, 5, 2), (23, 8, 3)])
def test_front_page_holds_the_newest_items_no_block_holds(count: int, fronts: int,
                                                          numbered: int):
    pages = paginate(newest_first(count), 5, BASE)
    front, view = pages[0]
    assert view["front"] and view["url"] == BASE and view["newer_url"] is None
    assert front == newest_first(count)[:fronts]
    assert [v["number"] for _, v in pages[1:]] == list(range(numbered, 0, -1))
    assert view["older_url"] == (f"{BASE}page/{numbered}/" if numbered else None)


def test_numbered_pages_are_blocks_counted_from_the_oldest_newest_first():
    pages = pages_by_url(23, 5)  # N=23, P=5: pages 1-3 and a front page of 8
    assert pages[f"{BASE}page/1/"] == [4, 3, 2, 1, 0]
    assert pages[f"{BASE}page/2/"] == [9, 8, 7, 6, 5]
    assert pages[f"{BASE}page/3/"] == [14, 13, 12, 11, 10]
    assert pages[BASE] == [22, 21, 20, 19, 18, 17, 16, 15]


def test_links_run_from_the_front_page_down_to_page_one():
    views = {view["url"]: view for _, view in paginate(newest_first(23), 5, BASE)}
    assert views[f"{BASE}page/3/"]["newer_url"] == BASE
    assert views[f"{BASE}page/3/"]["older_url"] == f"{BASE}page/2/"
    assert views[f"{BASE}page/2/"]["newer_url"] == f"{BASE}page/3/"
    assert views[f"{BASE}page/1/"]["older_url"] is None
    assert views[f"{BASE}page/1/"]["newer_url"] == f"{BASE}page/2/"


def test_numbered_pages_say_nothing_about_the_length_of_the_list():
    for _, view in paginate(newest_first(23), 5, BASE)[1:]:
        assert set(view) == {"front", "number", "url", "newer_url", "older_url"}


@given(st.integers(0, 200), st.integers(1, 12))
def test_every_item_is_on_exactly_one_page(count: int, per_page: int):
    pages = paginate(newest_first(count), per_page, BASE)
    assert sorted(item for chunk, _ in pages for item in chunk) == list(range(count))
    assert all(len(chunk) == per_page for chunk, _ in pages[1:])
    front = len(pages[0][0])
    assert front == count if count < per_page else per_page <= front < 2 * per_page


@given(st.integers(0, 200), st.integers(1, 12), st.integers(1, 30))
def test_older_pages_do_not_depend_on_newer_items(count: int, per_page: int, more: int):
    before = pages_by_url(count, per_page)
    after = pages_by_url(count + more, per_page)
    for url, chunk in before.items():
        if url != BASE:
            assert after[url] == chunk


@given(st.integers(0, 200), st.integers(1, 12))
def test_one_new_item_changes_the_front_page_and_at_most_two_numbered_pages(count: int,
                                                                           per_page: int):
    before = {view["url"]: (chunk, view) for chunk, view in
              paginate(newest_first(count), per_page, BASE)}
    after = {view["url"]: (chunk, view) for chunk, view in
             paginate(newest_first(count + 1), per_page, BASE)}
    changed = {url for url in after if before.get(url) != after[url]} - {BASE}
    assert len(changed) <= 2 and set(before) - set(after) == set()
    if changed:  # a block filled: a new newest numbered page, the one before links to it
        numbers = sorted(after[url][1]["number"] for url in changed)
        assert numbers[-1] == len(after) - 1 and numbers == list(
            range(numbers[-1] - len(numbers) + 1, numbers[-1] + 1))


def test_neighbours_are_two_newer_and_three_older_newest_first():
    items = list("abcdefghij")  # newest first
    windows = neighbours(items, 2, 5)
    assert windows[4] == ("c", "d", "f", "g", "h")
    assert windows[0] == ("b", "c", "d", "e", "f")  # no newer ones: all older
    assert windows[1] == ("a", "c", "d", "e", "f")
    assert windows[9] == ("e", "f", "g", "h", "i")  # no older ones: all newer
    assert windows[8] == ("e", "f", "g", "h", "j")
    assert neighbours(["a"], 2, 5) == [()]
    assert neighbours(["a", "b", "c"], 2, 5) == [("b", "c"), ("a", "c"), ("a", "b")]


@given(st.integers(6, 40), st.integers(1, 5))
def test_a_new_item_changes_only_the_windows_of_the_newest_few(count: int, more: int):
    """Once windows are full (6 items for 5 neighbours); before that, every window grows."""
    old = [f"s{n}" for n in range(count, 0, -1)]
    new = [f"n{n}" for n in range(more)] + old
    before = dict(zip(old, neighbours(old, 2, 5), strict=True))
    after = dict(zip(new, neighbours(new, 2, 5), strict=True))
    changed = [item for item in old if before[item] != after[item]]
    assert changed == old[:len(changed)] and len(changed) <= 2
