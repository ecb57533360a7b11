"""Stories per week: the numbers behind the charts, the trends page and the open data.

A pure function of the model. Weeks are ISO weeks (Monday to Sunday) of the briefings' dates,
which are already days in the site's zone; the window is the 52 weeks ending with the week of
the newest briefing, never the clock, so the same content gives the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from site_builder.index import SiteIndex
from site_builder.model import Site, Story

WEEKS = 52  # the charts' window
BASELINE = 4  # "rising": this week against the average of the four before it
SPARK_WEEKS = 12  # the trends page's sparklines
RISING_MIN = 2  # stories this week before a subject can be rising
TOP = 10  # rows in each list of the trends page


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week of day."""
    return day - dt.timedelta(days=day.weekday())


def week_label(start: dt.date) -> str:
    """An ISO week as its standard name, "2026-W10"."""
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class Weeks:
    """Stories per week of each company and topic over the window, oldest week first."""

    starts: tuple[dt.date, ...]  # the Monday of each week of the window; () for an empty site
    companies: dict[str, tuple[int, ...]]  # company key -> stories per week
    topics: dict[str, tuple[int, ...]]  # topic slug -> stories per week

    def of_company(self, key: str) -> tuple[int, ...]:
        return self.companies.get(key, (0,) * len(self.starts))

    def of_topic(self, slug: str) -> tuple[int, ...]:
        return self.topics.get(slug, (0,) * len(self.starts))


def window(site: Site, weeks: int = WEEKS) -> tuple[dt.date, ...]:
    """The Mondays of the last `weeks` weeks, ending with the newest briefing's week."""
    if not site.briefings:
        return ()
    last = week_start(max(briefing.date for briefing in site.briefings))
    return tuple(last - dt.timedelta(weeks=back) for back in range(weeks - 1, -1, -1))


def weekly_counts(site: Site, index: SiteIndex) -> Weeks:
    """Each company's and topic's stories per week of the window: one pass over the
    briefings of the window (newest first), so a site of ten years costs one year's."""
    starts = window(site)
    if not starts:
        return Weeks((), {}, {})
    first = starts[0]
    slot = {start: number for number, start in enumerate(starts)}
    companies: dict[str, list[int]] = {}
    topics: dict[str, list[int]] = {}
    for briefing in site.briefings:
        if briefing.date < first:
            continue
        week = slot[week_start(briefing.date)]
        for story in briefing.stories:
            for key in set(story.companies):
                if key in index.companies:
                    companies.setdefault(key, [0] * len(starts))[week] += 1
            for slug in set(story.topics):
                if slug in index.topics:
                    topics.setdefault(slug, [0] * len(starts))[week] += 1
    return Weeks(starts, {key: tuple(counts) for key, counts in sorted(companies.items())},
                 {slug: tuple(counts) for slug, counts in sorted(topics.items())})


def stories_by_week(stories: Iterable[Story]) -> list[tuple[dt.date, list[Story]]]:
    """Every week with a story, oldest first, each with its stories in date and reading order
    (the open data's whole history, not the chart's window)."""
    weeks: dict[dt.date, list[Story]] = {}
    for story in sorted(stories, key=lambda s: (s.day, s.position)):
        weeks.setdefault(week_start(story.day), []).append(story)
    return sorted(weeks.items())


@dataclass(frozen=True, slots=True)
class Trend:
    """A subject's newest week against the four before it."""

    key: str  # company key or topic slug
    count: int  # stories in the newest week
    average: float  # stories a week over the four weeks before it
    spark: tuple[int, ...]  # the last SPARK_WEEKS weeks, oldest first

    @property
    def change(self) -> float:
        return self.count - self.average


def trend(key: str, counts: Sequence[int]) -> Trend:
    before = counts[-1 - BASELINE:-1] if len(counts) > 1 else ()
    average = sum(before) / BASELINE if before else 0.0
    return Trend(key, counts[-1] if counts else 0, round(average, 2),
                 tuple(counts[-SPARK_WEEKS:]))


def rising(counts: dict[str, tuple[int, ...]], top: int = TOP) -> list[Trend]:
    """The subjects whose newest week beats the average of the four before it, the largest
    rise first (ties: the higher count, then the key, so the order is fixed)."""
    found = [trend(key, series) for key, series in counts.items()]
    up = [t for t in found if t.count >= RISING_MIN and t.count > t.average]
    return sorted(up, key=lambda t: (-t.change, -t.count, t.key))[:top]


def most_mentioned(counts: dict[str, tuple[int, ...]], top: int = TOP) -> list[Trend]:
    """The subjects with the most stories in the newest week."""
    found = [trend(key, series) for key, series in counts.items() if series and series[-1]]
    return sorted(found, key=lambda t: (-t.count, t.key))[:top]
