"""Cheap version stamps of the model's parts, so unchanged pages are known without a view.

A page's key is a hash of the stamps of what it shows. Equal keys (under one theme hash)
mean equal views, so a rebuild can keep the old file without building the view at all: what
makes a rebuild after one edit cost links, not renders, on a site of ten years.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass

from site_builder.index import SiteIndex
from site_builder.model import Site, Story

_SEPARATOR = "\x1f"


def stamp(*parts: object) -> str:
    """A short hash of parts: repr is stable for the str, int and tuple values used here."""
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"),
                           digest_size=12).hexdigest()


def stamp_text(*parts: str) -> str:
    """stamp() of strings alone, joined rather than repr'd: a third of the cost, for the
    hundreds of thousands of stamps a site of ten years takes. Parts holding the separator
    take stamp() instead (its repr never starts with the marker byte, so the two never meet).
    """
    joined = _SEPARATOR.join(parts)
    if joined.count(_SEPARATOR) != len(parts) - 1:
        return stamp(*parts)
    return hashlib.blake2b(("\x1e" + joined).encode("utf-8", "surrogatepass"),
                           digest_size=12).hexdigest()


def text_stamp(story: Story) -> str:
    """What a story says, as parsed from its file: computed once, when it is parsed (split.py),
    and kept with it, as it hashes every story's body."""
    return story.text_stamp or stamp_text(
        story.day.isoformat(), story.section, story.section_slug, str(story.position),
        story.headline, story.headline_html, story.title, story.body_markdown, story.body_html,
        story.summary, str(story.words), str(story.reading_minutes), story.slug, story.url)


def with_text_stamp(story: Story) -> Story:
    return dataclasses.replace(story, text_stamp=text_stamp(story))


@dataclass(frozen=True, slots=True)
class Versions:
    """Stamps of every story, day and of the site-wide tables."""

    stories: dict[str, str]  # story url -> stamp (its text, its day's time and language, tags)
    cards: dict[str, str]  # story url -> stamp of what a list shows of it (no body)
    days: dict[dt.date, str]  # day -> stamp of its file's bytes and its stories


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
        # What a story's feed entry shows of its day: the day's time and language.
        day_facts = f"{briefing.published.isoformat() if briefing.published else ''} {lang}"
        day_stamps = []
        for section in briefing.sections:
            for story in section.stories:
                url = story.url
                # The count of companies first: where the topics start is never in doubt.
                tags = [str(len(story.companies)),
                        *[company_stamps.get(key, key) for key in story.companies],
                        *[topic_stamps.get(slug, slug) for slug in story.topics]]
                story_stamp = stories[url] = stamp_text(text_stamp(story), day_facts, *tags)
                # A card is the story without its body: editing a body leaves lists alone.
                cards[url] = stamp_text(url, story.title, story.headline_html, story.summary,
                                        story.section, story.section_slug,
                                        str(story.reading_minutes), lang, *tags)
                day_stamps.append(story_stamp)
        days[briefing.date] = stamp_text(digest, briefing.date.isoformat(), *day_stamps)
    return Versions(stories=stories, cards=cards, days=days)
