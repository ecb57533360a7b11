"""JSON Feed 1.1 writer (https://www.jsonfeed.org/version/1.1/), and the feed records it shares
with the RSS and Atom writer in feeds.py, so the three formats always agree.

feedgen writes no JSON Feed; this is written from the spec.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from site_builder.config import SiteConfig

VERSION = "https://jsonfeed.org/version/1.1"
FEED_NAME = "feed.json"


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
        "feed_url": channel.file_url(config, FEED_NAME),
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
