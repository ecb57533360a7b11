"""Direct tests of the page plan (output/pages.py) and the page kinds (output/page_views.py):
what each kind's inputs record holds, what its view makes of it, and which pages are keyed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO_ROOT

from site_builder.config import load_config
from site_builder.incremental.keys import Cards
from site_builder.incremental.versions import version_site
from site_builder.index import index_site
from site_builder.model import Card, card
from site_builder.output import page_views as kinds
from site_builder.output.pages import Page, path_for, plan_pages
from site_builder.pipeline import load_site
from site_builder.report import Reporter


@pytest.fixture(scope="module")
def planned() -> tuple[list[Page], list[Page]]:
    """The sample site's pages, unkeyed and keyed."""
    site = load_site(load_config(REPO_ROOT)[0], Reporter(0))
    index = index_site(site)
    versions = version_site(site, index, {b.source.path: str(b.date) for b in site.briefings})
    return plan_pages(site, index), plan_pages(site, index, versions)


def of_kind(pages: list[Page], record: type) -> list[Page]:
    return [page for page in pages if isinstance(page.inputs, record)]


def test_every_page_but_the_whole_site_ones_is_keyed_and_keys_differ(planned):
    unkeyed, keyed = planned
    assert [p.path for p in unkeyed] == [p.path for p in keyed]
    assert all(page.key == "" for page in unkeyed)
    whole = {p.path for p in of_kind(keyed, kinds.WholeSite)}
    assert whole == {"archive/index.html", "search/index.html", "404.html",
                     "sections/index.html", "companies/index.html", "topics/index.html",
                     "trends/index.html"}
    keys = [page.key for page in keyed if page.path not in whole]
    assert all(keys)
    # an edition's two files share one record, so one key; no two other pages share one
    editions = [p.key for p in of_kind(keyed, kinds.EditionInputs)]
    assert len(set(keys)) == len(keys) - len(editions) // 2


def test_a_story_page_reads_its_day_its_place_and_its_more_on_cards(planned):
    pages = planned[1]
    page = next(p for p in of_kind(pages, kinds.StoryInputs) if p.inputs.more)
    inputs = page.inputs
    story = inputs.briefing.stories[inputs.position]
    assert page.path == path_for(story.url) and page.template == "story.html"
    view = page.context()
    assert view["story"]["url"] == story.url
    assert [link["url"] for link in view["day_stories"]] == \
        [s.url for s in inputs.briefing.stories]
    for (key, cards), shown in zip(inputs.more, view["more"], strict=True):
        assert isinstance(cards, Cards) and key in story.companies
        assert [c["url"] for c in shown["stories"]] == [s.url for s in cards]
        assert story.url not in [s.url for s in cards]


def test_a_day_page_links_its_neighbours_in_its_own_language(planned):
    pages = of_kind(planned[1], kinds.DayInputs)
    middle = pages[1].inputs
    assert middle.newer is not None and middle.older is not None
    view = pages[1].context()
    assert view["newer"]["url"] == middle.newer.url == f"/{middle.newer.date:%Y/%m/%d}/"
    assert view["older"]["date"] == middle.older.date.isoformat()
    assert pages[0].inputs.newer is None and pages[-1].inputs.older is None


def test_numbered_list_pages_show_no_count_and_no_related_tags(tmp_path: Path):
    from test_render import goertek_days

    site = load_site(load_config(goertek_days(tmp_path / "s", 10, per_page=2))[0], Reporter(0))
    lists = [p for p in of_kind(plan_pages(site, index_site(site)), kinds.ListInputs)
             if p.inputs.kind == "company"]
    front, numbered = lists[0], lists[1:]
    assert front.inputs.total == 10 and front.context()["story_count"] == 10
    assert numbered and all(p.inputs.total is None and p.inputs.related == ()
                            and p.context()["story_count"] is None for p in numbered)
    assert front.context()["company"]["name"] == "Goertek"


def test_a_list_view_sees_cards_not_bodies(planned):
    assert not {"body_html", "body_markdown", "words"} & set(Card._fields)
    page = of_kind(planned[1], kinds.ListInputs)[0]
    story = page.inputs.stories[0]
    shown = page.context()["stories"][0]
    assert shown["url"] == card(story).url and "body_html" not in shown


def test_a_view_reads_only_its_record_and_the_chrome(planned):
    """Swap a story page's record for another's: the view follows the record alone."""
    pages = of_kind(planned[1], kinds.StoryInputs)
    first, other = pages[0], pages[-1]
    moved = first._replace(inputs=other.inputs)
    assert moved.context() == other.context()


def test_the_whole_site_pages_count_what_the_index_holds(planned):
    pages = {p.path: p for p in of_kind(planned[0], kinds.WholeSite)}
    archive = pages["archive/index.html"].context()
    site = pages["archive/index.html"].inputs.site
    assert archive["day_count"] == len(site.briefings)
    assert sum(len(m["days"]) for y in archive["years"] for m in y["months"]) == \
        len(site.briefings)
    companies = pages["companies/index.html"].context()
    assert sum(len(g["companies"]) for g in companies["groups"]) == \
        len(pages["companies/index.html"].inputs.index.companies)
    assert pages["404.html"].context()["page"]["kind"] == "404"
