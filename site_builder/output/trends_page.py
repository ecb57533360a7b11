"""The /trends/ page: the companies and topics rising this week, and the most mentioned.

"This week" is the week of the newest briefing (trends.py); a subject rises when its stories
this week beat the average of the four weeks before. The page shows only those weeks' numbers,
so its key (trends_inputs) changes only when they do: a new day in the newest week, a new
week, or a tag edit within those weeks, never an edit to an older story.
"""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.index import SiteIndex
from site_builder.output.charts import change_text, decimal, spark_view
from site_builder.output.i18n import Interface
from site_builder.output.trends import (
    BASELINE,
    SPARK_WEEKS,
    Trend,
    Weeks,
    most_mentioned,
    rising,
    week_label,
)
from site_builder.output.views import View, company_link, topic_link


@dataclass(frozen=True, slots=True)
class TrendLists:
    """What the page shows: each kind's rising subjects and most mentioned, this week."""

    companies_rising: tuple[Trend, ...]
    companies_most: tuple[Trend, ...]
    topics_rising: tuple[Trend, ...]
    topics_most: tuple[Trend, ...]

    def subjects(self) -> tuple[set[str], set[str]]:
        """The company keys and topic slugs the page names."""
        return ({t.key for t in self.companies_rising + self.companies_most},
                {t.key for t in self.topics_rising + self.topics_most})


def trend_lists(weeks: Weeks) -> TrendLists:
    return TrendLists(tuple(rising(weeks.companies)), tuple(most_mentioned(weeks.companies)),
                      tuple(rising(weeks.topics)), tuple(most_mentioned(weeks.topics)))


def trends_inputs(weeks: Weeks, lists: TrendLists) -> tuple[object, ...]:
    """Everything the page shows but names and the theme: for its key."""
    return (weeks.starts[-SPARK_WEEKS:], lists)


def trends_view(index: SiteIndex, weeks: Weeks, lists: TrendLists, ui: Interface,
                page: View) -> View:
    lang = ui.lang
    newest = weeks.starts[-1] if weeks.starts else None

    def rows(items: tuple[Trend, ...], kind: str) -> list[View]:
        found = []
        for item in items:
            if kind == "company":
                link = company_link(index.companies[item.key], lang)
            else:
                link = topic_link(index.topics[item.key], lang)
            found.append({**link, "count": item.count, "average": decimal(item.average, ui),
                          "change": change_text(item, ui), "spark": spark_view(item, ui)})
        return found

    return {
        "page": page,
        "week": {"label": week_label(newest), "start": newest.isoformat(),
                 "start_text": ui.long_date(newest)} if newest else None,
        "baseline": BASELINE,
        "spark_weeks": SPARK_WEEKS,
        "groups": [
            {"id": "companies", "title": ui.gettext("Companies"),
             "rising": rows(lists.companies_rising, "company"),
             "most": rows(lists.companies_most, "company")},
            {"id": "topics", "title": ui.gettext("Topics"),
             "rising": rows(lists.topics_rising, "topic"),
             "most": rows(lists.topics_most, "topic")},
        ],
    }
