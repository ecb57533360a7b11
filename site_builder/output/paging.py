"""Cutting growing, newest-first lists into pieces that stay put when the list grows.

A daily site adds items at the new end of every list. Numbering pages from the newest item
would shift every page of a list for each new item (and re-render them all); these pieces are
anchored at the old end instead, so a new item changes a constant number of pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from site_builder.output.views import View

Item = TypeVar("Item")


def paginate(items: Sequence[Item], per_page: int,
             base_url: str) -> list[tuple[list[Item], View]]:
    """A newest-first list as a front page and numbered pages of fixed blocks, front first.

    /page/1/ holds the oldest per_page items, /page/2/ the next block, and so on; the front
    page (base_url) holds the newest items no block holds yet: per_page to 2*per_page - 1 of
    them (all of them when there are fewer than per_page, with no numbered pages). Each page
    lists its items newest first. A new item changes the front page only, but when a block
    fills: then page M+1 appears and page M's "newer" link moves from the front page to it.

    A numbered page's view says nothing that changes as the list grows (no page count), so
    it stays a permalink of the same bytes.
    """
    count = len(items)
    numbered = max(0, count // per_page - 1)
    front = count - numbered * per_page

    def url(number: int) -> str:
        return base_url if number > numbered else f"{base_url}page/{number}/"

    pages: list[tuple[list[Item], View]] = [
        (list(items[:front]), {"front": True, "number": None, "url": base_url,
                               "newer_url": None,
                               "older_url": url(numbered) if numbered else None})]
    for number in range(numbered, 0, -1):
        start = count - number * per_page
        pages.append((list(items[start:start + per_page]),
                      {"front": False, "number": number, "url": url(number),
                       "newer_url": url(number + 1),
                       "older_url": url(number - 1) if number > 1 else None}))
    return pages


def neighbours(items: Sequence[Item], newer: int, size: int) -> list[tuple[Item, ...]]:
    """For each item of a newest-first list, up to size others nearest to it, newest first.

    Up to `newer` of them are newer and the rest older; when one side runs short the other
    fills in. So a new item at the front changes the windows of the `newer` items after it
    (and of those that had to borrow from the newer side) only, never the whole list's.
    """
    count = len(items)
    wanted = min(size, count - 1)
    windows = []
    for at in range(count):
        older = min(wanted - min(newer, at), count - 1 - at)
        windows.append(tuple(items[at - wanted + older:at]) + tuple(items[at + 1:at + 1 + older]))
    return windows
