"""The [deploy.NAME] tables of site.toml: typed targets, and a clear error for each mistake,
naming site.toml and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.config import load_config
from site_builder.deploy.settings import DeployTarget, load_targets, pick_target
from site_builder.errors import ConfigError, UsageError


def targets(tmp_path: Path, toml: str) -> tuple[dict[str, DeployTarget], list[str]]:
    (tmp_path / "site.toml").write_text(toml, encoding="utf-8")
    config, warnings = load_config(tmp_path)
    assert warnings == []  # the [deploy] table is no unknown key to the build
    found: list[str] = []
    return load_targets(config, found.append), found


def test_targets_in_the_order_written_with_defaults(tmp_path: Path):
    found, warnings = targets(tmp_path, """
title = "A site"
[deploy.production]
url = "s3://briefing-site/www"
endpoint = "https://example.r2.cloudflarestorage.com"
region = "auto"
[deploy.production.cache_control]
html = "public, max-age=60"
[deploy.production.content_types]
".pagefind" = "application/wasm"
[deploy.local]
url = "file:///srv/www/briefing"
max_deletes = 10
""")
    assert list(found) == ["production", "local"] and warnings == []
    production, local = found["production"], found["local"]
    assert (production.scheme, production.bucket, production.prefix) == ("s3", "briefing-site",
                                                                         "www/")
    assert production.cache_control == {"html": "public, max-age=60"}
    assert production.content_types == {".pagefind": "application/wasm"}
    assert production.max_deletes == 256 and production.workers == 8
    assert (local.scheme, local.path, local.max_deletes) == ("file", Path("/srv/www/briefing"),
                                                             10)
    config = load_config(tmp_path)[0]
    assert pick_target(found, None, config) is production
    assert pick_target(found, "local", config) is local
    with pytest.raises(UsageError, match="no deploy target 'staging'.*production, local"):
        pick_target(found, "staging", config)


@pytest.mark.parametrize(("table", "line", "message"), [
    ('url = "ftp://host/x"', 3, "is neither s3:// nor file://"),
    ('url = "file://relative/path"', 3, "is not an absolute folder"),
    ('url = "s3:///prefix"', 3, "names no bucket"),
    ('endpoint = "s3.example.com"\nurl = "s3://b"', 3, "is not an http(s) URL"),
    ('url = "s3://b"\nmax_deletes = -1', 4, "max_deletes must be a whole number of at least 0"),
    ('url = "s3://b"\nworkers = "many"', 4, "workers must be a whole number"),
    ('url = "s3://b"\naws_secret_access_key = "x"', 4, "credentials are never read from"),
    ('region = "auto"', 2, "has no url"),
    ('url = "s3://b"\n[deploy.cloud.cache_control]\nhtm = "no-cache"', 5, "'htm' is not one of"),
    ('url = "s3://b"\n[deploy.cloud.content_types]\npagefind = "x"', 5, "is not a file ext"),
    ('url = "s3://b"\n[deploy.cloud.cache_control]\nhtml = "a \\"b\\""', 5, "one-line header"),
])
def test_each_mistake_names_site_toml_and_its_line(tmp_path: Path, table: str, line: int,
                                                   message: str):
    with pytest.raises(ConfigError) as caught:
        targets(tmp_path, f"\n[deploy.cloud]\n{table}\n")
    problem, = caught.value.problems
    assert problem.path == str(tmp_path / "site.toml") and problem.line == line
    assert message in problem.message


def test_an_unknown_key_is_a_warning(tmp_path: Path):
    found, warnings = targets(tmp_path, '[deploy.cloud]\nurl = "s3://b"\nbukket = "x"\n')
    assert list(found) == ["cloud"]
    assert warnings == [f"{tmp_path / 'site.toml'}:3: unknown key deploy.cloud.bukket is ignored"]


def test_no_target_says_how_to_add_one(tmp_path: Path):
    found, _ = targets(tmp_path, 'title = "x"\n')
    with pytest.raises(UsageError, match=r"names no deploy target; add one, e.g. \[deploy"):
        pick_target(found, None, load_config(tmp_path)[0])


def test_hub_must_be_an_http_url(tmp_path: Path):
    (tmp_path / "site.toml").write_text('hub = "pubsubhubbub.appspot.com"\n')
    with pytest.raises(ConfigError, match="hub 'pubsubhubbub.appspot.com' is not an http"):
        load_config(tmp_path)
    (tmp_path / "site.toml").write_text('hub = "https://pubsubhubbub.appspot.com/"\n')
    assert load_config(tmp_path)[0].hub == "https://pubsubhubbub.appspot.com/"
