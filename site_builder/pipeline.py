"""The build, top to bottom, as its -v timings and progress line name its stages:

    load+split           read each content file, split it into days and stories (content/)
    tag                  tag each story with its companies and topics (tagging/)
    plan                 stamp the model; plan every page, feed and sitemap, each page with
                         its inputs and key (incremental/keys.py, output/pages.py)
    render+feeds+write   render what the live site does not hold yet (output/render.py)
    search               finish the search index (search/)
    swap                 record the build, then swap the new site in (incremental/memory.py)

What the builder remembers between builds (the no-op signature, each file's key, what the
live folder is) sits behind one BuildMemory; the stages only use the cache as their memo.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict, Unpack

from site_builder.bodies import Bodies
from site_builder.config import SiteConfig
from site_builder.content.load import future_dates
from site_builder.content.schedule import Schedule, held_files, hold
from site_builder.errors import ContentError, Problem
from site_builder.faults import fault_point
from site_builder.incremental.cache import BuildCache
from site_builder.incremental.inputs import (
    FileFacts,
    input_signature,
    load_sources,
    remember,
)
from site_builder.incremental.memory import COUNTS, BuildMemory, Made
from site_builder.model import Briefing, Site
from site_builder.output.i18n import catalog_dirs, check_languages
from site_builder.output.templates import Theme, find_theme, static_files, theme_fingerprint
from site_builder.output.write import (
    OutputTransaction,
    all_safe_output_paths,
    check_output_folder,
    safe_output_path,
)
from site_builder.report import Reporter
from site_builder.stamps import stamp_text
from site_builder.workers import available_cpus, loading_long_lived, release_freed_memory

# The stages' own modules are imported by the functions that run them: a no-op build (the
# usual one) proves nothing changed with the modules above, and the parsers, the renderer,
# the feed writers, Pillow and the search indexer are half its start-up.
if TYPE_CHECKING:
    from site_builder.incremental.versions import Versions
    from site_builder.index import SiteIndex
    from site_builder.output.pages import Page
    from site_builder.output.render import FeedJob, PageListener, RenderStats
    from site_builder.output.share_images import ShareImages


@dataclass(frozen=True, slots=True)
class BuildSummary:
    days: int
    stories: int
    pages: int
    feeds: int
    rendered: int  # pages whose template ran
    reused: int  # pages whose inputs had not changed: the old file was kept
    unchanged: int  # files rendered again to the same bytes: the old file was kept
    seconds: float
    nothing_changed: bool = False
    scheduled: str = ""  # "2 stories scheduled; next at 2025-03-28 15:30 +08:00", or ""

    def __str__(self) -> str:
        held = f"; {self.scheduled}" if self.scheduled else ""
        if self.nothing_changed:
            return (f"nothing changed: {self.days} days, {self.stories} stories, "
                    f"{self.pages} pages, {self.feeds} feeds up to date in "
                    f"{self.seconds:.2f}s{held}")
        return (f"built {self.days} days, {self.stories} stories: {self.pages} pages, "
                f"{self.feeds} feeds ({self.rendered} pages rendered, {self.reused} reused, "
                f"{self.unchanged} files unchanged) in {self.seconds:.2f}s{held}")


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to build: with drafts, into which folder, with how many workers, with the cache."""

    drafts: bool = False
    output: Path | None = None  # default: the site's output folder
    jobs: int | None = None  # default: the CPUs this process may use
    use_cache: bool = True
    as_of: dt.datetime | None = None  # default: now; stories not due by then are left out
    hooks: BuildHooks | None = None  # who hears of the plan and may stop the build (serve)


@dataclass(frozen=True, slots=True)
class PagePlan:
    """Every page a build is about to write, and what renders them: for a caller that wants
    some pages before the build has written them all (serve renders the open tabs' first)."""

    config: SiteConfig
    theme: Theme
    assets: dict[str, str]  # static file -> its fingerprint, as the templates link it
    pages: dict[str, Page]  # output path -> page
    statics: dict[str, Path]  # output path -> the theme or site file copied there


class BuildHooks(Protocol):
    """What a long-running caller (serve) hears of a build, and how it stops one early."""

    def planned(self, plan: PagePlan) -> None:
        """The pages are planned; none is rendered yet."""

    def check(self) -> None:
        """Called between chunks of work: raise to abandon the build (nothing is swapped)."""


class BuildArgs(TypedDict, total=False):
    """build()'s keywords: BuildOptions' fields, each optional."""

    drafts: bool
    output: Path | None
    jobs: int | None
    use_cache: bool
    as_of: dt.datetime | None
    hooks: BuildHooks | None


class LoadArgs(TypedDict, total=False):
    """load_site()'s keywords, each optional (see its docstring)."""

    drafts: bool
    cache: BuildCache | None
    jobs: int
    facts: FileFacts | None
    as_of: dt.datetime | None
    schedule: list[Schedule] | None


@dataclass(frozen=True, slots=True)
class BuildPlan:
    """The plan stage's result: the model and everything to write, each with its key."""

    site: Site
    index: SiteIndex
    versions: Versions
    pages: list[Page]
    feeds: Sequence[FeedJob]  # feeds, sitemaps, open data and share images
    statics: dict[str, Path]  # output path -> the theme's static file
    images: ShareImages  # the share images to draw, and where drawn ones are kept


def load_site(config: SiteConfig, reporter: Reporter, **args: Unpack[LoadArgs]) -> Site:
    """Stages load+split and tag: every briefing read, split and tagged, as of as_of
    (default: now); every broken file reported at once.

    Stories not due as of as_of are left out before tagging (with drafts, kept and marked);
    schedule, when given, receives what was held. facts, when given, learns what the cache
    knows of each file (its digest, its stories' text stamps, where its bodies are stored),
    a file the schedule cut keyed by what is left of it.
    """
    from site_builder.content.split import BriefingParser
    from site_builder.tagging.registry import load_site_data
    from site_builder.tagging.tag import tag_stories

    drafts, jobs, facts = args.get("drafts", False), args.get("jobs", 1), args.get("facts")
    cache = args.get("cache") or BuildCache(None, "", reporter.warn)
    with loading_long_lived():  # the model lives on; the collector need not walk it
        with reporter.stage("load+split"):
            sources = load_sources(config, cache, jobs, BriefingParser(config))
        problems, found = sources.problems, sources.digests
        briefings = [b for b in sources.briefings if drafts or not b.draft]
        for warning in future_dates(((b.source.path, b.date) for b in briefings), config.zone):
            reporter.warn(warning)
        problems.extend(_duplicate_days(briefings))
        due = hold(tuple(briefings), args.get("as_of") or dt.datetime.now(dt.UTC), show=drafts)
        schedule = args.get("schedule")
        if schedule is not None:
            schedule.append(due)
        # A file the schedule cut is keyed by what is left of it: its tags and stamps differ.
        keyed = dict(found)
        cut = dict(held_files(tuple(briefings), due.briefings))
        for path, shown in cut.items():
            keyed[path] = stamp_text(found[path], "as shown:", shown)
        briefings = list(due.briefings)
        try:
            try:
                data = load_site_data(config.content_path)
            except ContentError as error:
                problems.extend(error.problems)
            if problems:
                raise ContentError(problems)
            briefings.sort(key=lambda b: b.date, reverse=True)
            with reporter.stage("tag"):
                tagged = tag_stories(tuple(briefings), data, memo=cache, digests=keyed,
                                     jobs=jobs, bodies=Bodies(cache.database(),
                                                              dict(sources.facts.stored)))
                # A cut file's parse is kept whole in the cache: the next build may show more.
                whole = remember(cache, sources, [b for b in tagged.briefings
                                                  if b.source.path not in cut])
                by_path = {b.source.path: b for b in whole}
                kept = [by_path.get(b.source.path, b) for b in tagged.briefings]
        except BaseException:
            remember(cache, sources, ())  # the parses stay good: the next build reads no file again
            raise
        if facts is not None:
            facts.update(sources.facts)
            facts.digests.update(keyed)  # a cut file keyed by what is left of it
            _cut_stamps(facts, sources.briefings, [b for b in kept if b.source.path in cut])
        for warning in tagged.warnings:
            reporter.warn(warning)
        return Site(config=config, briefings=tuple(kept), companies=tagged.companies,
                    topics=tagged.topics)


def _cut_stamps(facts: FileFacts, loaded: Sequence[Briefing], cut: Sequence[Briefing]) -> None:
    """A file the schedule cut: its text stamps, those of the stories left in it."""
    left = {briefing.source.path: briefing for briefing in cut}
    for briefing in loaded:
        path = briefing.source.path
        stamps = facts.text_stamps.get(path)
        if path in left and stamps is not None and len(stamps) == len(briefing.stories):
            by_url = dict(zip((story.url for story in briefing.stories), stamps, strict=True))
            facts.text_stamps[path] = tuple(by_url[story.url] for story in left[path].stories)


def build(config: SiteConfig, reporter: Reporter, **options: Unpack[BuildArgs]
          ) -> BuildSummary:
    """Build the site as of options' as_of (default: now) into a sibling folder and swap it
    in; nothing is lost on error."""
    return run_build(config, reporter, BuildOptions(**options), [])


def run_build(config: SiteConfig, reporter: Reporter, options: BuildOptions,
              keep: list[object]) -> BuildSummary:
    """build(), its model and plan put into keep when it ends, rather than freed: a command
    that exits right after (cli.run) need not spend a tenth of a second of a rebuild freeing
    70,000 pages and 55,000 stories one object at a time."""
    started = time.perf_counter()
    output = (options.output or config.output_path).absolute()
    check_output_folder(output, config.root, config.content_path)
    theme = find_theme(config)
    memory = BuildMemory.open(config, reporter, output=output, use_cache=options.use_cache)
    try:
        as_of = options.as_of or dt.datetime.now(dt.UTC)
        counts = memory.unchanged(input_signature(
            config, [*theme.template_dirs, *theme.static_dirs, *catalog_dirs(config)],
            drafts=options.drafts, output=output), as_of)
        if counts is not None:
            return BuildSummary(**counts, rendered=0, reused=counts["pages"], unchanged=0,
                                seconds=time.perf_counter() - started, nothing_changed=True,
                                scheduled=memory.held_line())
        options = replace(options, output=output, jobs=options.jobs or available_cpus(),
                          as_of=as_of)
        summary = _build(config, reporter, options, theme, memory, keep)
        return replace(summary, seconds=time.perf_counter() - started)
    finally:
        memory.close()


def _build(config: SiteConfig, reporter: Reporter, options: BuildOptions, theme: Theme,
           memory: BuildMemory, keep: list[object]) -> BuildSummary:
    """The stages, one line each; the model and plan go into keep."""
    from site_builder.output.render import RenderPlan, render_all
    from site_builder.output.share_images import prune_cache
    from site_builder.search.indexer import SearchIndexer, SearchStamps

    jobs, output = options.jobs or 1, options.output or config.output_path
    facts = FileFacts()
    schedules: list[Schedule] = []
    site = load_site(config, reporter, drafts=options.drafts, cache=memory.cache, jobs=jobs,
                     facts=facts, as_of=options.as_of, schedule=schedules)  # load+split, tag
    held = memory.hold(schedules[0], config.zone)  # the due window and the summary's line
    release_freed_memory()
    fault_point("after-load")
    with loading_long_lived(thaw=False):  # the plan, like the model, lives for the build
        plan = plan_build(site, theme, memory.cache, facts, reporter)  # plan
    assets = _assets(plan)
    if options.hooks is not None:
        options.hooks.planned(PagePlan(config, theme, assets,
                                       {page.path: page for page in plan.pages}, plan.statics))
    recalled = memory.recall()
    theme_hash = theme_fingerprint(config, theme)
    transaction = OutputTransaction(output, recalled.live)
    keep.extend((plan, recalled, transaction))
    searching: SearchIndexer | None = None
    try:
        searching = SearchIndexer(transaction, config, reporter, [p.path for p in plan.pages],
                                  stamps=SearchStamps(plan.versions.days, theme_hash,
                                                      recalled.search), jobs=jobs)
        with reporter.stage("render+feeds+write"):
            stats = render_all(RenderPlan(plan.pages, plan.feeds, config, theme, assets,
                                          theme_hash, recalled.fingerprints),
                               transaction, reporter, jobs,
                               searching if options.hooks is None
                               else _Checked(searching, options.hooks))
            for relative, source in plan.statics.items():
                transaction.copy(relative, source)
        if options.hooks is not None:
            options.hooks.check()
        with reporter.stage("search"):  # what is left of it once the pages are written
            search_stamps = searching.finish()
        fault_point("after-aside")
        with reporter.stage("swap"):
            summary = _swap(plan, stats, transaction, memory, search_stamps)
    except BaseException:
        if searching is not None:
            searching.abort()
        transaction.abort()
        raise
    if not memory.confirm():
        reporter.warn("the site is built, but the build cache could not note it: the next "
                      "build renders every page again")
    if plan.images.folder is not None:
        prune_cache(plan.images.folder, plan.images.names)
    return replace(summary, scheduled=held)


def plan_build(site: Site, theme: Theme, cache: BuildCache, facts: FileFacts,
               reporter: Reporter) -> BuildPlan:
    """Stage plan: the model stamped (versions.py, memoized in the cache by file), every page
    with its inputs and key, the feeds and sitemaps; a path two of them write is an error."""
    from site_builder.incremental.versions import version_site
    from site_builder.index import index_site
    from site_builder.output import feeds as feeds_stage
    from site_builder.output.open_data import plan_data
    from site_builder.output.pages import plan_pages
    from site_builder.output.share_images import plan_share_images
    from site_builder.output.sitemaps import plan_sitemaps

    config = site.config
    index = index_site(site)
    for warning in check_languages(config, [config.language,
                                            *(b.lang for b in site.briefings)]):
        reporter.warn(warning)
    with reporter.stage("plan"):
        versions = version_site(site, index, facts.digests, cache, facts.text_stamps)
        bodies = Bodies(cache.database(), facts.stored)  # the bodies left in the cache at load
        pages = plan_pages(site, index, versions, bodies, cache)  # story keys kept in cache
        # The sitemaps first: the site's is the costliest job of a rebuild, so it starts at
        # once beside the pages. Open data and share images are made like feeds: in the
        # workers, kept when their inputs are unchanged.
        images = plan_share_images(site, index, _images_folder(cache), reporter.warn)
        feeds = [*plan_sitemaps(site, pages),
                 *feeds_stage.plan_feeds(site, index, versions, bodies),
                 *plan_data(config, index), *images.jobs]
        statics = static_files(theme)
        _check_collisions(pages, [(p, f.source) for f in feeds for p in f.paths], statics)
    return BuildPlan(site, index, versions, pages, feeds, statics, images)


def _images_folder(cache: BuildCache) -> Path | None:
    """Where drawn share images are kept: beside the cache database, if the cache is on."""
    from site_builder.output.share_images import CACHE_FOLDER

    return cache.path.parent / CACHE_FOLDER if cache.path is not None else None


class _Checked:
    """The search indexer as the renderer's listener, asking hooks whether to go on after
    every chunk of pages (serve stops a build a newer save has made stale)."""

    def __init__(self, listener: PageListener, hooks: BuildHooks) -> None:
        self._listener = listener
        self._hooks = hooks

    def pages_done(self, count: int) -> None:
        self._hooks.check()
        self._listener.pages_done(count)

    def page_written(self, path: str, page: bytes) -> None:
        self._listener.page_written(path, page)


def _assets(plan: BuildPlan) -> dict[str, str]:
    """Each static file's content stamp, for cache-busting links."""
    return {path: hashlib.sha256(source.read_bytes()).hexdigest()[:10]
            for path, source in plan.statics.items()}


def _swap(plan: BuildPlan, stats: RenderStats, transaction: OutputTransaction,
          memory: BuildMemory, search: dict[str, str]) -> BuildSummary:
    """Stage swap: the build recorded under the new folder's identity, then swapped in."""
    record = transaction.prepare()
    summary = BuildSummary(
        days=len(plan.site.briefings), stories=len(plan.index.stories),
        pages=len(plan.pages), feeds=stats.feeds, rendered=stats.rendered,
        reused=stats.reused, unchanged=transaction.unchanged, seconds=0.0)
    memory.record(Made({name: getattr(summary, name) for name in COUNTS},
                       stats.fingerprints, record.files, record.spare,
                       frozenset(record.changed), search), transaction.aside)
    transaction.commit()
    return summary


def check(config: SiteConfig, reporter: Reporter, *, drafts: bool = False,
          as_of: dt.datetime | None = None, schedule: list[Schedule] | None = None) -> Site:
    """Everything a build checks, writing nothing: content, data, theme and output paths.

    Held stories are parsed and checked, but left out as a build as of as_of would."""
    from site_builder.index import index_site
    from site_builder.output import feeds as feeds_stage
    from site_builder.output.pages import plan_pages

    site = load_site(config, reporter, drafts=drafts, as_of=as_of, schedule=schedule)
    index = index_site(site)
    find_theme(config)
    for warning in check_languages(config, [config.language, *(b.lang for b in site.briefings)]):
        reporter.warn(warning)
    feeds = [(p, f.source) for f in feeds_stage.plan_feeds(site, index) for p in f.paths]
    _check_collisions(plan_pages(site, index), feeds, {})
    return site


def _duplicate_days(briefings: list[Briefing]) -> Iterator[Problem]:
    first: dict[object, Briefing] = {}
    for briefing in sorted(briefings, key=lambda b: b.source.path):
        if briefing.date in first:
            other = first[briefing.date]
            yield Problem(briefing.source.path, 1, f"a briefing for {briefing.date} already "
                          f"exists in {other.source.path}", "merge the two files or fix the "
                          "date")
        else:
            first[briefing.date] = briefing


def _check_collisions(pages: list[Page], feeds: list[tuple[str, str]],
                      statics: dict[str, Path]) -> None:
    """Two things that would write the same file are an error naming both, before writing;
    so is a path that would leave the output folder."""
    paths = [page.path for page in pages] + [path for path, _ in feeds] + list(statics)
    if len(set(paths)) == len(paths) and all_safe_output_paths(paths):
        return  # the usual case, known in two passes in C; else find each culprit
    owners: dict[str, str] = {}
    problems = []
    items = [(p.path, str(p.source)) for p in pages] + feeds + \
        [(path, str(source)) for path, source in statics.items()]
    for path, source in items:
        safe_output_path(path)
        if path in owners:
            problems.append(Problem(source, 0, f"would write {path}, which {owners[path]} "
                                    "writes too", "rename one of them"))
        else:
            owners[path] = source
    if problems:
        raise ContentError(problems)


__all__ = ["BuildHooks", "BuildSummary", "PagePlan", "build", "check",
           "load_site"]
