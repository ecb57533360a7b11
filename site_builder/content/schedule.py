"""Publication times: parsing them, and holding back what is not yet due.

A day (front matter ``publish:``), a desk or a story (a ``Publish: 2025-03-28 15:30`` line
right under its heading) may carry the time it goes public, in the site's zone unless an
offset is given. ``hold`` is the one step that leaves out what is not due as of an instant: it
runs before tagging, so no page, list, feed, search record or sitemap ever sees a held story.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from site_builder.model import Briefing

# "Publish: 2025-03-28 15:30", "Publish: 2025-03-28T15:30+08:00" (see docs/content-format.md)
PUBLISH_LINE = re.compile(r"^Publish\s*[:：]\s*(.*)$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2}(?::\d{2})?)\s*(Z|[+-]\d{2}:?\d{2})?$")
TIME_HINT = "write it as YYYY-MM-DD HH:MM, with an offset if not in the site's zone " \
            "(2025-03-28 15:30 or 2025-03-28T15:30+08:00)"


def parse_time(text: str, zone: dt.tzinfo) -> dt.datetime:
    """An aware time in the site's zone from "YYYY-MM-DD HH:MM[:SS][offset]" (no offset: the
    time is the site's).

    Raises ValueError with the reason, for the caller to put a path and line on.
    """
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"{text.strip()!r} is not a date and time")
    day, clock, offset = match.groups()
    if offset and offset != "Z" and ":" not in offset:
        offset = offset[:3] + ":" + offset[3:]
    hour, _, rest = clock.partition(":")
    try:
        moment = dt.datetime.fromisoformat(f"{day}T{int(hour):02d}:{rest}{offset or ''}")
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a real date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    # Shown in the site's zone everywhere (pages, feeds), whatever offset it was written in.
    return moment.astimezone(zone).replace(microsecond=0)


def show_time(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """"2025-03-28 15:30 +08:00": a time as the summary line and `schedule` print it."""
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


@dataclass(frozen=True, slots=True)
class Held:
    """A story not yet due: when it falls due, where it is written, its headline."""

    time: dt.datetime
    path: str
    line: int
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Schedule:
    """The briefings as of an instant, and what they leave out until later."""

    briefings: tuple[Briefing, ...]
    held: tuple[Held, ...]  # soonest first
    latest_due: dt.datetime | None  # the latest publication time already passed, if any

    @property
    def next_due(self) -> dt.datetime | None:
        return self.held[0].time if self.held else None

    def summary(self, zone: dt.tzinfo) -> str:
        """"2 stories scheduled; next at 2025-03-28 15:30 +08:00", or "" when none waits."""
        if not self.held:
            return ""
        count = len(self.held)
        return (f"{count} {'story' if count == 1 else 'stories'} scheduled; next at "
                f"{show_time(self.held[0].time, zone)}")


def hold(briefings: tuple[Briefing, ...], as_of: dt.datetime, *, show: bool = False
         ) -> Schedule:
    """The briefings with every story not due as of as_of left out (show: kept, marked
    ``scheduled``, for `serve --drafts`). A desk or day left without stories goes too.

    A pure function of the briefings and the instant: the same content and as-of give the
    same site, whatever the clock says.
    """
    held: list[Held] = []
    passed: list[dt.datetime] = []
    kept: list[Briefing] = []
    for briefing in briefings:
        if not briefing.stories and briefing.publish is not None and briefing.publish > as_of:
            # A day of a lead alone, not yet due: held as one item, its page with it.
            held.append(Held(briefing.publish, briefing.source.path, 1, briefing.title,
                             briefing.url))
            if show:
                kept.append(briefing)
            continue
        if not briefing.stories and briefing.publish is not None:
            passed.append(briefing.publish)
        waiting = [story for story in briefing.stories
                   if story.publish is not None and story.publish > as_of]
        passed.extend(story.publish for story in briefing.stories
                      if story.publish is not None and story.publish <= as_of)
        held.extend(Held(story.publish, story.source.path, story.source.line, story.title,
                         story.url) for story in waiting if story.publish is not None)
        if not waiting:
            kept.append(briefing)
        elif show:
            kept.append(_marked(briefing, {story.url for story in waiting}))
        elif len(waiting) < len(briefing.stories):
            kept.append(_without(briefing, {story.url for story in waiting}))
    held.sort(key=lambda item: (item.time, item.path, item.line))
    return Schedule(tuple(kept), tuple(held), max(passed, default=None))


def _without(briefing: Briefing, urls: set[str]) -> Briefing:
    sections = tuple(replace(section, stories=stories) for section in briefing.sections
                     if (stories := tuple(s for s in section.stories if s.url not in urls)))
    return replace(briefing, sections=sections)


def _marked(briefing: Briefing, urls: set[str]) -> Briefing:
    sections = tuple(replace(section, stories=tuple(
        s._replace(scheduled=True) if s.url in urls else s for s in section.stories))
        for section in briefing.sections)
    return replace(briefing, sections=sections)


def held_files(before: tuple[Briefing, ...], after: tuple[Briefing, ...]) -> Iterator[
        tuple[str, str]]:
    """(path, a stamp of what is shown) of each file whose stories the step changed: its
    tags and stamps, kept by the file's digest, must be keyed by what is left of it too."""
    now = {briefing.source.path: briefing for briefing in after}
    for briefing in before:
        found = now.get(briefing.source.path)
        if found is None or found is briefing:
            continue
        yield briefing.source.path, " ".join(
            f"{story.url}{'*' if story.scheduled else ''}" for story in found.stories)
