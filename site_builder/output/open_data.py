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
from site_builder.stamps import stamp_text

FORMAT = 1  # the "format" field: raised when a field changes meaning or goes


@dataclass(frozen=True, slots=True)
class DataFile:
    """One subject's weekly counts as a JSON file.

    It holds the subject's stories as its page lists them, and lists their dates and URLs
    only when it is made: at ten years the files name 144,000 stories, and a rebuild makes
    none of them unless its inputs changed.
    """

    path: str  # "data/companies/xiaomi.json"
    subject: dict[str, object]  # what the file says the subject is
    page: str  # the subject's page, absolute
    listed: Sequence[Story]  # its stories (index.by_company / by_topic)
    config: SiteConfig  # for the stories' absolute URLs

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,)

    @property
    def source(self) -> str:
        return f"open data {self.path}"

    def inputs(self) -> list[object]:
        """All the file says of its stories is each one's day, place in it and URL (the base
        URL is in the config, which every job's fingerprint holds)."""
        return [FORMAT, self.subject, self.page, stamp_text(*(
            f"{story.day} {story.position} {story.url}" for story in self.listed))]

    def stories(self) -> tuple[tuple[str, str], ...]:
        """(ISO date, absolute URL) of each story, oldest first, in reading order within a
        day."""
        absolute = self.config.absolute
        return tuple((story.day.isoformat(), absolute(story.url))
                     for _, week in stories_by_week(self.listed) for story in week)

    def make(self) -> list[tuple[str, bytes]]:
        stories = self.stories()
        weeks = []
        by_week: dict[str, list[tuple[str, str]]] = {}
        for date, url in stories:
            by_week.setdefault(_week_of(date), []).append((date, url))
        for week, items in sorted(by_week.items(), key=lambda item: item[1][0][0]):
            weeks.append({"week": week, "start": _monday(items[0][0]), "count": len(items),
                          "stories": [url for _, url in items]})
        data = {"format": FORMAT, **self.subject, "page": self.page,
                "story_count": len(stories), "weeks": weeks}
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
            config.absolute(company.url), index.by_company.get(key, ()), config))
    for slug, topic in sorted(index.topics.items()):
        files.append(DataFile(
            f"data/topics/{topic.slug}.json",
            {"kind": "topic", "key": topic.slug, "name": topic.name, "slug": topic.slug},
            config.absolute(topic.url), index.by_topic.get(slug, ()), config))
    return files

