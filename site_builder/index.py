"""Lookups built once per build, so no page ever rescans every story."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product
from typing import Protocol

from site_builder.model import Briefing, Company, Site, Story, Topic


class TagNames(Protocol):
    """Where a view looks up the companies and topics a story is tagged with."""

    @property
    def companies(self) -> Mapping[str, Company]: ...

    @property
    def topics(self) -> Mapping[str, Topic]: ...


@dataclass(frozen=True, slots=True)
class SectionInfo:
    """A desk across all days: its newest name, and its stories newest first."""

    slug: str
    name: str
    stories: tuple[Story, ...]


@dataclass(frozen=True, slots=True)
class SiteIndex:
    """Every list a page or feed needs, newest first, computed in one pass over the site."""

    stories: tuple[Story, ...]
    briefing_by_date: dict[object, Briefing]
    sections: tuple[SectionInfo, ...]
    companies: dict[str, Company]
    topics: dict[str, Topic]
    by_company: dict[str, tuple[Story, ...]]
    by_topic: dict[str, tuple[Story, ...]]
    related_topics: dict[str, tuple[tuple[str, int], ...]]  # company key -> (topic slug, count)
    related_companies: dict[str, tuple[tuple[str, int], ...]]  # topic slug -> (company key, n)


def index_site(site: Site) -> SiteIndex:
    stories = site.stories
    by_section: dict[str, list[Story]] = defaultdict(list)
    section_names: dict[str, str] = {}
    by_company: dict[str, list[Story]] = defaultdict(list)
    by_topic: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        by_section[story.section_slug].append(story)
        section_names.setdefault(story.section_slug, story.section)
        for key in story.companies:
            by_company[key].append(story)
        for slug in story.topics:
            by_topic[slug].append(story)
    # Each (company, topic) pair of every story, counted in one C-level pass.
    pairs = Counter(pair for story in stories if story.topics
                    for pair in product(story.companies, story.topics))
    company_topics: dict[str, Counter[str]] = defaultdict(Counter)
    topic_companies: dict[str, Counter[str]] = defaultdict(Counter)
    for (key, slug), count in pairs.items():
        company_topics[key][slug] = count
        topic_companies[slug][key] = count
    sections = tuple(
        SectionInfo(slug, section_names[slug], tuple(items))
        for slug, items in sorted(by_section.items())
    )
    return SiteIndex(
        stories=stories,
        briefing_by_date={briefing.date: briefing for briefing in site.briefings},
        sections=sections,
        companies={company.key: company for company in site.companies},
        topics={topic.slug: topic for topic in site.topics},
        by_company={key: tuple(items) for key, items in by_company.items()},
        by_topic={key: tuple(items) for key, items in by_topic.items()},
        related_topics={key: _most_common(counts) for key, counts in company_topics.items()},
        related_companies={key: _most_common(counts) for key, counts in topic_companies.items()},
    )


def _most_common(counts: Counter[str], limit: int = 8) -> tuple[tuple[str, int], ...]:
    """Highest count first; ties by key, so the order never depends on insertion."""
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit])
