"""The site model: immutable records that every stage after loading only reads."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any, NamedTuple

from site_builder.config import SiteConfig
from site_builder.errors import SourcePos


class _Record:
    """Pickles a frozen record as its class and a plain tuple of its fields.

    The build cache and the worker processes move some 55,000 stories a build; the dataclass
    default (a dict of fields per object, restored by setattr calls) unpickles several times
    slower than one constructor call.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        record: Any = type(self)  # (typed as a class, mypy takes it for unhashable)
        return record, _fields_getter(record)(self)


@functools.cache
def _fields_getter(record: type) -> attrgetter[Any]:
    """The fields its constructor takes, in order, as one tuple (every record has more than
    one); a field derived in __post_init__ is made again."""
    fields = record.__dataclass_fields__  # type: ignore[attr-defined]
    return attrgetter(*(name for name, spec in fields.items() if spec.init))


@dataclass(frozen=True, slots=True)
class Note(_Record):
    """A correction or an update an editor added to a published story (content/notes.py)."""

    kind: str  # "correction" or "update"
    time: dt.datetime  # aware
    text_html: str  # inline Markdown rendered
    text: str  # plain text, for feeds and JSON-LD
    source: SourcePos


@dataclass(frozen=True, slots=True)
class TagEdit(_Record):
    """An author's correction of the tagger on one story: ``Companies: +BYD (002594.SZ), -X``."""

    kind: str  # "companies" or "topics"
    add: bool
    value: str
    source: SourcePos


class Story(NamedTuple):
    """One story of a day: the unit that gets its own page and its own feed entries.

    A named tuple, where the other records are frozen dataclasses: as immutable, and made by
    one C-level tuple construction. A rebuild at ten years unpickles 55,000 stories, and a
    frozen dataclass's __init__ (an object.__setattr__ per field) was half of that time.
    Derive one with `_replace`.
    """

    day: dt.date
    section: str
    section_slug: str
    position: int  # 0-based reading order within the day
    headline: str  # Markdown source of the headline
    headline_html: str  # inline Markdown rendered, escaped
    title: str  # plain text, for <title>, feeds and slugs
    body_markdown: str
    body_html: str
    summary: str  # plain text, a sentence or two
    words: int  # English words plus CJK characters
    reading_minutes: int
    slug: str
    url: str  # site-relative, "/2025/03/27/<slug>/"
    source: SourcePos
    tag_edits: tuple[TagEdit, ...] = ()
    companies: tuple[str, ...] = ()  # Company.key values, in order of first mention
    topics: tuple[str, ...] = ()  # Topic.slug values
    publish: dt.datetime | None = None  # not public before: its own, its desk's or its day's
    notes: tuple[Note, ...] = ()  # corrections and updates, oldest first
    scheduled: bool = False  # shown before its time (serve --drafts): marked as such

    @property
    def modified(self) -> dt.datetime | None:
        """The time of its newest correction or update, if it has one."""
        return max((note.time for note in self.notes), default=None)

    @property
    def anchor(self) -> str:
        """The id of this story on its day page."""
        return self.slug

    def tagged(self, companies: tuple[str, ...], topics: tuple[str, ...]) -> Story:
        """This story with these tags: `_replace` without its per-call field lookups, which
        cost more than the tagging itself when a build tags 55,000 stories."""
        return Story(self.day, self.section, self.section_slug, self.position, self.headline,
                     self.headline_html, self.title, self.body_markdown, self.body_html,
                     self.summary, self.words, self.reading_minutes, self.slug, self.url,
                     self.source, self.tag_edits, companies, topics, self.publish,
                     self.notes, self.scheduled)


class Card(NamedTuple):
    """What a list shows of a story (a card): every field of it but its body and bookkeeping.

    Views of lists read cards, not stories, and the card stamp (versions.py) is made of these
    same fields, so a list page's key covers whatever a card can show.
    """

    day: dt.date
    section: str
    section_slug: str
    headline_html: str
    title: str
    summary: str
    reading_minutes: int
    slug: str
    url: str
    companies: tuple[str, ...]
    topics: tuple[str, ...]
    publish: dt.datetime | None  # shown only when scheduled (serve --drafts): when it is due
    scheduled: bool

    @property
    def anchor(self) -> str:
        return self.slug


card_fields = attrgetter(*Card._fields)
"""A story's card fields, in Card's order: `Card(*card_fields(story))`."""


def card(story: Story) -> Card:
    return Card(*card_fields(story))


@dataclass(frozen=True, slots=True)
class Section(_Record):
    """A desk of one day ("Market dynamics") with the stories filed under it."""

    name: str
    slug: str
    stories: tuple[Story, ...]


@dataclass(frozen=True, slots=True)
class Briefing(_Record):
    """One day's report, from one content file."""

    source: SourcePos  # the file, line 1
    date: dt.date
    published: dt.datetime | None  # the front matter's time, when it gives one
    title: str
    source_name: str  # front matter "source": where the report was transferred from
    lang: str
    draft: bool
    extra: tuple[tuple[str, Any], ...]  # unknown front-matter keys, for the templates
    lead_markdown: str
    lead_html: str
    sections: tuple[Section, ...]
    body_line: int  # line in the file where the Markdown body starts
    lead_text: str = ""  # the lead as plain text, for descriptions
    publish: dt.datetime | None = None  # front matter "publish": the day is held until then
    # Its sections' stories in reading order: made once, as every stage walks them.
    stories: tuple[Story, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stories",
                           tuple(story for section in self.sections for story in section.stories))

    @property
    def url(self) -> str:
        return f"/{self.date:%Y/%m/%d}/"


@dataclass(frozen=True, slots=True)
class Listing(_Record):
    """One line of a company's shares on one exchange, its ticker in canonical form."""

    ticker: str  # "002241.SZ", "01810.HK", "NVDA.O"
    exchange: str  # "SSE", "SZSE", "BSE", "HKEX", "NASDAQ", "NYSE"
    board: str  # "STAR Market", "ChiNext", ... or "" when no board rule applies


@dataclass(frozen=True, slots=True)
class Company(_Record):
    """A listed (or registered) company; its identity is its primary listing's ticker.

    A company listed on several exchanges (A and H shares, H shares and a US ADR) is one
    company: ``ticker``, ``exchange`` and ``board`` are its primary listing's, which keys it,
    and ``listings`` holds every listing, the primary first.
    """

    key: str  # canonical ticker ("002241.SZ"), or "name:<slug>" for registry-only companies
    name: str
    slug: str
    ticker: str  # canonical form, "" when the company has none
    exchange: str  # "SZSE", "SSE", "BSE", "HKEX", "NASDAQ", "NYSE", ""
    board: str  # "STAR Market", "ChiNext", ... or ""
    aliases: tuple[str, ...] = ()
    description: str = ""
    website: str = ""
    names: tuple[tuple[str, str], ...] = ()  # (language tag, display name): ("zh", "蔚来")
    listings: tuple[Listing, ...] = ()  # every listing, the primary first; () without a ticker

    @property
    def all_listings(self) -> tuple[Listing, ...]:
        """Every listing, the primary first (a record made with a ticker alone has one)."""
        if self.listings or not self.ticker:
            return self.listings
        return (Listing(self.ticker, self.exchange, self.board),)

    @property
    def url(self) -> str:
        return f"/companies/{self.slug}/"


@dataclass(frozen=True, slots=True)
class Topic(_Record):
    """A subject a reader can follow: a technology, an industry or a corporate event."""

    slug: str
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    mentions: int = 2  # keyword mentions in a story's body that tag it; the headline counts 2
    names: tuple[tuple[str, str], ...] = ()  # (language tag, display name): ("zh", "人工智能")

    @property
    def url(self) -> str:
        return f"/topics/{self.slug}/"


@dataclass(frozen=True, slots=True)
class Site:
    """Everything the renderer needs, gathered before anything is written."""

    config: SiteConfig
    briefings: tuple[Briefing, ...]  # newest first
    companies: tuple[Company, ...] = ()  # sorted by name
    topics: tuple[Topic, ...] = ()  # sorted by name
    warnings: tuple[str, ...] = field(default=())

    @property
    def stories(self) -> tuple[Story, ...]:
        """Every story, newest day first, then reading order."""
        return tuple(story for briefing in self.briefings for story in briefing.stories)


def with_stories(briefings: tuple[Briefing, ...], stories: Iterator[Story]
                 ) -> tuple[Briefing, ...]:
    """The briefings with these stories in their places, in order. A section or briefing whose
    stories are all the same objects is kept as it is rather than copied."""
    result = []
    for briefing in briefings:
        sections = []
        for section in briefing.sections:
            new = tuple(next(stories) for _ in section.stories)
            sections.append(section if _same(new, section.stories)
                            else replace(section, stories=new))
        result.append(briefing if _same(sections, briefing.sections)
                      else replace(briefing, sections=tuple(sections)))
    return tuple(result)


def _same(new: Sequence[object], old: Sequence[object]) -> bool:
    return all(a is b for a, b in zip(new, old, strict=True))
