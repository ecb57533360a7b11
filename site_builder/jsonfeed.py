"""JSON Feed 1.1 writer (https://www.jsonfeed.org/version/1.1/): feedgen has none.

It writes the same channel as the RSS and Atom files, so the three formats always agree.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from site_builder.config import SiteConfig

if TYPE_CHECKING:
    from site_builder.feeds import Channel, Entry

VERSION = "https://jsonfeed.org/version/1.1"
FEED_NAME = "feed.json"


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
        "date_modified": rfc3339(entry.published),
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
