"""Unit tests of versions.py: the stamps that key pages and feeds, and their per-file memo."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import REPO_ROOT, DictMemo

from site_builder.config import load_config
from site_builder.incremental.versions import Versions, version_site
from site_builder.index import index_site
from site_builder.model import Site
from site_builder.pipeline import load_site
from site_builder.report import Reporter


@pytest.fixture(scope="module")
def site() -> Site:
    loaded = load_site(load_config(REPO_ROOT)[0], Reporter(0))
    assert len(loaded.briefings) > 1 and index_site(loaded).companies  # enough to mean a thing
    return loaded


def digests_of(site: Site) -> dict[str, str]:
    return {b.source.path: f"digest of {b.source.path}" for b in site.briefings}


def as_tuple(versions: Versions) -> tuple[object, ...]:
    return versions.stories, versions.cards, versions.days


def test_stamps_from_the_memo_are_the_stamps_made_afresh(site: Site):
    index, digests, memo = index_site(site), digests_of(site), DictMemo()
    fresh = version_site(site, index, digests)
    assert as_tuple(version_site(site, index, digests, memo)) == as_tuple(fresh)
    assert memo.puts == len(site.briefings)
    again = version_site(site, index, digests, memo)
    assert as_tuple(again) == as_tuple(fresh) and memo.puts == len(site.briefings)


def test_a_changed_file_alone_is_stamped_again(site: Site):
    index, digests, memo = index_site(site), digests_of(site), DictMemo()
    before = version_site(site, index, digests, memo)
    first = site.briefings[0]
    digests[first.source.path] = "another digest"
    after = version_site(site, index, digests, memo)
    assert memo.puts == len(site.briefings) + 1
    assert after.days[first.date] != before.days[first.date]
    assert {d: s for d, s in after.days.items() if d != first.date} == \
        {d: s for d, s in before.days.items() if d != first.date}


def test_a_renamed_company_restamps_its_stories_though_no_file_changed(site: Site):
    """The memo key covers the companies' own stamps: their names show on every card."""
    index, digests, memo = index_site(site), digests_of(site), DictMemo()
    before = version_site(site, index, digests, memo)
    key, company = next(iter(index.companies.items()))
    renamed = dataclasses.replace(index, companies={
        **index.companies, key: dataclasses.replace(company, name=company.name + " Group")})
    after = version_site(site, renamed, digests, memo)
    assert as_tuple(after) == as_tuple(version_site(site, renamed, digests))
    story = index.by_company[key][0]
    assert after.cards[story.url] != before.cards[story.url]


def test_retagged_stories_are_restamped_though_their_file_did_not_change(site: Site):
    index, digests, memo = index_site(site), digests_of(site), DictMemo()
    version_site(site, index, digests, memo)
    briefing = site.briefings[0]
    story = briefing.stories[0]
    section = next(s for s in briefing.sections if story in s.stories)
    retagged_story = story.tagged(story.companies, ())
    retagged = dataclasses.replace(site, briefings=(dataclasses.replace(briefing, sections=tuple(
        dataclasses.replace(s, stories=tuple(retagged_story if t is story else t
                                             for t in s.stories)) if s is section else s
        for s in briefing.sections)), *site.briefings[1:]))
    after = version_site(retagged, index_site(retagged), digests, memo)
    assert as_tuple(after) == as_tuple(version_site(retagged, index_site(retagged), digests))


def test_a_damaged_memo_row_is_only_a_miss(site: Site):
    index, digests, memo = index_site(site), digests_of(site), DictMemo()
    fresh = version_site(site, index, digests, memo)
    for number, key in enumerate(list(memo.rows)):
        memo.rows[key] = ("not", "stamps") if number % 2 else None
    assert as_tuple(version_site(site, index, digests, memo)) == as_tuple(fresh)

