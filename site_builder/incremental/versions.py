"""Cheap version stamps of the model's parts, so unchanged pages are known without a view.

A page's key is a hash of the stamps of what it shows. Equal keys (under one theme hash)
mean equal views, so a rebuild can keep the old file without building the view at all: what
makes a rebuild after one edit cost links, not renders, on a site of ten years.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeGuard

from site_builder.file_memo import FileMemo
from site_builder.index import SiteIndex
from site_builder.model import Briefing, Site, card_fields
from site_builder.stamps import stamp, stamp_text, text_stamp


@dataclass(frozen=True, slots=True)
class Versions:
    """Stamps of every story, day and of the site-wide tables."""

    stories: dict[str, str]  # story url -> stamp (its text, its day's time and language, tags)
    cards: dict[str, str]  # story url -> stamp of what a list shows of it (no body)
    days: dict[dt.date, str]  # day -> stamp of its file's bytes and its stories
    companies: dict[str, str] = dataclasses.field(default_factory=dict)  # key -> its stamp
    topics: dict[str, str] = dataclasses.field(default_factory=dict)  # slug -> its stamp


def version_site(site: Site, index: SiteIndex, digests: dict[str, str],
                 memo: FileMemo | None = None,
                 text_stamps: Mapping[str, tuple[str, ...]] | None = None) -> Versions:
    """digests: each content file's sha256, by the path the briefings carry; text_stamps, its
    stories' text stamps (stamps.text_stamp, taken at load while the bodies were at hand),
    where the stories hold no body; without them a story is stamped from its fields.

    A file's stamps depend on its bytes, its stories' tags and the stamps of the site's
    companies and topics, so with a memo they are kept by those, and a rebuild stamps only
    the stories of files whose key is new (two hashes a story, 110,000 at ten years).
    """
    # Each company and topic stamped once: a story shows their names, tickers and links.
    company_stamps = {key: stamp(company) for key, company in index.companies.items()}
    topic_stamps = {slug: stamp(topic) for slug, topic in index.topics.items()}
    world = stamp(sorted(company_stamps.items()), sorted(topic_stamps.items()))
    briefings = [(briefing, briefing.stories, digests.get(briefing.source.path, ""))
                 for briefing in site.briefings]
    keys = [stamp_text(digest, world, repr([(s.companies, s.topics) for s in stories]))
            if digest and memo is not None else "" for _, stories, digest in briefings]
    kept = memo.get_many("versions", [key for key in keys if key]) if memo is not None else {}
    made: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    stories_stamps: dict[str, str] = {}
    cards: dict[str, str] = {}
    days: dict[dt.date, str] = {}
    for (briefing, stories, digest), key in zip(briefings, keys, strict=True):
        found = kept.get(key) if key else None
        if not _fits(found, len(stories)):
            texts = (text_stamps or {}).get(briefing.source.path)
            found = _file_stamps(briefing, texts if texts and len(texts) == len(stories)
                                 else tuple(map(text_stamp, stories)), company_stamps,
                                 topic_stamps)
            if key:
                made[key] = found
        urls = [story.url for story in stories]
        stories_stamps.update(zip(urls, found[0]))
        cards.update(zip(urls, found[1]))
        days[briefing.date] = stamp_text(digest, briefing.date.isoformat(), *found[0])
    if memo is not None:
        memo.put_many("versions", made)
        memo.retain("versions", {key for key in keys if key})
    return Versions(stories=stories_stamps, cards=cards, days=days, companies=company_stamps,
                    topics=topic_stamps)


def _fits(found: object, count: int) -> TypeGuard[tuple[tuple[str, ...], tuple[str, ...]]]:
    """A kept value of the right shape: a memo row is only ever a shortcut."""
    return isinstance(found, tuple) and len(found) == 2 and all(
        isinstance(part, tuple) and len(part) == count for part in found)


def _file_stamps(briefing: Briefing, texts: tuple[str, ...],
                 company_stamps: dict[str, str], topic_stamps: dict[str, str]
                 ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each story's stamp (its text, its day's time and language, its tags), and its card's."""
    lang = briefing.lang
    # What a story's feed entry shows of its day: the day's time and language.
    day_facts = f"{briefing.published.isoformat() if briefing.published else ''} {lang}"
    story_stamps, cards = [], []
    for story, text in zip(briefing.stories, texts, strict=True):
        # The count of companies first: where the topics start is never in doubt.
        # A story shown before its time (serve --drafts) is marked as such on every page.
        tags = ["scheduled" if story.scheduled else "", str(len(story.companies)),
                *[company_stamps.get(key, key) for key in story.companies],
                *[topic_stamps.get(slug, slug) for slug in story.topics]]
        story_stamps.append(stamp_text(text, day_facts, *tags))
        # A card is the story without its body: editing a body leaves lists alone.
        # (its fields are model.Card's, the only ones a list's view can read of it)
        cards.append(stamp_text(*map(str, card_fields(story)), lang, *tags))
    return tuple(story_stamps), tuple(cards)
