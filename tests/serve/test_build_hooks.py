"""The build's hooks for serve (pipeline.BuildHooks), in one process: the plan it hands over
renders every page to the bytes the build writes, from another thread too; a hook that stops
the build leaves the last site whole; and the last plan under an edited theme (restyled)
renders what the next build writes."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import REPO_ROOT, tree_bytes

from site_builder.config import load_config
from site_builder.pipeline import PagePlan, build
from site_builder.report import Reporter
from site_builder.serve.ondemand import OnDemand, restyled

THEME_BASE = REPO_ROOT / "themes" / "default" / "templates" / "base.html"
MAIN_TAG = '<main id="main" class="wrap" tabindex="-1">'


class Stop(Exception):
    pass


class Hooks:
    """Keeps the plan; stops the build at the check numbered stop_at, if given."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.plans: list[PagePlan] = []
        self.checks = 0
        self.stop_at = stop_at

    def planned(self, plan: PagePlan) -> None:
        self.plans.append(plan)

    def check(self) -> None:
        self.checks += 1
        if self.stop_at is not None and self.checks >= self.stop_at:
            raise Stop


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(REPO_ROOT / "content", root / "content")
    (root / "templates").mkdir()
    shutil.copy(THEME_BASE, root / "templates" / "base.html")
    return root


def rendered(plan: PagePlan, paths: Iterable[str]) -> dict[str, bytes]:
    """Each page rendered on request, as serve's render thread does it."""
    ondemand = OnDemand()
    ondemand.planned(plan)
    try:
        found = {path: ondemand.find(path, timeout=0) for path in paths}
    finally:
        ondemand.close()
    return {path: fresh.data for path, fresh in found.items()
            if fresh is not None and fresh.data is not None}


def test_every_planned_page_renders_to_the_built_bytes(site: Path) -> None:
    config = load_config(site)[0]
    hooks = Hooks()
    build(config, Reporter(0), jobs=1, hooks=hooks)
    assert len(hooks.plans) == 1 and hooks.checks > 0
    plan = hooks.plans[0]
    written = tree_bytes(site / "output")
    pages = set(plan.pages)  # HTML and the editions' email.txt
    assert {path for path in written if path.endswith(".html")} <= pages <= set(written)
    assert {path for path in plan.statics} <= set(written)
    results: dict[str, bytes] = {}
    other = threading.Thread(target=lambda: results.update(rendered(plan, sorted(pages))))
    other.start()  # another thread than the build's: its own body-store connection
    other.join()
    assert results == {path: written[path] for path in pages}


def test_a_build_stopped_by_its_hooks_leaves_the_last_site_whole(site: Path) -> None:
    config = load_config(site)[0]
    build(config, Reporter(0), jobs=1)
    before = tree_bytes(site / "output")
    (site / "templates" / "base.html").write_text(
        THEME_BASE.read_text("utf-8").replace(MAIN_TAG, f"{MAIN_TAG}<p>changed</p>"), "utf-8")
    with pytest.raises(Stop):
        build(config, Reporter(0), jobs=1, hooks=Hooks(stop_at=1))
    assert tree_bytes(site / "output") == before
    build(config, Reporter(0), jobs=1)
    assert b"<p>changed</p>" in (site / "output" / "index.html").read_bytes()


def test_the_last_plan_under_an_edited_theme_renders_the_next_build(site: Path) -> None:
    config = load_config(site)[0]
    hooks = Hooks()
    build(config, Reporter(0), jobs=1, hooks=hooks)
    plan = hooks.plans[0]
    base = site / "templates" / "base.html"
    assert restyled(plan, [site.resolve() / "content" / "briefings" / "x.md"]) is None
    assert restyled(plan, [base.resolve(), site.resolve() / "site.toml"]) is None
    base.write_text(THEME_BASE.read_text("utf-8").replace(MAIN_TAG, f"{MAIN_TAG}<p>new</p>"),
                    "utf-8")
    quick = restyled(plan, [base.resolve()])
    assert quick is not None
    build(config, Reporter(0), jobs=1)
    written = tree_bytes(site / "output")
    sample = sorted(quick.pages)[:: max(1, len(quick.pages) // 25)]
    assert rendered(quick, sample) == {path: written[path] for path in sample}
    assert all(b"<p>new</p>" in written[path] for path in sample if path.endswith("index.html"))
