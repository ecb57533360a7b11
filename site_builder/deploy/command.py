"""`site-builder deploy`: publish output/ to a target of site.toml, sending only what changed.

The deploy reads, in order: the target's settings, the built site's manifest (hashing only
files it has not seen), the target's manifest; it plans, checks the delete guard, then
carries the plan out, writes the changed URLs for a CDN purge and tells the WebSub hub about
the feeds that changed. It reads output/ from start to end, so deploy() is the one call to
hold the site's lock around.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO
from urllib.parse import urlsplit

from site_builder.config import SiteConfig
from site_builder.deploy.headers import Headers
from site_builder.deploy.manifest import local_manifest, memo_path
from site_builder.deploy.plan import Plan, TargetState, changed_urls, make_plan
from site_builder.deploy.settings import DeployTarget, load_targets, pick_target
from site_builder.errors import DeployError, UsageError
from site_builder.output.write import MARKER
from site_builder.report import Reporter
from site_builder.websub import ping_hub


@dataclass(frozen=True, slots=True)
class DeployOptions:
    """What the command line may ask of a deploy."""

    target: str | None = None
    """A [deploy.NAME] of site.toml; None: the first one."""
    dry_run: bool = False
    max_deletes: int | None = None
    """Overrides the target's max_deletes for this run."""
    changed_urls: Path | None = None
    """Where to write the public URL of every file sent or deleted, one a line."""
    force: bool = False
    """Send every file, whatever the target's manifest says."""
    ping: bool = True
    """Tell the site's WebSub hub about the feeds that changed."""
    output: Path | None = None
    """The built site to publish; None: the site's output folder."""


class Target(Protocol):
    """Where a site is published: what it holds, and how a plan is carried out there."""

    where: str

    def read_state(self) -> TargetState: ...

    def apply(self, plan: Plan, state: TargetState, output: Path,
              progress: Callable[[int, int], None]) -> None: ...


def deploy(config: SiteConfig, reporter: Reporter, options: DeployOptions,
           out: TextIO) -> Plan:
    """The whole deploy; the plan it carried out (or, on a dry run, printed to out)."""
    started = time.perf_counter()
    target = pick_target(load_targets(config, reporter.warn), options.target, config)
    output = (options.output or config.output_path).absolute()
    if not (output / MARKER).is_file():
        raise UsageError(f"{output} holds no built site; run site-builder build first")
    headers = Headers(target.cache_control, target.content_types)
    store = open_target(target, headers, config)
    with reporter.stage("deploy: hash"):
        site = local_manifest(output, memo_path(config.root, output))
    with reporter.stage("deploy: read target"):
        state = store.read_state()
    plan = make_plan(site, state, headers=headers.key(), force=options.force)
    limit = target.max_deletes if options.max_deletes is None else options.max_deletes
    if options.dry_run:
        print_plan(plan, out)
    if len(plan.deletes) > limit:
        raise DeployError(f"{target.name}: the plan deletes {len(plan.deletes)} files, more "
                          f"than max_deletes ({limit}); nothing was changed. If the site "
                          "really lost them, run again with --max-deletes "
                          f"{len(plan.deletes)} (--dry-run lists them)")
    if options.dry_run:
        reporter.info(f"dry run for {target.name} ({store.where}): {plan.counts()}; "
                      "nothing was changed")
        return plan
    with reporter.stage("deploy: send"):
        store.apply(plan, state, output,
                    lambda done, total: reporter.progress("deploy", done, total))
        reporter.progress_done()
    if options.changed_urls is not None:
        write_changed_urls(options.changed_urls, changed_urls(plan, config.base_url))
    reporter.info(f"deployed to {target.name} ({store.where}): {plan.counts(done=True)} "
                  f"in {time.perf_counter() - started:.2f}s")
    feeds = [config.absolute(u.path) for u in plan.uploads if u.kind == "feed"]
    if options.ping and config.hub and feeds:
        accepted = ping_hub(config.hub, feeds, reporter.warn)
        reporter.info(f"told the WebSub hub {config.hub} about {accepted} of {len(feeds)} "
                      "changed feed(s)")
    return plan


def open_target(target: DeployTarget, headers: Headers, config: SiteConfig) -> Target:
    if target.scheme == "s3":
        from site_builder.deploy.s3 import S3Target  # boto3 takes a while to import

        return S3Target(target, headers)
    from site_builder.deploy.webroot import WebRootTarget

    return WebRootTarget(target, headers, urlsplit(config.base_url).path)


def print_plan(plan: Plan, out: TextIO) -> None:
    for upload in plan.uploads:
        print(f"upload  {upload.kind:<7} {upload.path} ({'new' if upload.new else 'changed'})",
              file=out)
    for path in plan.deletes:
        print(f"delete  {'':<7} {path}", file=out)


def write_changed_urls(path: Path, urls: list[str]) -> None:
    try:
        path.write_text("".join(f"{url}\n" for url in urls), encoding="utf-8")
    except OSError as error:
        raise DeployError(f"the deploy is done, but --changed-urls {path} cannot be written: "
                          f"{error.strerror}") from None
