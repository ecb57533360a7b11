"""Chart views: the geometry and the words of the weekly charts, as plain data for the theme.

The theme draws them as inline SVG (no JavaScript) with CSS classes, so their colours follow
the page's (light, dark, print); everything a chart shows is also said in words (its title and
description) and given as numbers (a table), for readers who cannot see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from site_builder.output.i18n import Interface
from site_builder.output.trends import Trend, week_label
from site_builder.output.views import View

BAR = 10  # viewBox units per week
GAP = 2  # between bars
HEIGHT = 80  # of the tallest bar
TOP = 14  # room above the bars for the peak's label
BOTTOM = 18  # room below them for the first and last week's dates
SPARK_STEP = 8
SPARK_HEIGHT = 20


def chart_view(starts: Sequence[dt.date], counts: Sequence[int], subject: str, ui: Interface,
               chart_id: str = "weekly-chart") -> View | None:
    """A bar chart of stories per week, the newest week last, or None for an empty site."""
    if not starts:
        return None
    peak = max(counts)
    width = BAR * len(counts)
    bars = []
    for number, (start, count) in enumerate(zip(starts, counts, strict=True)):
        height = round(count / peak * HEIGHT, 1) if peak else 0
        bars.append({"x": number * BAR + GAP // 2, "width": BAR - GAP,
                     "y": round(TOP + HEIGHT - height, 1), "height": height, "count": count,
                     "newest": number == len(counts) - 1})
    return {
        "id": chart_id,
        "width": width, "height": TOP + HEIGHT + BOTTOM, "base": TOP + HEIGHT,
        "bars": [bar for bar in bars if bar["count"]],
        "peak": peak,
        "peak_y": TOP - 3,
        "label_y": TOP + HEIGHT + BOTTOM - 4,
        "first_date": ui.short_date(starts[0]),
        "last_date": ui.short_date(starts[-1]),
        "title": ui.gettext("Stories per week about %(subject)s, last %(weeks)s weeks",
                            subject=subject, weeks=ui.number(len(counts))),
        "description": describe(starts, counts, ui),
        "rows": [{"week": week_label(start), "date": start.isoformat(),
                  "date_text": ui.short_date(start), "count": count}
                 for start, count in zip(starts, counts, strict=True)],
    }


def describe(starts: Sequence[dt.date], counts: Sequence[int], ui: Interface) -> str:
    """The chart in words: its busiest week, and the newest week against the average."""
    total = sum(counts)
    if not total:
        return ui.gettext("No stories in these weeks.")
    peak = max(counts)
    peak_start = starts[counts.index(peak)]  # the first of equal peaks
    average = total / len(counts)
    return " ".join((
        ui.ngettext("%(num)s story in all.", "%(num)s stories in all.", total),
        ui.ngettext("The busiest week was the week of %(date)s, with %(num)s story.",
                    "The busiest week was the week of %(date)s, with %(num)s stories.",
                    peak, date=ui.short_date(peak_start)),
        ui.ngettext("This week: %(num)s story, against an average of %(average)s a week.",
                    "This week: %(num)s stories, against an average of %(average)s a week.",
                    counts[-1], average=decimal(average, ui)),
    ))


def decimal(value: float, ui: Interface) -> str:
    """A figure with one decimal, written the page language's way ("1.5")."""
    whole, tenths = divmod(round(abs(value) * 10), 10)
    sign = "-" if value < 0 and (whole or tenths) else ""
    return f"{sign}{ui.number(whole)}.{tenths}"


def spark_view(item: Trend, ui: Interface) -> View:
    """A sparkline of a subject's last weeks: a polyline, with its numbers in words."""
    spark = item.spark
    peak = max(spark) if spark else 0
    points = " ".join(
        f"{number * SPARK_STEP},{round(SPARK_HEIGHT - (count / peak * SPARK_HEIGHT if peak else 0), 1) + 1}"
        for number, count in enumerate(spark))
    return {
        "width": max(len(spark) - 1, 1) * SPARK_STEP, "height": SPARK_HEIGHT + 2,
        "points": points,
        "last_x": (len(spark) - 1) * SPARK_STEP,
        "last_y": round(SPARK_HEIGHT - (spark[-1] / peak * SPARK_HEIGHT if peak else 0), 1) + 1
        if spark else 0,
        "label": ui.gettext("Stories per week, the last %(weeks)s weeks: %(counts)s",
                            weeks=ui.number(len(spark)),
                            counts=", ".join(ui.number(count) for count in spark)),
    }


def change_text(item: Trend, ui: Interface) -> str:
    """The rise as a signed figure ("+2.5")."""
    text = decimal(item.change, ui)
    return text if text.startswith("-") else "+" + text
