"""`site-builder ping`: tell the site's WebSub hub which feeds the last build changed.

For a site published by other means than `deploy` (rsync, a CI job's own upload), run after
the upload. The build cache records, for each output folder, the files the last build wrote
anew or removed (meta ``changed:<output>``, pipeline._live_record); when that build had no
site before it to compare with (a first build), every feed is new and every one is announced.
A build that found nothing changed records nothing new: a ping after it announces the same
feeds again, which costs the hub one fetch each and misleads nobody.
"""

from __future__ import annotations

from pathlib import Path

from site_builder.config import SiteConfig
from site_builder.deploy.headers import kind_rule
from site_builder.deploy.manifest import output_files
from site_builder.errors import UsageError
from site_builder.incremental.memory import BuildMemory
from site_builder.report import Reporter
from site_builder.websub import ping_hub


def changed_feeds(config: SiteConfig, reporter: Reporter, output: Path) -> list[str]:
    """The site paths of the feeds the last build of output changed, sorted."""
    memory = BuildMemory.open(config, reporter, output=output, use_cache=True)
    try:
        recorded, changed = memory.recorded(), memory.last_changed()
    finally:
        memory.close()
    if not recorded or not output.is_dir():
        raise UsageError(f"no build of {output} is recorded; run site-builder build first")
    paths = set(changed) if changed is not None else set(output_files(output))
    return sorted(path for path in paths
                  if kind_rule(path).kind == "feed" and (output / path).is_file())


def run_ping(config: SiteConfig, reporter: Reporter, *, dry_run: bool = False) -> int:
    """Announce the changed feeds; a hub that is down is a warning (exit 0), as in deploy."""
    if not config.hub:
        raise UsageError(f"{config.root / 'site.toml'} names no WebSub hub; add e.g. "
                         'hub = "https://pubsubhubbub.appspot.com/"')
    feeds = [config.absolute(path) for path in
             changed_feeds(config, reporter, config.output_path.absolute())]
    if not feeds:
        reporter.info("the last build changed no feed; the hub was not told anything")
        return 0
    if dry_run:
        for feed in feeds:
            reporter.info(f"would ping {config.hub} for {feed}")
        return 0
    accepted = ping_hub(config.hub, feeds, reporter.warn)
    reporter.info(f"told the WebSub hub {config.hub} about {accepted} of {len(feeds)} "
                  "changed feed(s)")
    return 0
