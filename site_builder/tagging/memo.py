"""The tagger's per-file results in plain form, and its worker processes.

A file's mentions depend on its text alone and its tags on its text and the site's matcher, so
both are kept by the file's digest (tags also by the matcher's stamp; file_memo.py). They are
plain tuples of strings and numbers: a rebuild reads some 55,000 stories' worth, and plain
tuples unpickle several times faster than records.

A new company named anywhere changes the matcher's stamp, and so every file's key; but a file's
tags depend only on the names that occur in its text and the tickers it mentions. So the name
table each tagging used is kept too (TAG_TABLE), and a file whose text holds no name, and whose
mentions no ticker, that the table changed keeps the tags it had (carried_tags).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from site_builder.file_memo import FileMemo
from site_builder.model import Briefing, Listing
from site_builder.tagging.mentions import Mention
from site_builder.workers import map_flat

PARALLEL_TAG_THRESHOLD = 2000
MENTIONS = "mentions-2"  # the memo's kind for each file's mentions (2: with defined terms)
TAG_TABLE = "tag-table"  # the memo's kind for the name table the last tagging used
LAST = "last"  # its one key

PlainListing = tuple[str, str, str]  # ticker, exchange, board
PlainMention = tuple[str, tuple[PlainListing, ...], int, int, tuple[str, ...]]
"""name, listings, start, end, defined terms"""
PlainTags = tuple[tuple[str, ...], tuple[str, ...]]  # company keys, topic slugs


@dataclass(frozen=True, slots=True)
class StoryTags:
    """What ``extract_tags`` finds in one story."""

    companies: tuple[str, ...]  # company keys, by first mention
    topics: tuple[str, ...]  # topic slugs, in table order


def plain_mentions(mentions: Sequence[Mention]) -> tuple[PlainMention, ...]:
    return tuple((mention.name, tuple((listing.ticker, listing.exchange, listing.board)
                                      for listing in mention.listings),
                  mention.start, mention.end, mention.aliases) for mention in mentions)


def mentions_of(plain: Sequence[PlainMention]) -> tuple[Mention, ...]:
    return tuple(Mention(name, tuple(Listing(*listing) for listing in listings), start, end,
                         aliases) for name, listings, start, end, aliases in plain)


class StoryWork(Protocol):
    """What a tagger task works over: todo, the indexes of the stories to do, in order (a
    chunk is todo[start:end]), and whatever else the task reads."""

    @property
    def todo(self) -> list[int]: ...


Work = TypeVar("Work", bound=StoryWork)


def run_chunks(task: Callable[[Work, int, int], list[Any]], work: Work, jobs: int
               ) -> list[Any]:
    """task(work, start, end) over the stories in work.todo, results joined in order; in
    worker processes when there are many of them."""
    return map_flat(task, len(work.todo), jobs, work, parallel_from=PARALLEL_TAG_THRESHOLD,
                    min_chunk=500)


@dataclass(frozen=True, slots=True)
class NameTable:
    """What a tagging's matcher was made from: stamps, and the tables that change most."""

    stamp: str  # the matcher's: the key of every file's tags
    data_stamp: str  # the registry's and the topic table's
    ticker_keys: dict[str, str]
    name_keys: dict[str, str]

    def plain(self) -> tuple[str, str, dict[str, str], dict[str, str]]:
        return self.stamp, self.data_stamp, self.ticker_keys, self.name_keys


def earlier_table(memo: FileMemo | None) -> NameTable | None:
    """The name table of the last tagging this cache kept, if it is one."""
    found = memo.get_many(TAG_TABLE, [LAST]).get(LAST) if memo is not None else None
    if not (isinstance(found, tuple) and len(found) == 4 and all(
            isinstance(part, str) for part in found[:2]) and all(
            isinstance(part, dict) for part in found[2:])):
        return None
    return NameTable(*found)


@dataclass(frozen=True, slots=True)
class StoryTexts:
    """What the tagger read: each file's key (as in tag_stories), and of each story of the
    build, by its number, its mentions and text(i), its tagged text."""

    keys: list[str]
    mentions: Sequence[tuple[PlainMention, ...]]
    text: Callable[[int], str]


def carried_tags(memo: FileMemo, earlier: NameTable, now: NameTable,
                 briefings: Sequence[Briefing], todo: list[int], read: StoryTexts
                 ) -> dict[int, PlainTags]:
    """The tags of the stories in todo whose file was tagged under the earlier table and holds
    nothing it changed: no name added, dropped or given to another company (in its text), no
    ticker given to another company (in its mentions). Files are keyed as in tag_stories."""
    keys, mentions, text = read.keys, read.mentions, read.text
    if earlier.data_stamp != now.data_stamp or earlier.stamp == now.stamp:
        return {}
    names = _changed(earlier.name_keys, now.name_keys)
    tickers = _changed(earlier.ticker_keys, now.ticker_keys)
    wanted = set(todo)
    spans: list[tuple[str, range]] = []
    start = 0
    for briefing, key in zip(briefings, keys, strict=True):
        span = range(start, start + len(briefing.stories))
        start = span.stop
        if key and span and span.start in wanted:
            spans.append((f"{key}:{earlier.stamp}", span))
    kept = memo.get_many("tags", [key for key, _ in spans])
    carried: dict[int, PlainTags] = {}
    for key, span in spans:
        found = kept.get(key)
        if not isinstance(found, tuple) or len(found) != len(span):
            continue
        if any(listing[0] in tickers for i in span for mention in mentions[i]
               for listing in mention[1]):
            continue
        if names and any(name in story for story in map(text, span) for name in names):
            continue
        carried.update(zip(span, found, strict=True))
    return carried


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """The keys added, dropped, or mapped to another value."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
