"""Unit tests of the model records: how they copy and how they pickle."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle

from site_builder.errors import SourcePos
from site_builder.model import Briefing, Company, Section, Story, TagEdit, Topic, with_stories

EDIT = TagEdit("companies", True, "BYD (002594.SZ)", SourcePos("content/a.md", 12))
STORY = Story(
    day=dt.date(2025, 3, 27), section="Market dynamics", section_slug="market-dynamics",
    position=3, headline="**BYD** sells", headline_html="<strong>BYD</strong> sells",
    title="BYD sells", body_markdown="Body.", body_html="<p>Body.</p>", summary="Body.",
    words=3, reading_minutes=1, slug="byd-sells", url="/2025/03/27/byd-sells/",
    source=SourcePos("content/a.md", 10), tag_edits=(EDIT,), companies=("002241.SZ",),
    topics=("ev",))
BRIEFING = Briefing(
    source=SourcePos("content/a.md", 1), date=STORY.day,
    published=dt.datetime(2025, 3, 27, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    title="Morning Report", source_name="Wire", lang="en", draft=False,
    extra=(("mood", ["calm", {"x": 1}]),), lead_markdown="Lead.", lead_html="<p>Lead.</p>",
    sections=(Section("Market dynamics", "market-dynamics", (STORY,)),), body_line=6,
    lead_text="Lead.")


def test_tagged_is_replace_with_the_tags():
    assert STORY.tagged(("002594.SZ",), ()) == STORY._replace(companies=("002594.SZ",),
                                                              topics=())


def test_tagged_keeps_every_other_field():
    """A field added to Story must be passed on by tagged() too."""
    copy = STORY.tagged(STORY.companies, STORY.topics)
    assert all(getattr(copy, name) is getattr(STORY, name) for name in Story._fields)


def test_with_stories_copies_only_the_briefings_whose_stories_changed():
    other = dataclasses.replace(BRIEFING, date=dt.date(2025, 3, 28))
    retagged = STORY.tagged(("002594.SZ",), ())
    kept, changed = with_stories((BRIEFING, other), iter((STORY, retagged)))
    assert kept is BRIEFING
    assert changed is not other and changed.sections[0].stories == (retagged,)
    assert changed == dataclasses.replace(other, sections=(
        dataclasses.replace(other.sections[0], stories=(retagged,)),))


def test_a_story_is_immutable_like_the_other_records():
    import pytest

    with pytest.raises(AttributeError):
        STORY.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        BRIEFING.title = "changed"  # type: ignore[misc]


def test_records_pickle_to_equal_records():
    records = [EDIT, STORY, BRIEFING, BRIEFING.sections[0], SourcePos("x", 0),
               Company("002241.SZ", "Goertek", "goertek", "002241.SZ", "SZSE", "", ("GK",)),
               Topic("ev", "EVs", keywords=("EV",), mentions=3)]
    for record in records:
        assert pickle.loads(pickle.dumps(record, pickle.HIGHEST_PROTOCOL)) == record


def test_records_pickle_as_a_constructor_call():
    """Not the dataclass default of a state dict restored by setattr: that is slow to load."""
    assert BRIEFING.__reduce__()[0] is Briefing
    assert BRIEFING.__reduce__()[1][:3] == (BRIEFING.source, BRIEFING.date, BRIEFING.published)
    assert pickle.loads(pickle.dumps(STORY, pickle.HIGHEST_PROTOCOL)) is not STORY


def test_a_briefings_stories_are_its_sections_in_order_however_it_is_made():
    second = Section("Company news", "company-news", (STORY._replace(position=4, slug="b"),))
    two = dataclasses.replace(BRIEFING, sections=(*BRIEFING.sections, second))
    assert BRIEFING.stories == (STORY,)
    assert two.stories == (STORY, second.stories[0])
    loaded = pickle.loads(pickle.dumps(two, pickle.HIGHEST_PROTOCOL))
    assert loaded.stories == two.stories
    # It is made again on loading, not pickled: the constructor takes no such argument.
    assert len(BRIEFING.__reduce__()[1]) == sum(f.init for f in dataclasses.fields(Briefing))
