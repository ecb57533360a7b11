"""The tagger's per-file results in plain form, and its worker processes.

A file's mentions depend on its text alone and its tags on its text and the site's matcher, so
both are kept by the file's digest (tags also by the matcher's stamp; file_memo.py). They are
plain tuples of strings and numbers: a rebuild reads some 55,000 stories' worth, and plain
tuples unpickle several times faster than records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from site_builder.tickers import Listing, Mention
from site_builder.workers import map_flat, shared

PARALLEL_TAG_THRESHOLD = 2000

PlainListing = tuple[str, str, str]  # ticker, exchange, board
PlainMention = tuple[str, tuple[PlainListing, ...], int, int]  # name, listings, start, end
PlainTags = tuple[tuple[str, ...], tuple[str, ...]]  # company keys, topic slugs


@dataclass(frozen=True, slots=True)
class StoryTags:
    """What ``extract_tags`` finds in one story."""

    companies: tuple[str, ...]  # company keys, by first mention
    topics: tuple[str, ...]  # topic slugs, in table order


def plain_mentions(mentions: Sequence[Mention]) -> tuple[PlainMention, ...]:
    return tuple((mention.name, tuple((listing.ticker, listing.exchange, listing.board)
                                      for listing in mention.listings),
                  mention.start, mention.end) for mention in mentions)


def mentions_of(plain: Sequence[PlainMention]) -> tuple[Mention, ...]:
    return tuple(Mention(name, tuple(Listing(*listing) for listing in listings), start, end)
                 for name, listings, start, end in plain)


def run_chunks(task: Callable[[int, int], list[Any]], todo: list[int], jobs: int,
               state: dict[str, Any]) -> list[Any]:
    """task over the stories in todo, in worker processes when there are many of them."""
    return map_flat(task, len(todo), jobs, {**state, "todo": todo},
                    parallel_from=PARALLEL_TAG_THRESHOLD, min_chunk=500)


def todo_items(start: int, end: int) -> list[int]:
    """In a worker: the story indexes of its chunk."""
    items: list[int] = shared("todo")[start:end]
    return items
