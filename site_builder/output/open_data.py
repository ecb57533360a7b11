"""Open data: /data/companies/<slug>.json and /data/topics/<slug>.json.

Each company and topic's stories per ISO week, with the stories' URLs, for readers who draw
their own charts (the format is in docs/open-data.md). A file is a job of the feeds' shape
(paths, source, inputs(), make()), written with the pages and kept when its inputs did not
change; its bytes are JSON with sorted keys and a fixed layout, so the same content gives the
same file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from site_builder.config import SiteConfig
from site_builder.index import SiteIndex
from site_builder.model import Story
from site_builder.output.trends import stories_by_week, week_label, week_start

FORMAT = 1  # the "format" field: raised when a field changes meaning or goes


@dataclass(frozen=True, slots=True)
class DataFile:
    """One subject's weekly counts as a JSON file."""

    path: str  # "data/companies/xiaomi.json"
    subject: dict[str, object]  # what the file says the subject is
    page: str  # the subject's page, absolute
    stories: tuple[tuple[str, str], ...]  # (ISO date, absolute URL), oldest first

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,)

    @property
    def source(self) -> str:
        return f"open data {self.path}"

    def inputs(self) -> list[object]:
        return [FORMAT, self.subject, self.page, self.stories]

    def make(self) -> list[tuple[str, bytes]]:
        weeks = []
        by_week: dict[str, list[tuple[str, str]]] = {}
        for date, url in self.stories:
            by_week.setdefault(_week_of(date), []).append((date, url))
        for week, items in sorted(by_week.items(), key=lambda item: item[1][0][0]):
            weeks.append({"week": week, "start": _monday(items[0][0]), "count": len(items),
                          "stories": [url for _, url in items]})
        data = {"format": FORMAT, **self.subject, "page": self.page,
                "story_count": len(self.stories), "weeks": weeks}
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
        return [(self.path, (text + "\n").encode("utf-8"))]


def _week_of(date: str) -> str:
    return week_label(week_start(dt.date.fromisoformat(date)))


def _monday(date: str) -> str:
    return week_start(dt.date.fromisoformat(date)).isoformat()


def plan_data(config: SiteConfig, index: SiteIndex) -> list[DataFile]:
    """A file for every company and topic that has a page."""
    files = []
    for key, company in sorted(index.companies.items()):
        files.append(DataFile(
            f"data/companies/{company.slug}.json",
            {"kind": "company", "key": company.key, "name": company.name,
             "slug": company.slug, "ticker": company.ticker,
             "listings": [listing.ticker for listing in company.all_listings]},
            config.absolute(company.url), _stories(config, index.by_company.get(key, ()))))
    for slug, topic in sorted(index.topics.items()):
        files.append(DataFile(
            f"data/topics/{topic.slug}.json",
            {"kind": "topic", "key": topic.slug, "name": topic.name, "slug": topic.slug},
            config.absolute(topic.url), _stories(config, index.by_topic.get(slug, ()))))
    return files


def _stories(config: SiteConfig, stories: Sequence[Story]) -> tuple[tuple[str, str], ...]:
    """Oldest first, in reading order within a day."""
    return tuple((story.day.isoformat(), config.absolute(story.url))
                 for _, week in stories_by_week(stories) for story in week)
