"""A page's key comes from the record its view reads (incremental/keys.py, page_views.py).

The proof the issue asks for: a template variable added the way docs/architecture.md says
(a field on the page kind's inputs record, a line in its view, a line in its template), fed
from story data no part of the page showed before, stays right on rebuilds after that data
changes: the incremental rebuild equals a full build. The same variable fed from outside the
record goes stale, which shows the check can see a key left behind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, tree_bytes

from site_builder.config import load_config
from site_builder.incremental.keys import Cards, Stamper
from site_builder.incremental.versions import Versions
from site_builder.model import Story
from site_builder.output import page_views, pages
from site_builder.output.page_views import ListInputs
from site_builder.pipeline import BuildSummary, build
from site_builder.report import Reporter

COMPANY = "Goertek"


@dataclasses.dataclass(frozen=True, slots=True)
class ListWithLongest(ListInputs):
    """ListInputs with one more field, as a developer adding a template variable writes it."""

    longest: Story | None = None  # the list's longest story, whose word count the page shows


def longest(stories: Any) -> Story | None:
    return max(stories, key=lambda s: (s.words, s.url), default=None)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(REPO_ROOT / "content", root / "content")
    (root / "site.toml").write_text("per_page = 2\n")
    theme = (REPO_ROOT / "themes/default/templates/company.html").read_text(encoding="utf-8")
    assert "{% block main %}" in theme
    (root / "templates").mkdir()
    (root / "templates/company.html").write_text(theme.replace(
        "{% block main %}", '{% block main %}<p class="longest">{{ longest_words }}</p>',
        1), encoding="utf-8")
    return root


def add_template_variable(monkeypatch: pytest.MonkeyPatch, inside_record: bool) -> None:
    """The company pages show their list's longest story's word count: a field on the
    record (inside_record), or, the wrong way, read by the view from outside it."""
    outside: dict[str, Story | None] = {}
    plan_list = pages._Planner._list_records
    list_view = page_views.list_view

    def planned(self: Any, first: ListInputs, url: str, stories: Any) -> Any:
        found = longest(stories)
        if inside_record:
            first = ListWithLongest(**{f.name: getattr(first, f.name)
                                       for f in dataclasses.fields(first)}, longest=found)
        else:
            outside[url] = found
        return plan_list(self, first, url, stories)

    def view(inputs: ListInputs, chrome: Any) -> dict[str, Any]:
        made = list_view(inputs, chrome)
        story = inputs.longest if isinstance(inputs, ListWithLongest) \
            else outside.get(inputs.pagination["url"].split("page/")[0])
        made["longest_words"] = story.words if story is not None else 0
        return made

    monkeypatch.setattr(pages._Planner, "_list_records", planned)
    monkeypatch.setattr(page_views, "list_view", view)


def lengthen_longest_story(site: Path) -> Story:
    """Append words to the body of the longest story about COMPANY, in its file."""
    from site_builder.index import index_site
    from site_builder.pipeline import load_site

    found = load_site(load_config(site)[0], Reporter(0))
    index = index_site(found)
    [company] = [c for c in index.companies.values() if c.name == COMPANY]
    story = longest(index.by_company[company.key])
    assert story is not None
    path = site / story.source.path if not Path(story.source.path).is_absolute() \
        else Path(story.source.path)
    lines = path.read_text(encoding="utf-8").split("\n")
    at = story.source.line  # its heading's line (1-based); its first paragraph follows
    while not lines[at].strip():
        at += 1
    lines[at] += " Added words make this story the longest one by far" * 3
    path.write_text("\n".join(lines), encoding="utf-8")
    return story


def build_both(site: Path, tmp_path: Path) -> tuple[BuildSummary, dict[str, bytes],
                                                    dict[str, bytes]]:
    config = load_config(site)[0]
    summary = build(config, Reporter(0), jobs=2)
    full = tmp_path / "full"
    shutil.rmtree(full, ignore_errors=True)
    build(config, Reporter(0), output=full, use_cache=False, jobs=1)
    return summary, tree_bytes(site / "output"), tree_bytes(full)


def company_page(tree: dict[str, bytes]) -> str:
    [path] = [p for p in tree if p.startswith("companies/goertek") and p.endswith(
        "-sz/index.html")]
    return tree[path].decode()


def test_a_template_variable_on_the_inputs_record_is_in_the_key(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    add_template_variable(monkeypatch, inside_record=True)
    before = build_both(site, tmp_path)[1]
    assert before and '<p class="longest">' in company_page(before)
    lengthen_longest_story(site)
    summary, incremental, full = build_both(site, tmp_path)
    assert company_page(full) != company_page(before)  # the variable shows the new count
    assert sorted(incremental) == sorted(full)
    assert [p for p in full if incremental[p] != full[p]] == []
    assert 0 < summary.rendered < summary.pages / 4  # and the rebuild stayed a rebuild


def test_the_same_variable_read_from_outside_the_record_goes_stale(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The control: what the design rules out is what the test above would catch."""
    add_template_variable(monkeypatch, inside_record=False)
    build_both(site, tmp_path)
    lengthen_longest_story(site)
    _, incremental, full = build_both(site, tmp_path)
    assert company_page(incremental) != company_page(full)


@dataclasses.dataclass(frozen=True, slots=True)
class StoryWithExtra(page_views.StoryInputs):
    extra: str = ""


def test_story_keys_kept_a_day_at_a_time_cover_a_field_the_record_gains():
    """StoryKeys keeps a day's story page keys under the stamp of what StoryInputs holds; a
    field added to the record is in that stamp without a line in incremental/keys.py."""
    from conftest import DictMemo

    from site_builder.incremental.keys import StoryKeys
    from site_builder.incremental.versions import version_site
    from site_builder.index import index_site
    from site_builder.pipeline import load_site

    site = load_site(load_config(REPO_ROOT)[0], Reporter(0))
    index = index_site(site)
    stamper = Stamper(version_site(site, index, {b.source.path: "d" for b in site.briefings}))
    keys = StoryKeys(stamper, DictMemo(), index.by_company)
    briefing = site.briefings[0]

    def day(extra: str) -> list[Any]:
        return [(briefing, [StoryWithExtra(briefing, number, (), False, extra)
                            for number in range(len(briefing.stories))])]

    first = keys.keys(day("a"))
    assert keys.keys(day("a")) == first and keys.memo is not None
    changed = keys.keys(day("b"))
    assert changed != first
    assert changed == [tuple(map(stamper.key, day("b")[0][1]))]


def test_a_numbered_list_page_differs_from_its_front_page_in_per_page_fields_alone():
    """ListKeys keeps a list's page keys under the stamp of its front page's record and of
    the list's cut: that covers every page only while `_list_records` sets nothing else page
    by page (a field added to ListInputs is on the front page's record, and so stamped)."""
    from site_builder.bodies import INLINE
    from site_builder.incremental.keys import ListKeys
    from site_builder.index import index_site
    from site_builder.pipeline import load_site

    site = load_site(load_config(REPO_ROOT, {"per_page": 2})[0], Reporter(0))
    planner = pages._Planner(site, index_site(site), None, INLINE, None)
    lists = [entry for kind in planner._all_lists().values() for entry in kind]
    numbered = 0
    for records, _ in lists:
        front = records[0]
        for record in records[1:]:
            numbered += 1
            for field in dataclasses.fields(record):
                if field.name not in ListKeys.PER_PAGE:
                    assert getattr(record, field.name) == getattr(front, field.name), field.name
    assert numbered > 50


# The Stamper --------------------------------------------------------------------------------

def versions_of(*stories: Story) -> Versions:
    return Versions(stories={s.url: f"full {s.url} {s.words}" for s in stories},
                    cards={s.url: f"card {s.url} {s.title}" for s in stories}, days={})


def story(url: str, title: str = "T", words: int = 10) -> Story:
    from site_builder.errors import SourcePos

    return Story(dt.date(2025, 3, 27), "Desk", "desk", 0, title, title, title, "", "", "",
                 words, 1, url.strip("/"), url, SourcePos("a.md", 1))


@dataclasses.dataclass(frozen=True, slots=True)
class Sample:
    title: str
    count: int | None
    cards: Cards
    one: Story
    extra: dict[str, Any]
    pairs: tuple[tuple[str, Cards], ...]


def sample(**changes: Any) -> Sample:
    a, b = story("/a/"), story("/b/")
    return dataclasses.replace(Sample("t", 1, Cards((a,)), b, {"x": [1, "y"]},
                                      (("k", Cards((a, b))),)), **changes)


@pytest.mark.parametrize("change", [
    lambda: {"title": "u"}, lambda: {"count": None}, lambda: {"count": 2},
    lambda: {"cards": Cards((story("/a/", title="New"),))},
    lambda: {"one": story("/b/", words=11)}, lambda: {"extra": {"x": [1, "z"]}},
    lambda: {"pairs": (("k", Cards((story("/b/"),))),)},
])
def test_every_field_of_a_record_is_in_its_key(change: Callable[[], dict[str, Any]]):
    changed = sample(**change())
    stamper = Stamper(versions_of(story("/a/"), story("/b/")))
    base = stamper.key(sample())
    assert stamper.key(sample()) == base
    stamper = Stamper(versions_of(*{s.url: s for s in [  # the changed story last: it wins
        *(s for _, cards in changed.pairs for s in cards), changed.one, *changed.cards]
        }.values()))
    assert stamper.key(changed) != base


def test_a_card_is_stamped_by_its_card_and_a_story_by_its_whole_text():
    stamper = Stamper(versions_of(story("/a/")))
    assert stamper.part(Cards((story("/a/"),))) != stamper.part((story("/a/"),))


def test_a_value_the_stamper_cannot_key_is_an_error_not_a_gap():
    @dataclasses.dataclass(frozen=True)
    class Odd:
        thing: object

    with pytest.raises(TypeError, match="cannot key a page on a object"):
        Stamper(versions_of()).key(Odd(object()))
    with pytest.raises(TypeError, match="must be a dataclass record"):
        Stamper(versions_of()).key({"a": 1})
