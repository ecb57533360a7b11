"""Pages of the build in flight, rendered on request before the build has written them.

A rebuild after a template edit renders every page, over a minute at ten years; a first
preview renders them all too. But the build knows every page's path, template and view as
soon as it has planned them (pipeline.PagePlan), and one page renders in milliseconds. So
while a build runs, serve answers a page request from the plan, and the tabs open on the site
get their pages rendered first (Preview.planned), then reload; the build writes the rest into
the preview folder in the background and swaps it in. The bytes are the build's: the same
page, view, templates and assets go through the same render_page.

Requests that arrive after the build has taken the site's lock but before its plan exists
wait for the plan (at most PLAN_WAIT_SECONDS), so a tab that reloads after a save never gets
the page as it was before the save. Rendering happens in one thread of its own: each thread
reading story bodies opens its own SQLite connection (bodies.BodyStore), and the Jinja
environments it makes are its alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from site_builder.output.pages import render_page
from site_builder.output.templates import Environments, Theme, find_theme, static_files
from site_builder.pipeline import PagePlan

PLAN_WAIT_SECONDS = 30.0
"""How long a request waits for a build's plan before the last preview is served instead."""


@dataclass(frozen=True, slots=True)
class Fresh:
    """A file of the build in flight: rendered page bytes, or the static file to send."""

    data: bytes | None = None
    source: Path | None = None


class OnDemand:
    """The plan of the build in flight, if any, and its pages rendered so far."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._plan: PagePlan | None = None
        self._pending = False
        self._renderer = _Renderer()

    def building(self) -> None:
        """A build holds the lock: its plan is on its way, and what was served may be stale."""
        with self._changed:
            self._plan, self._pending = None, True

    def planned(self, plan: PagePlan) -> None:
        with self._changed:
            self._plan, self._pending = plan, False
            self._renderer.use(plan)
            self._changed.notify_all()

    def settled(self, *, pending: bool = False) -> None:
        """The build ended: written, failed, or (pending) cancelled for another one."""
        with self._changed:
            self._plan, self._pending = None, pending
            self._renderer.use(None)
            self._changed.notify_all()

    def close(self) -> None:
        self.settled()
        self._renderer.close()

    def plan(self, timeout: float = PLAN_WAIT_SECONDS) -> PagePlan | None:
        """The plan to answer from; waits while a build is between its lock and its plan."""
        with self._changed:
            self._changed.wait_for(lambda: not self._pending, timeout=timeout)
            return self._plan

    def find(self, relative: str, timeout: float = PLAN_WAIT_SECONDS) -> Fresh | None:
        """The build in flight's file at relative ("2025/06/02/index.html"), or None when
        there is no build in flight or it has no such page or static file."""
        plan = self.plan(timeout)
        if plan is None:
            return None
        if relative in plan.pages:
            data = self._renderer.render(plan, relative)
            return None if data is None else Fresh(data=data)
        source = plan.statics.get(relative)
        return Fresh(source=source) if source is not None else None

    def has(self, relative: str) -> bool:
        plan = self.plan(0)
        return plan is not None and (relative in plan.pages or relative in plan.statics)

    def render_first(self, paths: Iterable[str]) -> None:
        """Render these pages of the current plan now (the ones open in tabs)."""
        plan = self.plan(0)
        if plan is not None:
            self._renderer.prepare(plan, [path for path in paths if path in plan.pages])


def restyled(plan: PagePlan, changed: Iterable[Path]) -> PagePlan | None:
    """The last build's plan under the theme as it is now, if only the theme changed.

    Pages and their views come from the content alone (pipeline, views.py); templates and
    static files only shape how they render. So after a save that touched nothing but
    templates, CSS, scripts or images, the last plan with the theme read again renders the
    pages the build under way will write, before that build has loaded a single file.
    None when anything else changed (content, site.toml) or the theme folders moved.
    """
    theme = find_theme(plan.config)
    if theme != plan.theme or not _all_within(changed, theme):
        return None
    statics = static_files(theme)
    assets = {path: hashlib.sha256(source.read_bytes()).hexdigest()[:10]
              for path, source in statics.items()}  # as the build fingerprints them
    return dataclasses.replace(plan, assets=assets, statics=statics)


def _all_within(changed: Iterable[Path], theme: Theme) -> bool:
    folders = [folder.resolve() for folder in (*theme.template_dirs, *theme.static_dirs)]
    paths = list(changed)
    return bool(paths) and all(any(path.is_relative_to(folder) for folder in folders)
                               for path in paths)


class _Renderer:
    """Renders pages of one plan in one thread, remembering each until the plan changes.

    A template error is raised to the caller (SiteBuilderError with the template's line).
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-on-request")
        self._lock = threading.Lock()
        self._plan: PagePlan | None = None
        self._envs: Environments | None = None
        self._done: dict[str, bytes] = {}

    def use(self, plan: PagePlan | None) -> None:
        with self._lock:
            self._plan, self._envs, self._done = plan, None, {}

    def render(self, plan: PagePlan, relative: str) -> bytes | None:
        with self._lock:
            if plan is not self._plan:
                return None
            found = self._done.get(relative)
        if found is not None:
            return found
        return self._pool.submit(self._render, plan, relative).result()

    def prepare(self, plan: PagePlan, paths: list[str]) -> None:
        for path in paths:
            self.render(plan, path)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _render(self, plan: PagePlan, relative: str) -> bytes | None:
        """In the render thread only: its environments and body connection are its own."""
        with self._lock:
            if plan is not self._plan:
                return None  # a newer build planned meanwhile: answer from it instead
            found = self._done.get(relative)
            if found is not None:
                return found
            if self._envs is None:
                self._envs = Environments(plan.config, plan.theme, plan.assets)
            envs = self._envs
        page = plan.pages[relative]
        context = page.context()
        data = render_page(page, context, envs.for_view(context))
        with self._lock:
            if plan is self._plan:
                self._done[relative] = data
        return data
