"""Rendering every page and feed into the aside folder, in worker processes, skipping work.

A page whose view and theme hash to the fingerprint recorded for its file in the last build is
not rendered at all: the old file is hard-linked into the new site. Everything else is
rendered, and a result equal to the old bytes is linked too, so unchanged files keep their
inode and modification time.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from site_builder.config import SiteConfig
from site_builder.incremental.inputs import builder_key, config_items
from site_builder.output.feed_formats import FORMATS
from site_builder.output.i18n import SITE_LOCALE, catalogs_stamp
from site_builder.output.pages import Page, fingerprint, render_page
from site_builder.output.templates import Environments, Theme
from site_builder.output.write import OutputTransaction
from site_builder.report import Reporter
from site_builder.stamps import stamp
from site_builder.workers import Chunks, map_chunks

CHUNK = 250
# Feeds and sitemaps go in small chunks: a few of them (the digest, the sitemap) cost as much
# as a hundred others, and a rebuild renders little else.
FEED_CHUNK = 16
FEED_FILES = tuple(FORMATS)  # what the summary counts as feeds


class FeedJob(Protocol):
    """One feed channel: its files (RSS, Atom, JSON) are made together from the same entries."""

    @property
    def paths(self) -> tuple[str, ...]: ...

    @property
    def source(self) -> str: ...

    def inputs(self) -> Any: ...

    def make(self) -> list[tuple[str, bytes]]: ...


@dataclass
class RenderStats:
    rendered: int = 0
    reused: int = 0
    feeds: int = 0
    fingerprints: dict[str, str] = field(default_factory=dict)

    def add(self, other: RenderStats) -> None:
        self.rendered += other.rendered
        self.reused += other.reused
        self.feeds += other.feeds
        self.fingerprints.update(other.fingerprints)


@dataclass(frozen=True, slots=True)
class RenderPlan:
    """What the render stage makes, and from what: the pages and feeds planned, the theme
    with its assets' stamps and hash, and what each live file was made from (previous)."""

    pages: list[Page]
    feeds: Sequence[FeedJob]
    config: SiteConfig
    theme: Theme
    assets: dict[str, str]  # static file -> its content stamp, for cache-busting links
    theme_hash: str
    previous: dict[str, str]  # output path -> its fingerprint or key in the live site


@dataclass(frozen=True, slots=True)
class RenderWork:
    """What the render workers share (forked, never copied): the pages and feeds, work[todo[i]]
    being the i-th to render, and what rendering one needs."""

    work: list[Page | FeedJob]
    todo: list[int]
    env: Environments
    theme_hash: str
    previous: dict[str, str]  # output path -> its fingerprint or key in the live site
    transaction: OutputTransaction
    page_written: Callable[[str, bytes], None] | None
    config_hash: str  # part of every feed's fingerprint


class PageListener(Protocol):
    """Who hears of pages as they are written (the search indexer starts on them)."""

    def pages_done(self, count: int) -> None:
        """The first count pages are written."""

    def page_written(self, path: str, page: bytes) -> None:
        """A page was rendered (called in the process that rendered it)."""


def render_all(plan: RenderPlan, transaction: OutputTransaction, reporter: Reporter,
               jobs: int, listener: PageListener | None = None) -> RenderStats:
    """Render the pages, then the feeds, into the transaction's folder."""
    pages, feed_jobs, theme_hash, previous = plan.pages, plan.feeds, plan.theme_hash, \
        plan.previous
    pages_done = listener.pages_done if listener is not None else None
    page_written = listener.page_written if listener is not None else None
    env = Environments(plan.config, plan.theme, plan.assets)  # one Jinja env per language
    work: list[Page | FeedJob] = [*pages, *feed_jobs]
    total = RenderStats()
    # Pages whose stamps are the live file's are kept here, so that the workers get only what
    # needs rendering: after a small edit, a few dozen pages out of a hundred thousand.
    todo = _keep_unchanged(pages, theme_hash, previous, transaction, total) if previous \
        else list(range(len(pages)))
    todo_pages = len(todo)  # the pages get chunks of their own: search starts on them sooner
    todo.extend(range(len(pages), len(work)))
    state = RenderWork(work, todo, env, theme_hash, previous, transaction, page_written,
                       _config_hash(plan.config))
    for chunk_stats, unchanged, fresh, done in map_chunks(_render_chunk, len(todo), jobs,
                                                          Chunks(CHUNK, todo_pages, FEED_CHUNK),
                                                          state, here_too=True):
        total.add(chunk_stats)
        transaction.unchanged += unchanged
        transaction.fresh.extend(fresh)
        if pages_done is not None:  # every page before the next one to render is written
            pages_done(min(todo[done] if done < len(todo) else len(work), len(pages)))
        reporter.progress("render", len(work) - len(todo) + done, len(work))
    reporter.progress_done()
    for page_path in total.fingerprints:
        transaction.written.add(page_path)
    return total


def page_mark(theme_hash: str, template: str, key: str) -> str:
    """What a keyed page was made from: its template under the theme, and its key."""
    return f"{_template_stamp(theme_hash, template)}.{key}"


@functools.lru_cache(maxsize=256)
def _template_stamp(theme_hash: str, template: str) -> str:
    return stamp(theme_hash, template)


def _keep_unchanged(pages: list[Page], theme_hash: str, previous: dict[str, str],
                    transaction: OutputTransaction, stats: RenderStats) -> list[int]:
    """Keep each page whose key says it shows what the live file shows; the others' places.

    Pages the aside folder holds already are kept in one call at the end: after an edit that
    is every page but a few dozen, of some 70,000. The loop is the render stage's hottest of
    an edit, so it looks each page's mark up before making the one it would have to equal.
    """
    todo = []
    kept: dict[str, str] = {}
    held: list[str] = []  # kept, and in the aside folder already
    existing = transaction.existing
    recorded = previous.get
    template_stamps: dict[str, str] = {}
    for number, page in enumerate(pages):
        key = page.key
        if key:
            path = page.path
            mark = recorded(path)
            if mark is not None:
                template = template_stamps.get(page.template)
                if template is None:
                    template = template_stamps[page.template] = \
                        _template_stamp(theme_hash, page.template)
                if mark == f"{template}.{key}":  # page_mark(), its template stamped once
                    if path in existing:
                        held.append(path)
                        kept[path] = mark
                        continue
                    if transaction.keep((path,)):
                        kept[path] = mark
                        continue
        todo.append(number)
    transaction.keep_held(held)
    stats.reused += len(kept)
    stats.fingerprints.update(kept)
    return todo


def _render_chunk(state: RenderWork, start: int, end: int
                  ) -> tuple[RenderStats, int, list[str], int]:
    """Render work[todo[start:end]]; a keyed page that reaches here needs rendering, unless
    nothing was kept beforehand (a full build), when the check is made here. Returns the
    stats, files unchanged, files written, and end (how far through todo the work is done)."""
    work, todo, env, theme_hash = state.work, state.todo, state.env, state.theme_hash
    previous, transaction, page_written = state.previous, state.transaction, state.page_written
    unchanged_before = transaction.unchanged
    fresh_before = len(transaction.fresh)
    stats = RenderStats()
    for job in (work[number] for number in todo[start:end]):
        if isinstance(job, Page):
            if job.key:  # its stamps say what it shows: no view needed to know it is unchanged
                mark = page_mark(theme_hash, job.template, job.key)
                if previous.get(job.path) == mark and transaction.keep((job.path,)):
                    stats.reused += 1
                    stats.fingerprints[job.path] = mark
                    continue
                context = job.context()
            else:
                context = job.context()
                mark = fingerprint(job.template, context, theme_hash)
                if previous.get(job.path) == mark and transaction.keep((job.path,)):
                    stats.reused += 1
                    stats.fingerprints[job.path] = mark
                    continue
            page = render_page(job, context, env.for_view(context))
            transaction.write(job.path, page)
            if page_written is not None:
                page_written(job.path, page)
            stats.rendered += 1
            stats.fingerprints[job.path] = mark
        else:
            mark = _feed_fingerprint(job, state.config_hash)
            if any(previous.get(p) != mark for p in job.paths) or \
                    not transaction.keep(job.paths):
                for path, data in job.make():
                    transaction.write(path, data)
            stats.feeds += sum(path.endswith(FEED_FILES) for path in job.paths)
            stats.fingerprints.update(dict.fromkeys(job.paths, mark))
    # The parent adds these up, in one process or many.
    unchanged = transaction.unchanged - unchanged_before
    transaction.unchanged = unchanged_before
    fresh = transaction.fresh[fresh_before:]
    del transaction.fresh[fresh_before:]
    return stats, unchanged, fresh, end


def _feed_fingerprint(job: FeedJob, config_hash: str) -> str:
    """What a feed-like job's files are made from. Every rebuild takes it of all of them
    (4,600 at ten years, most of them share images and open data files), so the inputs, plain
    data that cannot hold a cycle, are serialised without the encoder's check for one."""
    data = json.dumps(job.inputs(), sort_keys=True, ensure_ascii=False, default=str,
                      check_circular=False)
    digest = hashlib.sha256(config_hash.encode())
    digest.update(data.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _config_hash(config: SiteConfig) -> str:
    """The config, the builder and the catalogs (feed titles and descriptions are words)."""
    return hashlib.sha256(builder_key(config).encode() + repr(config_items(config)).encode()
                          + catalogs_stamp(config.root / SITE_LOCALE).encode()).hexdigest()

