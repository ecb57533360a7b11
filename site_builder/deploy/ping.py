"""`site-builder ping`: tell the site's WebSub hub which feeds the last build changed.

For a site published by other means than `deploy` (rsync, a CI job's own upload), run after
the upload. The build cache records, for each output folder, the files the last build wrote
anew or removed (meta ``changed:<output>``, pipeline._live_record); when that build had no
site before it to compare with (a first build), every feed is new and every one is announced.
A build that found nothing changed records nothing new: a ping after it announces the same
feeds again, which costs the hub one fetch each and misleads nobody.
"""

from __future__ import annotations

import json
from pathlib import Path

from site_builder.config import SiteConfig
from site_builder.deploy.headers import kind_rule
from site_builder.deploy.manifest import output_files
from site_builder.errors import UsageError
from site_builder.pipeline import open_cache
from site_builder.report import Reporter
from site_builder.websub import ping_hub


def changed_feeds(config: SiteConfig, reporter: Reporter, output: Path) -> list[str]:
    """The site paths of the feeds the last build of output changed, sorted."""
    cache = open_cache(config, reporter, use_cache=True)
    try:
        where = str(output)
        changed = cache.build_meta(where, "changed")
        spare = cache.build_meta(where, "spare")
    finally:
        cache.close()
    if changed is None or not output.is_dir():
        raise UsageError(f"no build of {output} is recorded; run site-builder build first")
    if not spare:  # no site before it: everything the build made is new
        paths = set(output_files(output))
    else:
        try:
            paths = {str(path) for path in json.loads(changed)}
        except (ValueError, TypeError):
            paths = set(output_files(output))
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
