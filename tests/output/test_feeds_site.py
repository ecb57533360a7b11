"""The sample site's feeds, built for real: each parses cleanly and links to a written page."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from site_builder.config import SiteConfig, load_config
from site_builder.pipeline import build
from site_builder.report import Reporter


@pytest.fixture(scope="module")
def built(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[SiteConfig, Path]:
    config, _ = load_config(repo_root)
    output = tmp_path_factory.mktemp("feeds_site") / "out"
    # No cache: it lives in the site folder, and this is the repository itself.
    build(config, Reporter(0), output=output, use_cache=False)
    return config, output


def page_for(config: SiteConfig, output: Path, link: str) -> Path:
    """The index.html a feed link points at, inside the output folder."""
    assert link.startswith(config.base_url), link
    relative = link[len(config.base_url):].split("#")[0]
    return output / relative / "index.html"


def test_every_feed_parses_and_links_to_written_pages(built: tuple[SiteConfig, Path]) -> None:
    config, output = built
    feeds = sorted(output.rglob("*.xml"))
    assert output / "feed.xml" in feeds and output / "atom.xml" in feeds
    assert output / "digest" / "feed.xml" in feeds
    entries = 0
    for path in feeds:
        result = feedparser.parse(path.read_bytes())
        assert result.bozo == 0, (path, result.get("bozo_exception"))
        for entry in result.entries:
            entries += 1
            assert page_for(config, output, entry.link).is_file(), (path, entry.link)
    assert entries > 0


def test_every_json_feed_links_to_written_pages(built: tuple[SiteConfig, Path]) -> None:
    config, output = built
    paths = sorted(output.rglob("feed.json"))
    assert len(paths) == len(list(output.rglob("feed.xml")))
    for path in paths:
        feed = json.loads(path.read_bytes())
        assert feed["feed_url"] == config.absolute(path.relative_to(output).as_posix())
        for item in feed["items"]:
            assert page_for(config, output, item["url"]).is_file(), (path, item["url"])


def test_every_page_feed_link_is_written(built: tuple[SiteConfig, Path]) -> None:
    """Each company, topic and section page has its three feeds next to it."""
    _, output = built
    for kind in ("companies", "topics", "sections"):
        folders = [p.parent for p in (output / kind).glob("*/index.html")]
        assert folders, kind
        for folder in folders:
            for name in ("feed.xml", "atom.xml", "feed.json"):
                assert (folder / name).is_file(), folder / name
