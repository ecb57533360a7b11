"""Page keys, derived from the record of what a page's view reads, by one generic Stamper.

Each page kind declares an inputs record (output/page_views.py): a frozen dataclass holding
exactly what its view reads. The view takes that record and nothing else of the content, and
the page's key is the Stamper's stamp of the same record, so a field added to the record for a
template is in the key at once: a view and its key cannot drift apart.

The Stamper walks a record's fields: text and numbers as themselves, sequences and mappings
item by item, nested records field by field, and the model's records through the stamps of
versions.py (a story, a day, a card, a company or topic is stamped once a build, memoized by
file in the cache, since a site of ten years has 55,000 stories). A value of any other type is
an error, never a silent gap in a key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from site_builder.file_memo import FileMemo
from site_builder.incremental.versions import Versions
from site_builder.model import Briefing, Company, Story, Topic
from site_builder.stamps import stamp, stamp_text

SHARED_LENGTH = 32
"""A tuple this long is encoded once per Stamper: such tuples are shared by many pages."""

_URL = attrgetter("url")


class Cards(tuple[Story, ...]):
    """Stories a page shows as cards (headline, summary, tags: no body), so that the Stamper
    stamps their cards, not their bodies: editing a body leaves the lists that name it alone.
    Views read them through output/views.py's `card`, which gives the card's fields alone."""

    __slots__ = ()


class Stamper:
    """Stamps inputs records; one per build, over that build's Versions.

    Each value is stamped by the handler for its type, found once per type (a site of ten
    years keys some 70,000 pages a build, each a few dozen values).
    """

    def __init__(self, versions: Versions) -> None:
        self.versions = versions
        cards, stories, days = versions.cards, versions.stories, versions.days
        self._by_type: dict[type, Callable[[Any], str]] = {
            str: "s".__add__, int: repr, bool: repr, float: repr, type(None): repr,
            dt.date: repr, dt.datetime: repr,
            Cards: lambda value: "c" + "".join(map(cards.__getitem__, map(_URL, value))),
            Story: lambda story: stories[story.url],
            Briefing: lambda briefing: days[briefing.date],
            Company: lambda company: versions.companies.get(company.key) or stamp(company),
            Topic: lambda topic: versions.topics.get(topic.slug) or stamp(topic),
            tuple: self._sequence, list: self._sequence, dict: self._mapping}
        self._mappings: dict[int, tuple[Any, str]] = {}
        self._shared: dict[int, tuple[Any, str]] = {}
        self._records: set[type] = set()  # the kinds of record met, each with its encoder

    def key(self, record: object) -> str:
        """The key of a page whose view reads record (a frozen dataclass): a hash of the
        record's encoding, in which a value in a record, sequence or mapping is prefixed with
        its length, so no two records share one."""
        if not (dataclasses.is_dataclass(record) and not isinstance(record, type)):
            raise TypeError(f"a page's inputs must be a dataclass record, not {record!r}")
        kind = type(record)
        return stamp_text((self._by_type.get(kind) or self._handler(kind))(record))

    def part(self, value: Any) -> str:
        """The encoding of one value of a record: what a view may read has a handler here;
        a model record is encoded as its stamp (versions.py), a card stamp being 24 letters."""
        handler = self._by_type.get(type(value)) or self._handler(type(value))
        return handler(value)

    def _handler(self, kind: type) -> Callable[[Any], str]:
        """The handler of a type met for the first time: its base class's, or a record's."""
        for base, handler in list(self._by_type.items()):
            if issubclass(kind, base) and base is not type(None):
                if base in self._records:  # a record's subclass: its own fields
                    handler = self._record_handler(kind)
                break
        else:
            if issubclass(kind, Mapping):
                handler = self._mapping
            elif dataclasses.is_dataclass(kind):
                handler = self._record_handler(kind)
            else:
                raise TypeError(f"cannot key a page on a {kind.__name__}: give the Stamper "
                                "(incremental/keys.py) a handler for it")
        self._by_type[kind] = handler
        return handler

    def _joined(self, values: Iterable[Any]) -> str:
        """The values' encodings, each after its length ("3:abc2:de"), so that no two
        different records share one: the loop of every key, its common cases inline (some
        70,000 pages a build at ten years, a few dozen values each)."""
        by_type, out = self._by_type, list[str]()
        append = out.append
        for value in values:
            kind = type(value)
            if kind is str:
                append(f"{len(value) + 1}:s{value}")
                continue
            if kind is int or kind is bool:
                part = repr(value)
            elif kind is tuple:
                part = self._sequence(value)
            else:
                part = (by_type.get(kind) or self._handler(kind))(value)
            append(f"{len(part)}:{part}")
        return "".join(out)

    def _record_handler(self, kind: type) -> Callable[[Any], str]:
        """The encoder of one kind of record: its name, then its fields in order."""
        self._records.add(kind)
        fields, name, joined = _fields(kind), kind.__name__, self._joined
        return lambda record: f"{name}{{{joined(fields(record))}}}"

    def _sequence(self, values: Any) -> str:
        """A sequence; a long tuple (a chart's 52 weeks, which every front page of a company
        or topic shares) is encoded once, kept with its encoding as a mapping is."""
        if len(values) < SHARED_LENGTH or type(values) is not tuple:
            return f"[{self._joined(values)}]"
        found = self._shared.get(id(values))
        if found is None:
            found = self._shared[id(values)] = (values, f"[{self._joined(values)}]")
        return found[1]

    def _mapping(self, values: Any) -> str:
        """A mapping: several pages of a list share theirs, so each is encoded once (kept
        with its encoding, so that its id is not another's while the Stamper lives)."""
        found = self._mappings.get(id(values))
        if found is None:
            pairs = [item for pair in sorted(values.items()) for item in pair]
            found = self._mappings[id(values)] = (values, f"<{self._joined(pairs)}>")
        return found[1]


def _other_fields(record: type, known: tuple[str, ...]) -> tuple[str, ...]:
    """A record's fields but the known ones, in order."""
    return tuple(field.name for field in dataclasses.fields(record)
                 if field.name not in known)


@functools.cache
def _fields(record: type) -> Callable[[Any], tuple[Any, ...]]:
    """A record's field values, in order, as one tuple."""
    names = [field.name for field in dataclasses.fields(record)]
    if len(names) == 1:
        return lambda value: (getattr(value, names[0]),)
    return attrgetter(*names)


class StoryKeys:
    """The keys of story pages, kept between builds a day at a time (cache kind "story-keys").

    Story pages are the many (55,000 at ten years), and a rebuild after one edit should not
    stamp them all. A story page's inputs record (output/page_views.py StoryInputs) is its
    day, its place in the day, its "More on" windows, each cut from one company's list of
    stories, and whether it shows its own share image; so a day's keys are kept under the
    stamp of exactly those: the day (versions.py: its file and every story of it), each
    story's place and flag, and the cards of each company list a window of it is cut from;
    and any field the record gains, as the Stamper stamps it, so that a field added to it for
    a template is in the stamp at once. A key is still the Stamper's stamp of the record, made
    whenever that stamp is new; the cache is keyed by the builder's code.
    """

    FIELDS = ("briefing", "position", "more", "own_card")
    """The fields of StoryInputs a day's stamp covers by hand (below); it stamps the others."""

    def __init__(self, stamper: Stamper, memo: FileMemo | None,
                 lists: Mapping[str, Sequence[Story]]) -> None:
        self.stamper = stamper
        self.memo = memo
        self.lists = lists  # company key -> its stories, newest first (index.by_company)
        self._list_stamps: dict[str, str] = {}

    def keys(self, days: Sequence[tuple[Briefing, Sequence[Any]]]) -> list[tuple[str, ...]]:
        """Each day's story page keys, in order, for days given as (briefing, its stories'
        inputs records); kept ones from the memo, the others stamped (and kept)."""
        stamper, memo = self.stamper, self.memo
        if memo is None:
            return [tuple(map(stamper.key, records)) for _, records in days]
        others = next((_other_fields(type(records[0]), self.FIELDS)
                       for _, records in days if records), ())
        made_of = [self._made_of(briefing, records, others) for briefing, records in days]
        return _kept_or_stamped(stamper, memo, "story-keys",
                                list(zip(made_of, (records for _, records in days),
                                         strict=True)))

    def _made_of(self, briefing: Briefing, records: Sequence[Any],
                 others: tuple[str, ...]) -> str:
        """The stamp of what a day's story records are made of: FIELDS, and others, the fields
        the records have beyond them."""
        parts = [self.stamper.versions.days[briefing.date], str(len(records))]
        part = self.stamper.part
        for record in records:
            parts.append(f"{record.position} {record.own_card} {len(record.more)}")
            parts.extend(self._list_stamp(key) for key, _ in record.more)
            if others:  # a field the record gained: stamped as its key stamps it
                parts.extend(part(getattr(record, name)) for name in others)
        return stamp_text(*parts)

    def _list_stamp(self, key: str) -> str:
        """A company's list of stories as cards, in order: what its windows are cut from."""
        found = self._list_stamps.get(key)
        if found is None:
            cards = self.stamper.versions.cards  # a card stamp holds its story's URL
            found = self._list_stamps[key] = stamp_text(key, "".join(
                map(cards.__getitem__, map(_URL, self.lists.get(key, ())))))
        return found


class ListKeys:
    """The keys of list pages (a desk's, company's or topic's), kept between builds a list at
    a time (cache kind "list-keys").

    A list's pages are one record cut into pages: output/pages.py `_list_records` gives each
    page its front page's record with a chunk of the list's stories and the chunk's
    pagination, and numbered pages no count, related tags or chart, all of which `paginate`
    derives from the list, the page size and the list's URL. So a list's keys are kept under
    the stamp of exactly those: the front page's key (every field of its record, one added to
    it too), the page size, the URL and the cards of the list's stories in order (a card stamp
    holds its URL). At ten years the 429 lists have 20,888 pages, and after an edit none of
    them needs a key made. tests/incremental/test_page_keys.py checks that a numbered page's
    record differs from its front page's in PER_PAGE alone.
    """

    PER_PAGE = ("stories", "total", "pagination", "related", "chart")
    """The fields `_list_records` sets page by page, from the list and its cut."""

    def __init__(self, stamper: Stamper, memo: FileMemo | None, per_page: int) -> None:
        self.stamper = stamper
        self.memo = memo
        self.per_page = per_page

    def keys(self, lists: Sequence[tuple[str, Sequence[Story], Sequence[object]]]
             ) -> list[tuple[str, ...]]:
        """Each list's page keys, in order, for lists given as (the list's URL, its stories,
        its pages' records, front page first); kept ones from the memo, the others stamped
        (and kept)."""
        stamper, memo = self.stamper, self.memo
        if memo is None:
            return [tuple(map(stamper.key, records)) for _, _, records in lists]
        cards = stamper.versions.cards
        made_of = [stamp_text(stamper.key(records[0]), str(self.per_page), url,
                              "".join(map(cards.__getitem__, map(_URL, stories))))
                   for url, stories, records in lists]
        return _kept_or_stamped(stamper, memo, "list-keys",
                                list(zip(made_of, (records for _, _, records in lists),
                                         strict=True)))


def _kept_or_stamped(stamper: Stamper, memo: FileMemo, kind: str,
                     groups: list[tuple[str, Sequence[Any]]]) -> list[tuple[str, ...]]:
    """Each group's page keys, for groups given as (the stamp of what its records are made
    of, the records): kept in memo under that stamp, or stamped (and kept). A kept value of
    the wrong shape is stamped again: a memo row is only ever a shortcut."""
    kept = memo.get_many(kind, [made_of for made_of, _ in groups])
    made: dict[str, tuple[str, ...]] = {}
    found = []
    for made_of, records in groups:
        keys = kept.get(made_of)
        if not (isinstance(keys, tuple) and len(keys) == len(records)
                and all(isinstance(key, str) for key in keys)):
            keys = made[made_of] = tuple(map(stamper.key, records))
        found.append(keys)
    memo.put_many(kind, made)
    memo.retain(kind, {made_of for made_of, _ in groups})
    return found
