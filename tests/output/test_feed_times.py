"""Tests for site_builder.output.feed_times: when each feed entry went out (from the day's
date and the publish time, never the clock), across time zones and DST changes, and which
stories a feed holds (pick_newest's early stop must pick what sorting every story would)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.config import SiteConfig
from site_builder.index import index_site
from site_builder.model import Briefing, Section, Site, SourcePos, Story
from site_builder.output.feed_times import (
    FeedClock,
    at_publish_time,
    day_start,
    entry_time,
    pick_newest,
    story_time,
)

UTC = dt.UTC
SHANGHAI = SiteConfig(root=Path("/site"))  # Asia/Shanghai at 08:00, no DST
NEW_YORK = SiteConfig(root=Path("/site"), timezone="America/New_York", publish_time="02:05")
ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe",
         "America/Sao_Paulo", "UTC"]


def story(day: dt.date, position: int) -> Story:
    return Story(day=day, section="S", section_slug="s", position=position,
                 headline=f"T{position}", headline_html=f"T{position}", title=f"T{position}",
                 body_markdown="", body_html="", summary="", words=1, reading_minutes=1,
                 slug=f"t{position}", url=f"/{day:%Y/%m/%d}/t{position}/",
                 source=SourcePos(f"content/{day}.md", 5 + position))


def briefing(day: dt.date, count: int, published: dt.datetime | None = None) -> Briefing:
    stories = tuple(story(day, position) for position in range(count))
    return Briefing(source=SourcePos(f"content/{day}.md", 1), date=day, published=published,
                    title="Report", source_name="", lang="en", draft=False, extra=(),
                    lead_markdown="", lead_html="", sections=(Section("S", "s", stories),),
                    body_line=5)


def instant(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC)


def test_a_day_goes_out_at_the_publish_time_in_the_site_zone() -> None:
    start = day_start(SHANGHAI, briefing(dt.date(2025, 3, 27), 1))
    assert start.isoformat() == "2025-03-27T08:00:00+08:00"
    assert start == at_publish_time(SHANGHAI, dt.date(2025, 3, 27))


def test_a_front_matter_time_wins_naive_in_the_site_zone_aware_as_written() -> None:
    naive = briefing(dt.date(2025, 3, 27), 1, dt.datetime(2025, 3, 27, 6, 30, 15, 999))
    assert day_start(SHANGHAI, naive).isoformat() == "2025-03-27T06:30:15+08:00"
    aware = briefing(dt.date(2025, 3, 27), 1,
                     dt.datetime(2025, 3, 26, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
    assert day_start(SHANGHAI, aware).isoformat() == "2025-03-26T23:00:00-05:00"


def test_the_publish_time_keeps_the_local_offset_of_each_season() -> None:
    london = SiteConfig(root=Path("/site"), timezone="Europe/London", publish_time="07:00")
    assert at_publish_time(london, dt.date(2025, 1, 15)).isoformat() == \
        "2025-01-15T07:00:00+00:00"
    assert at_publish_time(london, dt.date(2025, 7, 15)).isoformat() == \
        "2025-07-15T07:00:00+01:00"


def test_stories_go_out_a_minute_apart_first_story_newest() -> None:
    start = day_start(SHANGHAI, briefing(dt.date(2025, 3, 27), 3))
    assert [story_time(start, p).isoformat() for p in range(3)] == [
        "2025-03-27T08:00:00+08:00", "2025-03-27T07:59:00+08:00", "2025-03-27T07:58:00+08:00"]


def test_story_times_across_the_autumn_change_are_distinct_and_in_order() -> None:
    """New York at 02:05 on 2 November 2025: 01:00-01:59 happens twice, EDT then EST. Story 65
    (01:00 EST) went out a minute after story 66 (01:59 EDT); they must sort that way."""
    start = at_publish_time(NEW_YORK, dt.date(2025, 11, 2))
    times = [story_time(start, p) for p in range(130)]
    assert times[65].isoformat() == "2025-11-02T01:00:00-05:00"
    assert times[66].isoformat() == "2025-11-02T01:59:00-04:00"
    assert times[65] > times[66]
    assert times[6] != times[66]  # 01:59 EST and 01:59 EDT are an hour apart
    assert len(set(times)) == 130
    assert sorted(times, reverse=True) == times
    assert max(times) == times[0] and min(times) == times[-1]


def test_story_times_across_the_spring_change_skip_the_missing_hour() -> None:
    """New York on 9 March 2025 has no 02:00-02:59: 02:05 does not exist, so the day goes out
    at 03:05 EDT (07:05 UTC), and six minutes earlier is 01:59 EST."""
    start = at_publish_time(NEW_YORK, dt.date(2025, 3, 9))
    assert story_time(start, 0).isoformat() == "2025-03-09T03:05:00-04:00"
    assert story_time(start, 6).isoformat() == "2025-03-09T01:59:00-05:00"
    assert instant(story_time(start, 0)) - instant(story_time(start, 6)) == \
        dt.timedelta(minutes=6)
    assert story_time(start, 0) > story_time(start, 6)


@settings(deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(dt.date(2000, 1, 1), dt.date(2037, 12, 31)),
       clock=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
       position=st.integers(0, 300))
def test_a_story_time_is_its_position_in_minutes_before_the_start(
        zone: str, day: dt.date, clock: dt.time, position: int) -> None:
    config = SiteConfig(root=Path("/site"), timezone=zone, publish_time=clock.isoformat())
    start = at_publish_time(config, day)
    earlier, later = story_time(start, position + 1), story_time(start, position)
    assert instant(start) - instant(later) == dt.timedelta(minutes=position)
    assert earlier < later and earlier != later  # compared as instants, whatever the offset
    assert sorted([earlier, later]) == [earlier, later]
    assert later.utcoffset() == later.astimezone(config.zone).utcoffset()  # the local offset


def test_the_feed_clock_keeps_each_day_start_and_the_latest_up_to_it() -> None:
    days = [briefing(dt.date(2025, 3, 27), 2), briefing(dt.date(2025, 3, 26), 2,
                                                         dt.datetime(2025, 3, 28, 9, 0)),
            briefing(dt.date(2025, 3, 25), 2)]
    clock = FeedClock.of(SHANGHAI, days)
    assert clock.newest_first
    assert clock.starts[dt.date(2025, 3, 25)].isoformat() == "2025-03-25T08:00:00+08:00"
    # 26 March's edition went out (by its front matter) after 27 March's
    assert clock.latest[dt.date(2025, 3, 27)].isoformat() == "2025-03-28T09:00:00+08:00"
    assert clock.latest[dt.date(2025, 3, 26)] == clock.latest[dt.date(2025, 3, 27)]
    assert clock.latest[dt.date(2025, 3, 25)] == clock.starts[dt.date(2025, 3, 25)]
    assert not FeedClock.of(SHANGHAI, days[::-1]).newest_first


def test_a_story_of_a_day_the_clock_does_not_know_goes_out_at_the_publish_time() -> None:
    clock = FeedClock.of(SHANGHAI, [])
    assert clock.time(SHANGHAI, story(dt.date(2025, 3, 27), 2)).isoformat() == \
        "2025-03-27T07:58:00+08:00"


def test_entry_time_is_the_clock_time() -> None:
    days = (briefing(dt.date(2025, 3, 27), 3, dt.datetime(2025, 3, 27, 6, 0)),
            briefing(dt.date(2025, 3, 26), 3))
    index = index_site(Site(config=SHANGHAI, briefings=days))
    clock = FeedClock.of(SHANGHAI, days)
    for day in days:
        for item in day.stories:
            assert entry_time(SHANGHAI, index, item) == clock.time(SHANGHAI, item)
    assert entry_time(SHANGHAI, index, days[0].stories[1]).isoformat() == \
        "2025-03-27T05:59:00+08:00"
    assert entry_time(SHANGHAI, index, story(dt.date(2024, 1, 1), 0)).isoformat() == \
        "2024-01-01T08:00:00+08:00"


def by_sorting_everything(config: SiteConfig, clock: FeedClock,
                          stories: list[Story]) -> tuple[Story, ...]:
    """The definition pick_newest must meet: newest first, ties by position then URL."""
    ordered = sorted(stories, key=lambda s: (-instant(clock.time(config, s)).timestamp(),
                                             s.position, s.url))
    return tuple(ordered[:config.feed_length])


def test_a_feed_holds_the_newest_stories_in_order() -> None:
    config = SiteConfig(root=Path("/site"), feed_length=4)
    days = [briefing(dt.date(2025, 3, 27), 3), briefing(dt.date(2025, 3, 26), 3)]
    clock = FeedClock.of(config, days)
    stories = [s for day in days for s in day.stories]
    assert [s.url for s in pick_newest(config, clock, stories)] == [
        "/2025/03/27/t0/", "/2025/03/27/t1/", "/2025/03/27/t2/", "/2025/03/26/t0/"]


def test_a_late_front_matter_time_brings_an_older_day_to_the_top() -> None:
    config = SiteConfig(root=Path("/site"), feed_length=2)
    days = [briefing(dt.date(2025, 3, 27), 3), briefing(dt.date(2025, 3, 26), 1),
            briefing(dt.date(2025, 3, 25), 1, dt.datetime(2025, 3, 28, 8, 0))]
    clock = FeedClock.of(config, days)
    picked = pick_newest(config, clock, [s for day in days for s in day.stories])
    assert [s.url for s in picked] == ["/2025/03/25/t0/", "/2025/03/27/t0/"]


def test_a_feed_across_the_autumn_change_runs_in_the_order_stories_went_out() -> None:
    config = SiteConfig(root=Path("/site"), timezone="America/New_York", publish_time="02:05",
                        feed_length=70)
    days = [briefing(dt.date(2025, 11, 2), 80)]
    picked = pick_newest(config, FeedClock.of(config, days), list(days[0].stories))
    assert [s.position for s in picked] == list(range(70))


@pytest.mark.parametrize("length", [0, 1, 5])
def test_an_empty_list_or_a_zero_length_feed(length: int) -> None:
    config = SiteConfig(root=Path("/site"), feed_length=length)
    assert pick_newest(config, FeedClock.of(config, []), []) == ()


@settings(deadline=None, max_examples=150)
@given(zone=st.sampled_from(ZONES), length=st.integers(1, 8),
       shape=st.lists(st.tuples(st.integers(0, 5), st.one_of(
           st.none(), st.integers(-3000, 3000))), min_size=0, max_size=8),
       newest_first=st.booleans())
def test_the_early_stop_picks_what_sorting_every_story_picks(
        zone: str, length: int, shape: list[tuple[int, int | None]], newest_first: bool) -> None:
    """Days with any number of stories, some with a front-matter time hours or days away
    from their date (naive, in the site zone), listed newest day first or not."""
    config = SiteConfig(root=Path("/site"), timezone=zone, publish_time="01:30",
                        feed_length=length)
    first = dt.date(2025, 10, 30)  # around the autumn changes of the northern zones
    days = []
    for offset, (count, minutes) in enumerate(shape):
        day = first + dt.timedelta(days=offset)
        published = (None if minutes is None else
                     dt.datetime.combine(day, dt.time(1, 30)) + dt.timedelta(minutes=minutes))
        days.append(briefing(day, count, published))
    if newest_first:
        days.reverse()
    clock = FeedClock.of(config, days)
    stories = [s for day in days for s in day.stories]
    assert pick_newest(config, clock, stories) == by_sorting_everything(config, clock, stories)
