"""What each kind of page reads: one frozen record per page kind, its view's only content.

A page's view (page_views.py) is a function of its inputs record and of the Chrome (the
config, the catalogs' words, and the companies and topics named by the stories it shows);
its key is the Stamper's stamp of the same record (incremental/keys.py). So a template
variable fed from content is a field here and a line in the view, and its key follows.

What the Chrome holds is keyed elsewhere: the config and catalogs by the theme's hash, a
company or topic by the stamp of every story or card that names it (versions.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from site_builder.config import SiteConfig
from site_builder.incremental.keys import Cards
from site_builder.index import SiteIndex
from site_builder.model import Briefing, Company, Site, Topic
from site_builder.output.i18n import Interface, Interfaces

View = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Names:
    """The site's companies and topics by key, for the tags of the stories a view shows."""

    companies: Mapping[str, Company]
    topics: Mapping[str, Topic]


@dataclass(frozen=True, slots=True)
class Chrome:
    """What every view may read beside its inputs, none of it content a page key must cover:
    the config and the catalogs' words (the theme hash's), the site's feeds and path (the
    config's), and `names`, where a view looks up only the tags of stories of its inputs."""

    config: SiteConfig
    interfaces: Interfaces
    names: Names
    site_feeds: list[View]
    site_path: str  # the path the site lives under, for links in bodies

    @property
    def lang(self) -> str:
        return self.config.language

    @property
    def ui(self) -> Interface:
        """The words of the pages of the whole site, in its language."""
        return self.interfaces[self.config.language]


@dataclass(frozen=True, slots=True)
class DayRef:
    """A neighbouring day as a link shows it: its date, in its language."""

    date: dt.date
    lang: str

    @property
    def url(self) -> str:
        return f"/{self.date:%Y/%m/%d}/"


@dataclass(frozen=True, slots=True)
class HomeInputs:
    briefings: tuple[Briefing, ...]  # newest first; on the front page the first shows whole
    pagination: View


@dataclass(frozen=True, slots=True)
class DayInputs:
    briefing: Briefing
    newer: DayRef | None
    older: DayRef | None


@dataclass(frozen=True, slots=True)
class StoryInputs:
    briefing: Briefing  # its day: the story, its neighbours in the day, the day's facts
    position: int  # the story's place among the day's stories
    more: tuple[tuple[str, Cards], ...]  # "More on": (company key, its nearest stories)


@dataclass(frozen=True, slots=True)
class SectionSubject:
    """A desk, as the subject of its list pages."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class ListInputs:
    """One page of a desk's, company's or topic's stories, newest first."""

    kind: str  # "section", "company", "topic": the template and the page kind
    title: str
    stories: Cards
    total: int | None  # the list's length, shown on its front page only
    pagination: View
    feeds: list[View]
    crumbs: list[View]
    description: str
    about: View  # its subject for JSON-LD
    subject: SectionSubject | Company | Topic
    related: tuple[tuple[Company | Topic, int], ...]  # the front page's related tags


@dataclass(frozen=True, slots=True)
class EditionInputs:
    briefing: Briefing


@dataclass(frozen=True, slots=True)
class WholeSite:
    """The inputs of a page about the whole site (archive, search, the A to Z lists, 404).

    Too broad to stamp, and there are only a handful of such pages: these are keyed by their
    view's hash instead (render.py), which covers whatever the view reads.
    """

    site: Site
    index: SiteIndex
