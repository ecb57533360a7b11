"""The build, top to bottom: load, split, tag, render, feeds, write."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from site_builder import feeds as feeds_stage
from site_builder.config import SiteConfig
from site_builder.data import load_site_data
from site_builder.errors import ContentError, Problem
from site_builder.index import index_site
from site_builder.load import find_content_files, read_content_file
from site_builder.markdown import make_renderer
from site_builder.model import Briefing, Site
from site_builder.render import Page, plan_pages, render_pages
from site_builder.report import Reporter
from site_builder.split import split_briefing
from site_builder.tag import tag_stories
from site_builder.templates import find_theme, make_environment, static_files
from site_builder.write import OutputTransaction, check_output_folder, safe_output_path


@dataclass(frozen=True, slots=True)
class BuildSummary:
    days: int
    stories: int
    pages: int
    feeds: int
    files: int
    unchanged: int
    seconds: float

    def __str__(self) -> str:
        return (f"built {self.days} days, {self.stories} stories: {self.pages} pages, "
                f"{self.feeds} feeds, {self.files} files ({self.unchanged} unchanged) "
                f"in {self.seconds:.2f}s")


def load_site(config: SiteConfig, reporter: Reporter, *, drafts: bool = False) -> Site:
    """Read, split and tag every briefing; report every broken file at once."""
    renderer = make_renderer(config)
    problems: list[Problem] = []
    briefings: list[Briefing] = []
    with reporter.stage("load+split"):
        for path in find_content_files(config):
            try:
                briefing = split_briefing(read_content_file(path, config), renderer)
            except ContentError as error:
                problems.extend(error.problems)
                continue
            if briefing.draft and not drafts:
                continue
            briefings.append(briefing)
    problems.extend(_duplicate_days(briefings))
    try:
        data = load_site_data(config.content_path)
    except ContentError as error:
        problems.extend(error.problems)
    if problems:
        raise ContentError(problems)
    briefings.sort(key=lambda b: b.date, reverse=True)
    with reporter.stage("tag"):
        tagged = tag_stories(tuple(briefings), data)
    for warning in tagged.warnings:
        reporter.warn(warning)
    return Site(config=config, briefings=tagged.briefings, companies=tagged.companies,
                topics=tagged.topics)


def build(config: SiteConfig, reporter: Reporter, *, drafts: bool = False,
          output: Path | None = None) -> BuildSummary:
    """Build the whole site into a sibling folder and swap it in; nothing is lost on error."""
    started = time.perf_counter()
    output = output or config.output_path
    check_output_folder(output, config.root, config.content_path)
    site = load_site(config, reporter, drafts=drafts)
    theme = find_theme(config)
    statics = static_files(theme)
    assets = {path: hashlib.sha256(source.read_bytes()).hexdigest()[:10]
              for path, source in statics.items()}
    index = index_site(site)
    with reporter.stage("plan"):
        pages = plan_pages(site, index)
        feed_files = feeds_stage.build_feeds(site, index)
        _check_collisions(pages, feed_files, statics)
    env = make_environment(config, theme, assets)
    transaction = OutputTransaction(output)
    try:
        with reporter.stage("render+write"):
            for relative, data in render_pages(pages, env):
                transaction.write(relative, data)
        with reporter.stage("feeds+static"):
            for feed in feed_files:
                transaction.write(feed.path, feed.data)
            for relative, source in statics.items():
                transaction.copy(relative, source)
        with reporter.stage("swap"):
            transaction.commit()
    except BaseException:
        transaction.abort()
        raise
    return BuildSummary(
        days=len(site.briefings), stories=len(index.stories), pages=len(pages),
        feeds=len(feed_files), files=len(transaction.written) + 1,
        unchanged=transaction.unchanged, seconds=time.perf_counter() - started)


def check(config: SiteConfig, reporter: Reporter, *, drafts: bool = False) -> Site:
    """Everything a build checks, writing nothing: content, data, theme and output paths."""
    site = load_site(config, reporter, drafts=drafts)
    index = index_site(site)
    find_theme(config)
    _check_collisions(plan_pages(site, index), feeds_stage.build_feeds(site, index), {})
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


def _check_collisions(pages: list[Page], feeds: list[feeds_stage.FeedFile],
                      statics: dict[str, Path]) -> None:
    """Two things that would write the same file are an error naming both, before writing."""
    owners: dict[str, str] = {}
    problems = []
    items = [(p.path, p.source) for p in pages] + [(f.path, f.source) for f in feeds] + \
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

