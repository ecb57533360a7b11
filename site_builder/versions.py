"""Cheap version stamps of the model's parts, so unchanged pages are known without a view.

A page's key is a hash of the stamps of what it shows. Equal keys (under one theme hash)
mean equal views, so a rebuild can keep the old file without building the view at all: what
makes a rebuild after one edit cost links, not renders, on a site of ten years.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from site_builder.index import SiteIndex
from site_builder.model import Site


def stamp(*parts: object) -> str:
    """A short hash of parts: repr is stable for the str, int and tuple values used here."""
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"),
                           digest_size=12).hexdigest()


@dataclass(frozen=True, slots=True)
class Versions:
    """Stamps of every story, day and of the site-wide tables."""

    stories: dict[str, str]  # story url -> stamp (its file's bytes, place, tags as shown)
    cards: dict[str, str]  # story url -> stamp of what a list shows of it (no body)
    days: dict[dt.date, str]  # day -> stamp of the file and its stories


def version_site(site: Site, index: SiteIndex, digests: dict[str, str]) -> Versions:
    """digests: each content file's sha256, by the path the briefings carry."""
    stories: dict[str, str] = {}
    cards: dict[str, str] = {}
    days: dict[dt.date, str] = {}
    # Each company and topic stamped once: a story shows their names, tickers and links.
    company_stamps = {key: stamp(company) for key, company in index.companies.items()}
    topic_stamps = {slug: stamp(topic) for slug, topic in index.topics.items()}
    for briefing in site.briefings:
        digest = digests.get(briefing.source.path, "")
        lang = briefing.lang
        day_stamps = []
        for section in briefing.sections:
            for story in section.stories:
                url = story.url
                tags = (tuple([company_stamps.get(key, key) for key in story.companies]),
                        tuple([topic_stamps.get(slug, slug) for slug in story.topics]))
                story_stamp = stories[url] = stamp(digest, story.position, url, tags)
                # A card is the story without its body: editing a body leaves lists alone.
                cards[url] = stamp(url, story.title, story.headline_html, story.summary,
                                   story.section, story.section_slug, story.reading_minutes,
                                   lang, tags)
                day_stamps.append(story_stamp)
        days[briefing.date] = stamp(digest, briefing.date, *day_stamps)
    return Versions(stories=stories, cards=cards, days=days)
