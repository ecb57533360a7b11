"""The tagger's per-file results kept between builds, and its worker processes.

A file's mentions depend on its text alone and its tags on its text and the site's matcher, so
both are kept by the file's digest (tags also by the matcher's stamp). They are stored as plain
tuples of strings and numbers: a rebuild reads some 55,000 stories' worth, and plain tuples
unpickle several times faster than records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from site_builder.model import Briefing
from site_builder.tickers import Listing, Mention
from site_builder.workers import map_flat, shared

PARALLEL_TAG_THRESHOLD = 2000

PlainListing = tuple[str, str, str]  # ticker, exchange, board
PlainMention = tuple[str, tuple[PlainListing, ...], int, int]  # name, listings, start, end
PlainTags = tuple[tuple[str, ...], tuple[str, ...]]  # company keys, topic slugs


class TagMemo(Protocol):
    """Where per-file results are kept between builds (the build cache), keyed by content."""

    def get_many(self, kind: str, keys: list[str]) -> dict[str, Any]: ...

    def put_many(self, kind: str, items: dict[str, Any]) -> None: ...

    def retain(self, kind: str, keys: set[str]) -> None: ...


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


def file_keys(briefings: Sequence[Briefing], digests: dict[str, str] | None) -> list[str]:
    """Each briefing's memo key: its file's digest ("" means: not kept)."""
    if digests is None:
        return [""] * len(briefings)
    return [digests.get(b.source.path, "") for b in briefings]


def per_story(briefings: Sequence[Briefing], keys: list[str], memo: TagMemo | None,
              kind: str, compute: Callable[[list[int]], list[Any]]) -> list[Any]:
    """One plain result per story, from the memo by file where it has them, computed
    otherwise; compute(indexes) returns plain values (tuples of str and int) too."""
    kept = memo.get_many(kind, [k for k in keys if k]) if memo is not None else {}
    results: list[Any] = []
    todo: list[int] = []
    spans = []
    for briefing, key in zip(briefings, keys, strict=True):
        start = len(results)
        count = sum(len(section.stories) for section in briefing.sections)
        found = kept.get(key) if key else None
        if isinstance(found, tuple) and len(found) == count:
            results.extend(found)
        else:
            results.extend([None] * count)
            todo.extend(range(start, start + count))
            spans.append((key, start, count))
    for index, value in zip(todo, compute(todo), strict=True):
        results[index] = value
    if memo is not None:
        memo.put_many(kind, {key: tuple(results[start:start + count])
                             for key, start, count in spans if key})
        memo.retain(kind, {key for key in keys if key})
    return results


def run_chunks(task: Callable[[int, int], list[Any]], todo: list[int], jobs: int,
               state: dict[str, Any]) -> list[Any]:
    """task over the stories in todo, in worker processes when there are many of them."""
    return map_flat(task, len(todo), jobs, {**state, "todo": todo},
                    parallel_from=PARALLEL_TAG_THRESHOLD, min_chunk=500)


def todo_items(start: int, end: int) -> list[int]:
    """In a worker: the story indexes of its chunk."""
    items: list[int] = shared("todo")[start:end]
    return items
