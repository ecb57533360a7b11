"""When each feed entry went out, and which stories a feed holds: the newest feed_length.

Times come from each day's date and the configured publish time, never from the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from site_builder.config import SiteConfig
from site_builder.index import SiteIndex
from site_builder.model import Briefing, Story


def day_start(config: SiteConfig, briefing: Briefing) -> dt.datetime:
    """When a day went out: its front matter's time if it gives one, else the publish time."""
    if briefing.published is None:
        return at_publish_time(config, briefing.date)
    moment = briefing.published.replace(microsecond=0)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=config.zone)


def story_time(start: dt.datetime, position: int) -> dt.datetime:
    """A minute earlier per story, so a day's entries are distinct and the first is newest.

    The subtraction is done in UTC so a DST change inside the hour cannot make two equal. A
    time in the second pass of a repeated hour is given at its fixed UTC offset (written the
    same): Python compares two times of one zone object by their wall clocks, so 01:59 EDT
    and 01:59 EST would be equal, and 01:00 EST (the later) would sort before 01:59 EDT.
    Every other time keeps the zone, whose wall clock runs in step with UTC.
    """
    utc = start.astimezone(dt.UTC) - dt.timedelta(minutes=position)
    local = utc.astimezone(start.tzinfo)
    offset = local.utcoffset() if local.fold else None
    return local if offset is None else local.replace(tzinfo=dt.timezone(offset), fold=0)


def released(start: dt.datetime, story: Story) -> dt.datetime:
    """When a story went out: its place in its day (story_time), or its publication time when
    that is later (an embargoed story goes out when it falls due)."""
    moment = story_time(start, story.position)
    return story.publish if story.publish is not None and story.publish > moment else moment


def at_publish_time(config: SiteConfig, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, config.publish_clock, tzinfo=config.zone)


@dataclass(frozen=True, slots=True)
class FeedClock:
    """When each day went out, and the latest start of that day or any earlier one.

    The index's lists run newest day first; once no day left in a list can have gone out
    later than the feed's oldest pick, the rest of the list cannot make the feed, so a feed
    reads about feed_length stories of its list, not all of them.
    """

    starts: dict[dt.date, dt.datetime]  # day -> day_start
    latest: dict[dt.date, dt.datetime]  # day -> the latest start among that day and earlier
    newest_first: bool  # the site's days run newest first, so every index list does too
    # Each story's time once worked out, by URL: a story is in some five feeds' lists.
    known: dict[str, dt.datetime] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, config: SiteConfig, briefings: Sequence[Briefing]) -> FeedClock:
        starts = {briefing.date: day_start(config, briefing) for briefing in briefings}
        # The latest any story of a day went out: its start, or a later publication time.
        ends = {briefing.date: max([starts[briefing.date], *(
            story.publish for story in briefing.stories if story.publish is not None)])
            for briefing in briefings}
        latest: dict[dt.date, dt.datetime] = {}
        running: dt.datetime | None = None
        for day in sorted(ends):
            running = ends[day] if running is None else max(running, ends[day])
            latest[day] = running
        ordered = all(newer.date >= older.date for newer, older in pairwise(briefings))
        return cls(starts, latest, ordered)

    def time(self, config: SiteConfig, story: Story) -> dt.datetime:
        """The story's entry_time."""
        found = self.known.get(story.url)
        if found is None:
            start = self.starts.get(story.day)
            found = self.known[story.url] = released(
                start if start is not None else at_publish_time(config, story.day), story)
        return found


def pick_newest(config: SiteConfig, clock: FeedClock,
                 stories: Sequence[Story]) -> tuple[Story, ...]:
    """The feed_length newest stories; equal times by position in the day, then permalink."""
    limit = config.feed_length
    count = len(stories)
    for index in range(limit, count if clock.newest_first and limit > 0 else 0):
        day = stories[index].day
        if day != stories[index - 1].day:
            # A story is never later than its day's latest (its start, or a Publish time): stop when no day left can beat the
            # limit-th newest so far (ties go on, as position and permalink may break them).
            bound = clock.latest.get(day)
            picked = sorted((clock.time(config, s) for s in stories[:index]), reverse=True)
            if bound is not None and bound < picked[limit - 1]:
                count = index
                break
    by_order = sorted(stories[:count], key=lambda story: (story.position, story.url))
    by_time = sorted(by_order, key=lambda story: clock.time(config, story), reverse=True)
    return tuple(by_time[:limit])


def entry_time(config: SiteConfig, index: SiteIndex, story: Story) -> dt.datetime:
    """When a story went out: its day's time, a minute earlier per place in the day."""
    briefing = index.briefing_by_date.get(story.day)
    start = (day_start(config, briefing) if briefing is not None
             else at_publish_time(config, story.day))
    return released(start, story)
