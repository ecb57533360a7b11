"""What a feed entry is, and how each format writes it: RSS 2.0 and Atom 1.0 (feedgen) and
JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/, written from the spec: feedgen writes no
JSON Feed). One module, so a field added to Entry is written by all three in the same place;
feeds.py makes the entries from the model.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from site_builder import __version__
from site_builder.config import SiteConfig
from site_builder.output.feed_hub import HubLink

VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "site_builder"
RSS_NAME, ATOM_NAME, JSON_NAME = "feed.xml", "atom.xml", "feed.json"
"""Each feed's three files, in every folder that has a feed: the one place they are named."""
FORMATS = {RSS_NAME: "RSS", ATOM_NAME: "Atom", JSON_NAME: "JSON Feed"}
MEDIA_TYPES = {RSS_NAME: "application/rss+xml", ATOM_NAME: "application/atom+xml",
               JSON_NAME: "application/feed+json"}


@dataclass(frozen=True, slots=True)
class Category:
    """A company or topic an entry is filed under, with the page that lists it."""

    name: str
    url: str  # absolute


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed, in no particular format; every text is already XML-safe."""

    id: str
    title: str
    url: str  # absolute permalink
    published: dt.datetime  # aware; the updated time too, unless the story has notes
    summary: str  # plain text
    content_html: str  # every link absolute
    categories: tuple[Category, ...]
    lang: str
    order: tuple[int, str]  # tie-break after time: position in the day, then permalink
    modified: dt.datetime | None = None  # its newest correction or update, if any

    @property
    def updated(self) -> dt.datetime:
        return self.modified or self.published


@dataclass(frozen=True, slots=True)
class Channel:
    """One feed in all three formats: what it is about, where it lives, what it holds."""

    base: str  # site-relative folder the three files live in, "/companies/<slug>/"
    page: str  # site-relative URL of the HTML page the feed mirrors
    title: str
    description: str
    language: str
    author: str
    icon: str  # absolute, or "" when the site has none
    updated: dt.datetime
    entries: tuple[Entry, ...]  # newest first
    hub: str = ""  # a WebSub hub to announce (config.hub), or ""

    def file_url(self, config: SiteConfig, name: str) -> str:
        return config.absolute(self.base + name)


def json_feed(channel: Channel, config: SiteConfig) -> bytes:
    """The channel as JSON Feed 1.1 bytes; keys in a fixed order, so builds are identical."""
    authors = [{"name": channel.author}]
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": channel.title,
        "home_page_url": config.absolute(channel.page),
        "feed_url": channel.file_url(config, JSON_NAME),
        "description": channel.description,
        "language": channel.language,
        "authors": authors,
    }
    if channel.icon:
        feed["icon"] = feed["favicon"] = channel.icon
    if channel.hub:
        feed["hubs"] = [{"type": "WebSub", "url": channel.hub}]
    feed["items"] = [_item(entry, authors) for entry in channel.entries]
    text = json.dumps(feed, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def _item(entry: Entry, authors: list[dict[str, str]]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "url": entry.url,
        "title": entry.title,
        "content_html": entry.content_html,
        "summary": entry.summary,
        "date_published": rfc3339(entry.published),
        "date_modified": rfc3339(entry.updated),
        "authors": authors,
        "language": entry.lang,
    }
    tags = list(dict.fromkeys(category.name for category in entry.categories))
    if tags:
        item["tags"] = tags
    return item


def rfc3339(moment: dt.datetime) -> str:
    """An aware time as RFC 3339, to the second ("2025-03-27T08:00:00+08:00")."""
    return moment.replace(microsecond=0).isoformat()


def xml_feeds(channel: Channel, config: SiteConfig) -> tuple[bytes, bytes]:
    """The RSS and Atom files of a channel, from one feedgen generator."""
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)  # dc:creator: RSS authors need email
    generator.register_extension("entry_lang", BaseExtension, _EntryLanguage, rss=False)
    if channel.hub:
        generator.register_extension("hub", HubLink, BaseEntryExtension, atom=False)
        generator.hub.url = channel.hub
    generator.id(channel.file_url(config, ATOM_NAME))
    generator.title(channel.title)
    generator.subtitle(channel.description)
    generator.language(channel.language)
    generator.author(name=channel.author)
    generator.updated(channel.updated)  # also lastBuildDate; feedgen would use the clock
    if channel.icon:
        generator.icon(channel.icon)
        generator.logo(channel.icon)
    for entry in channel.entries:
        item = generator.add_entry(order="append")  # feedgen prepends by default
        item.id(entry.id)
        item.title(entry.title)
        item.link(href=entry.url, rel="alternate", type="text/html")
        item.published(entry.published)
        item.updated(entry.updated)
        item.author(name=channel.author)
        item.dc.dc_creator(channel.author)
        if entry.lang and entry.lang != channel.language:
            item.dc.dc_language(entry.lang)
            item.entry_lang.lang = entry.lang
        # Readers take RSS descriptions as HTML, so the plain summary goes in escaped.
        item.summary(html.escape(entry.summary, quote=False), type="html")
        item.content(entry.content_html, type="html")
        for category in entry.categories:
            item.category(term=category.name, scheme=category.url)
    page = config.absolute(channel.page)
    # RSS takes its channel link from the last link given, so the page goes last.
    _links(generator.link, channel.file_url(config, RSS_NAME), MEDIA_TYPES[RSS_NAME], page,
           channel.hub)
    generator.generator(f"{GENERATOR} {__version__}")
    # Readers take the RSS channel description as HTML too: escape the plain text once more.
    generator.subtitle(html.escape(channel.description, quote=False))
    rss: bytes = generator.rss_str(pretty=True)
    generator.subtitle(channel.description)
    _links(generator.link, channel.file_url(config, ATOM_NAME), MEDIA_TYPES[ATOM_NAME], page,
           channel.hub)
    generator.generator(GENERATOR, version=__version__)
    atom: bytes = generator.atom_str(pretty=True)
    return rss, atom


class _EntryLanguage(BaseEntryExtension):  # type: ignore[misc]
    """xml:lang on an Atom entry in another language than its feed; feedgen has no field."""

    lang = ""

    def extend_atom(self, entry: Any) -> Any:
        if self.lang:
            entry.set("{http://www.w3.org/XML/1998/namespace}lang", self.lang)
        return entry


def _links(link: Callable[..., object], self_url: str, media_type: str, page: str,
           hub: str = "") -> None:
    """The feed's own URL, its page, and its WebSub hub (RSS takes the hub from HubLink)."""
    link([{"href": self_url, "rel": "self", "type": media_type},
          *([{"href": hub, "rel": "hub"}] if hub else []),
          {"href": page, "rel": "alternate", "type": "text/html"}], replace=True)
