"""Page keys, derived from the record of what a page's view reads, by one generic Stamper.

Each page kind declares an inputs record (output/page_inputs.py): a frozen dataclass holding
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
from collections.abc import Mapping
from typing import Any

from site_builder.incremental.versions import Versions
from site_builder.model import Briefing, Company, Story, Topic
from site_builder.stamps import stamp, stamp_text


class Cards(tuple[Story, ...]):
    """Stories a page shows as cards (headline, summary, tags: no body), so that the Stamper
    stamps their cards, not their bodies: editing a body leaves the lists that name it alone.
    Views read them through output/views.py's `card`, which gives the card's fields alone."""

    __slots__ = ()


class Stamper:
    """Stamps inputs records; one per build, over that build's Versions."""

    def __init__(self, versions: Versions) -> None:
        self.versions = versions

    def key(self, record: object) -> str:
        """The key of a page whose view reads record (a frozen dataclass)."""
        return self._record(record)

    def _record(self, record: object) -> str:
        if not (dataclasses.is_dataclass(record) and not isinstance(record, type)):
            raise TypeError(f"a page's inputs must be a dataclass record, not {record!r}")
        return stamp_text(type(record).__name__, *(
            self.part(getattr(record, field.name)) for field in dataclasses.fields(record)))

    def part(self, value: Any) -> str:
        """A stamp of one value of a record: every type a view may read has a branch here."""
        if isinstance(value, str):
            return "s" + value
        if value is None or isinstance(value, (bool, int, float, dt.date)):
            return repr(value)
        versions = self.versions
        if isinstance(value, Cards):
            cards = versions.cards
            return stamp_text("cards", *(cards[story.url] for story in value))
        if isinstance(value, Story):
            return versions.stories[value.url]
        if isinstance(value, Briefing):
            return versions.days[value.date]
        if isinstance(value, Company):
            return versions.companies.get(value.key) or stamp(value)
        if isinstance(value, Topic):
            return versions.topics.get(value.slug) or stamp(value)
        if isinstance(value, (tuple, list)):
            return stamp_text("seq", *map(self.part, value))
        if isinstance(value, Mapping):
            return stamp_text("map", *(self.part(k) + "=" + self.part(v)
                                       for k, v in sorted(value.items())))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self._record(value)
        raise TypeError(f"cannot key a page on a {type(value).__name__}: give the Stamper "
                        "(incremental/keys.py) a branch for it")
