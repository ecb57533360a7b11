"""The build, top to bottom: load, split, tag, render, feeds, write."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Protocol

from site_builder import bodies
from site_builder.bodies import BodyStore
from site_builder.config import SiteConfig
from site_builder.content.load import future_dates
from site_builder.content.schedule import Schedule, held_files, hold
from site_builder.errors import ContentError, Problem
from site_builder.faults import fault_point
from site_builder.incremental.cache import CACHE_DIR, BuildCache, output_identity
from site_builder.incremental.inputs import builder_key, input_signature, load_sources, remember
from site_builder.incremental.versions import version_site
from site_builder.index import index_site
from site_builder.model import Briefing, Site
from site_builder.output import feeds as feeds_stage
from site_builder.output.i18n import catalog_dirs, check_languages
from site_builder.output.open_data import plan_data
from site_builder.output.pages import Page, plan_pages
from site_builder.output.render import RenderStats, render_all
from site_builder.output.share_images import CACHE_FOLDER, plan_share_images, prune_cache
from site_builder.output.sitemaps import plan_sitemaps
from site_builder.output.templates import Theme, find_theme, static_files, theme_fingerprint
from site_builder.output.write import (
    LiveRecord,
    OutputTransaction,
    all_safe_output_paths,
    check_output_folder,
    safe_output_path,
)
from site_builder.report import Reporter
from site_builder.search.indexer import SearchIndexer
from site_builder.stamps import stamp_text
from site_builder.tagging.registry import load_site_data
from site_builder.tagging.tag import tag_stories
from site_builder.workers import available_cpus, loading_long_lived, release_freed_memory


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
class _Made:
    """What the cache records of a build: each output file's fingerprint, the build's meta,
    the new site's list of files, and what the cache held of the live site before (None: not
    trusted), so that only what changed is written."""

    fingerprints: dict[str, str]
    meta: dict[str, str]
    files: frozenset[str]
    previous: dict[str, str] | None
    previous_files: frozenset[str] | None


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


def open_cache(config: SiteConfig, reporter: Reporter, *, use_cache: bool) -> BuildCache:
    if not use_cache:
        return BuildCache.throwaway(builder_key(config), reporter.warn)
    return BuildCache(config.root / CACHE_DIR, builder_key(config), reporter.warn)


def load_site(config: SiteConfig, reporter: Reporter, *, drafts: bool = False,
              cache: BuildCache | None = None, jobs: int = 1,
              digests: dict[str, str] | None = None, as_of: dt.datetime | None = None,
              schedule: list[Schedule] | None = None) -> Site:
    """Read, split and tag every briefing, as of as_of (default: now); report every broken
    file at once.

    Stories not due as of as_of are left out before tagging (with drafts, kept and marked);
    schedule, when given, receives what was held. digests, when given, is filled with each
    content file's sha256 (for versions.py), keyed apart where stories were held.
    """
    cache = cache or BuildCache(None, "", reporter.warn)
    database = cache.database()
    bodies.use(BodyStore(database) if database is not None else None)
    with loading_long_lived():  # the model lives on; the collector need not walk it
        with reporter.stage("load+split"):
            sources = load_sources(config, cache, jobs)
        problems, found = sources.problems, sources.digests
        briefings = [b for b in sources.briefings if drafts or not b.draft]
        for warning in future_dates(((b.source.path, b.date) for b in briefings), config.zone):
            reporter.warn(warning)
        problems.extend(_duplicate_days(briefings))
        due = hold(tuple(briefings), as_of or dt.datetime.now(dt.UTC), show=drafts)
        if schedule is not None:
            schedule.append(due)
        # A file the schedule cut is keyed by what is left of it: its tags and stamps differ.
        keyed = dict(found)
        cut = dict(held_files(tuple(briefings), due.briefings))
        for path, shown in cut.items():
            keyed[path] = stamp_text(found[path], "as shown:", shown)
        if digests is not None:
            digests.update(keyed)
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
                tagged = tag_stories(tuple(briefings), data, memo=cache, digests=keyed, jobs=jobs)
                # A cut file's parse is kept whole in the cache: the next build may show more.
                whole = remember(cache, sources, [b for b in tagged.briefings
                                                  if b.source.path not in cut])
                by_path = {b.source.path: b for b in whole}
                kept = [by_path.get(b.source.path, b) for b in tagged.briefings]
        except BaseException:
            remember(cache, sources, ())  # the parses stay good: the next build reads no file again
            raise
        for warning in tagged.warnings:
            reporter.warn(warning)
        return Site(config=config, briefings=tuple(kept), companies=tagged.companies,
                    topics=tagged.topics)


def build(config: SiteConfig, reporter: Reporter, *, drafts: bool = False,
          output: Path | None = None, jobs: int | None = None,
          use_cache: bool = True, keep: list[object] | None = None,
          as_of: dt.datetime | None = None, hooks: BuildHooks | None = None) -> BuildSummary:
    """Build the site as of as_of (default: now) into a sibling folder and swap it in;
    nothing is lost on error.

    The as-of instant reaches the output only through which stories are due, so a build whose
    instant falls between the last build's latest passed and next pending publication time
    changes nothing (the window is kept with the signature).

    keep, when given, takes the build's model and plan when it ends, rather than their being
    freed: a command that exits right after (cli.run) need not spend a tenth of a second of a
    rebuild freeing 70,000 pages and 55,000 stories one object at a time. hooks, when given,
    hears of the plan and may stop the build between chunks (BuildHooks).
    """
    started = time.perf_counter()
    output = (output or config.output_path).absolute()
    check_output_folder(output, config.root, config.content_path)
    jobs = jobs or available_cpus()
    as_of = as_of or dt.datetime.now(dt.UTC)
    theme = find_theme(config)
    cache = open_cache(config, reporter, use_cache=use_cache)
    try:
        signature = input_signature(config, [*theme.template_dirs, *theme.static_dirs,
                                             *catalog_dirs(config)],
                                    drafts=drafts, output=output)
        where = str(output)
        if signature is not None and cache.build_meta(where, "signature") == signature \
                and cache.build_meta(where, "identity") == output_identity(output) \
                and in_window(cache.build_meta(where, "due-window"), as_of):
            previous = json.loads(cache.build_meta(where, "summary") or "{}")
            return BuildSummary(**{**previous, "seconds": time.perf_counter() - started,
                                   "nothing_changed": True, "rendered": 0,
                                   "reused": previous.get("pages", 0), "unchanged": 0,
                                   "scheduled": cache.build_meta(where, "scheduled") or ""})
        return _build(config, theme, reporter, _Run(drafts, output, jobs, started, as_of,
                                                    hooks),
                      cache, keep if keep is not None else [], signature or "")
    finally:
        cache.close()


def _record(cache: BuildCache, output: Path, summary: BuildSummary, made: _Made) -> None:
    counts = {k: v for k, v in asdict(summary).items() if k in ("days", "stories", "pages",
                                                                 "feeds")}
    cache.record_build(str(output), made.fingerprints, {
        **made.meta, "summary": json.dumps(counts)}, made.files, made.previous,
        made.previous_files)


@dataclass(frozen=True, slots=True)
class _Run:
    """One build's options."""

    drafts: bool
    output: Path
    jobs: int
    started: float
    as_of: dt.datetime
    hooks: BuildHooks | None = None


def due_window(schedule: Schedule) -> str:
    """The instants a build's output holds for: from the latest publication time passed to
    the next one pending (either end open), as JSON for the cache."""
    return json.dumps([schedule.latest_due.isoformat() if schedule.latest_due else "",
                       schedule.next_due.isoformat() if schedule.next_due else ""])


def in_window(window: str | None, as_of: dt.datetime) -> bool:
    """Whether as_of falls in a window due_window made (no window: a build made before any
    held story, whose output holds for every instant)."""
    try:
        start, end = json.loads(window or '["", ""]')
        return (not start or dt.datetime.fromisoformat(start) <= as_of) \
            and (not end or as_of < dt.datetime.fromisoformat(end))
    except (ValueError, TypeError):
        return False


def _build(config: SiteConfig, theme: Theme, reporter: Reporter, run: _Run,
           cache: BuildCache, keep: list[object], signature: str) -> BuildSummary:
    """The build; its model and plan go into keep.

    What it made is recorded in the cache before the swap, under the identity of the folder
    about to be swapped in: a record that cannot be written (a full disk) leaves the old site
    in place, and one written by a build that dies before its swap describes no live folder.
    """
    drafts, output, jobs, started = run.drafts, run.output, run.jobs, run.started
    hooks = run.hooks
    digests: dict[str, str] = {}
    schedules: list[Schedule] = []
    site = load_site(config, reporter, drafts=drafts, cache=cache, jobs=jobs, digests=digests,
                     as_of=run.as_of, schedule=schedules)
    scheduled = schedules[0].summary(config.zone)
    release_freed_memory()
    fault_point("after-load")
    statics = static_files(theme)
    assets = {path: hashlib.sha256(source.read_bytes()).hexdigest()[:10]
              for path, source in statics.items()}
    with loading_long_lived(thaw=False):  # the plan, like the model, lives for the build
        index = index_site(site)
        for warning in check_languages(config, [config.language,
                                                *(b.lang for b in site.briefings)]):
            reporter.warn(warning)
        with reporter.stage("plan"):
            versions = version_site(site, index, digests, cache)
            pages = plan_pages(site, index, versions, cache)
            page_paths = [page.path for page in pages]
            # The sitemaps first: the site's is the costliest job of a rebuild, so it starts
            # at once beside the pages.
            # Open data and share images are made like feeds: in the workers, kept when their
            # inputs are unchanged.
            images = plan_share_images(site, index, _images_folder(cache), reporter.warn)
            feed_channels = [*plan_sitemaps(site, pages),
                             *feeds_stage.plan_feeds(site, index, versions),
                             *plan_data(config, index), *images.jobs]
            _check_collisions(pages, [(p, f.source) for f in feed_channels for p in f.paths],
                              statics)
        trusted = cache.build_meta(str(output), "identity") == output_identity(output)
        previous = cache.outputs(str(output)) if trusted else {}
    if hooks is not None:
        hooks.planned(PagePlan(config, theme, assets, {page.path: page for page in pages},
                               statics))
    cache.forget_build(str(output))
    theme_hash = theme_fingerprint(config, theme)
    transaction = OutputTransaction(output, _live_record(cache, str(output)) if trusted
                                    else None)
    searching: SearchIndexer | None = None
    try:
        searching = SearchIndexer(
            transaction, config, reporter, page_paths, versions.days,
            theme_hash,
            json.loads(cache.build_meta(str(output), "search") or "{}") if trusted else {},
            jobs)
        with reporter.stage("render+feeds+write"):
            stats = render_all(pages, feed_channels, site, index, theme, assets, theme_hash,
                               previous, transaction, jobs, reporter,
                               _checked(searching.pages_done, hooks), searching.page_written)
            for relative, source in statics.items():
                transaction.copy(relative, source)
        if hooks is not None:
            hooks.check()
        with reporter.stage("search"):  # what is left of it once the pages are written
            search_stamps = searching.finish()
        fault_point("after-aside")
        with reporter.stage("swap"):
            record = transaction.prepare()
            summary = BuildSummary(
                days=len(site.briefings), stories=len(index.stories), pages=len(pages),
                feeds=stats.feeds, rendered=stats.rendered, reused=stats.reused,
                unchanged=transaction.unchanged, seconds=0.0, scheduled=scheduled)
            identity = output_identity(transaction.aside)
            _record(cache, output, summary, _Made(stats.fingerprints, {
                "signature": signature, "identity": identity, "spare": record.spare,
                "search": json.dumps(search_stamps, sort_keys=True),
                "due-window": due_window(schedules[0]), "scheduled": scheduled,
                "changed": json.dumps(sorted(record.changed))}, record.files,
                previous if trusted else None,
                transaction.live.files if transaction.live is not None else None))
            transaction.commit()
    except BaseException:
        if searching is not None:
            searching.abort()
        transaction.abort()
        raise
    if output_identity(output) != identity \
            and not cache.confirm_identity(str(output), output_identity(output)):
        reporter.warn("the site is built, but the build cache could not note it: the next "
                      "build renders every page again")
    if images.folder is not None:
        prune_cache(images.folder, images.names)
    keep.extend((site, index, versions, pages, feed_channels, previous, transaction))
    return replace(summary, seconds=time.perf_counter() - started)


def _checked(pages_done: Callable[[int], None], hooks: BuildHooks | None
             ) -> Callable[[int], None]:
    """pages_done, after asking hooks whether to go on: it is called after every chunk."""
    if hooks is None:
        return pages_done

    def done(count: int) -> None:
        hooks.check()
        pages_done(count)
    return done


def _images_folder(cache: BuildCache) -> Path | None:
    """Where drawn share images are kept: beside the cache database, if the cache is on."""
    return cache.path.parent / CACHE_FOLDER if cache.path is not None else None


def _live_record(cache: BuildCache, where: str) -> LiveRecord | None:
    """The live site's files and its spare, as the build that made them recorded."""
    files = cache.live_files(where)
    try:
        changed = json.loads(cache.build_meta(where, "changed") or "[]")
    except ValueError:
        return None
    if files is None or not isinstance(changed, list):
        return None
    return LiveRecord(files, cache.build_meta(where, "spare") or "", frozenset(changed))


def check(config: SiteConfig, reporter: Reporter, *, drafts: bool = False,
          as_of: dt.datetime | None = None, schedule: list[Schedule] | None = None) -> Site:
    """Everything a build checks, writing nothing: content, data, theme and output paths.

    Held stories are parsed and checked, but left out as a build as of as_of would."""
    site = load_site(config, reporter, drafts=drafts, as_of=as_of, schedule=schedule)
    index = index_site(site)
    find_theme(config)
    for warning in check_languages(config, [config.language, *(b.lang for b in site.briefings)]):
        reporter.warn(warning)
    feeds = [(p, f.source) for f in feeds_stage.plan_feeds(site, index) for p in f.paths]
    feeds += [(p, f.source) for f in plan_data(config, index) for p in f.paths]
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


__all__ = ["BuildHooks", "BuildSummary", "PagePlan", "RenderStats", "build", "check", "load_site"]
