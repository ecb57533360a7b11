"""The [deploy.NAME] tables of site.toml, read into typed target records.

    [deploy.production]
    url = "s3://briefing-site/www"       # or "file:///srv/www/briefing"
    endpoint = "https://<account>.r2.cloudflarestorage.com"   # S3-compatible stores
    region = "auto"
    max_deletes = 256
    [deploy.production.cache_control]
    html = "public, max-age=60, stale-while-revalidate=600"
    [deploy.production.content_types]
    ".pagefind" = "application/wasm"

Credentials are never read from here: boto3 finds them in the environment, ~/.aws or the
machine's role, as every other S3 tool does, so site.toml can be committed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from site_builder.config import CONFIG_NAME, SiteConfig, read_site_toml
from site_builder.errors import ConfigError, Problem, UsageError

DEFAULT_MAX_DELETES = 256
DEFAULT_WORKERS = 8
CACHE_CLASSES = ("asset", "html", "feed", "other")
"""What Cache-Control is set by: a file's kind falls in one of these (headers.py)."""
_KEYS = {"url", "endpoint", "region", "max_deletes", "workers", "addressing_style",
         "cache_control", "content_types"}
_SECRET_WORDS = ("key", "secret", "token", "password", "credential")
_ADDRESSING = ("auto", "path", "virtual")


@dataclass(frozen=True, slots=True)
class DeployTarget:
    """One [deploy.NAME] table: where a site is published, and how."""

    name: str
    url: str
    """s3://bucket/prefix or file:///absolute/path, as written."""
    endpoint: str = ""
    """The S3 API's URL for stores other than AWS (R2, MinIO, OSS); empty means AWS."""
    region: str = ""
    """The S3 region; empty means boto3's own choice (AWS_REGION, ~/.aws/config)."""
    max_deletes: int = DEFAULT_MAX_DELETES
    """A deploy that would delete more files than this stops before it changes anything."""
    workers: int = DEFAULT_WORKERS
    """Uploads at once to object storage."""
    addressing_style: str = "auto"
    """How bucket names go into S3 URLs: "path" for most self-hosted stores."""
    cache_control: Mapping[str, str] = field(default_factory=dict)
    """Cache-Control by class (asset, html, feed, other), over headers.py's defaults."""
    content_types: Mapping[str, str] = field(default_factory=dict)
    """Content-Type by file extension (".ext"), over headers.py's table."""

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    @property
    def bucket(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def prefix(self) -> str:
        """The key prefix under the bucket: "" or "some/folder/"."""
        path = urlsplit(self.url).path.strip("/")
        return f"{path}/" if path else ""

    @property
    def path(self) -> Path:
        """A file:// target's folder (the link a web server serves)."""
        return Path(unquote(urlsplit(self.url).path))


def load_targets(config: SiteConfig, warn: Callable[[str], None]) -> dict[str, DeployTarget]:
    """Every [deploy.NAME] table of the site's site.toml, in the order written; every
    problem found is reported at once, each with its line."""
    path = config.root / CONFIG_NAME
    tables = read_site_toml(config.root).get("deploy", {})
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if not isinstance(tables, dict):
        raise ConfigError.at(str(path), 0, "deploy must be a table of targets",
                             'write [deploy.production] and url = "s3://bucket/prefix" under it')
    problems: list[Problem] = []
    targets = {}
    for name, table in tables.items():
        where = _Where(str(path), text, name)
        if not isinstance(table, dict):
            problems.append(where.problem("", f"deploy.{name} must be a table",
                                          f'write [deploy.{name}] and url = "..." under it'))
            continue
        target = _target(name, table, where, problems, warn)
        if target is not None:
            targets[name] = target
    if problems:
        raise ConfigError(problems)
    return targets


def pick_target(targets: dict[str, DeployTarget], name: str | None,
                config: SiteConfig) -> DeployTarget:
    """The named target, or the first one when none is named (as `hugo deploy` does)."""
    if not targets:
        raise UsageError(f"{config.root / CONFIG_NAME} names no deploy target; add one, e.g. "
                         '[deploy.production] with url = "s3://bucket/prefix" or '
                         'url = "file:///srv/www/briefing"')
    if name is None:
        return next(iter(targets.values()))
    if name not in targets:
        raise UsageError(f"no deploy target {name!r} in {config.root / CONFIG_NAME} "
                         f"(it has: {', '.join(targets)})")
    return targets[name]


@dataclass(frozen=True, slots=True)
class _Where:
    """Finds the line of a key of one [deploy.NAME] table in site.toml's text (tomllib
    gives values, not positions)."""

    path: str
    text: str
    name: str

    def line(self, key: str) -> int:
        lines = self.text.splitlines()
        header = re.compile(rf"^\s*\[\s*deploy\s*\.\s*\"?{re.escape(self.name)}\"?\s*(\.|\])")
        start = next((n for n, line in enumerate(lines) if header.match(line)), None)
        if start is None:
            return 0
        if key:
            assignment = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
            for number in range(start + 1, len(lines)):
                if lines[number].lstrip().startswith("[") and not header.match(lines[number]):
                    break
                if assignment.match(lines[number]):
                    return number + 1
        return start + 1

    def problem(self, key: str, message: str, hint: str = "") -> Problem:
        return Problem(self.path, self.line(key), message, hint)


def _target(name: str, table: dict[str, Any], where: _Where, problems: list[Problem],
            warn: Callable[[str], None]) -> DeployTarget | None:
    found = len(problems)
    for key in table:
        if key in _KEYS:
            continue
        if any(word in key.lower() for word in _SECRET_WORDS):
            problems.append(where.problem(
                key, f"deploy.{name}.{key}: credentials are never read from site.toml",
                "remove it; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) "
                "in the environment, or use ~/.aws/credentials"))
        else:
            warn(f"{where.path}:{where.line(key)}: unknown key deploy.{name}.{key} is ignored")
    url = table.get("url")
    if not isinstance(url, str) or not url:
        problems.append(where.problem("url", f"deploy.{name} has no url",
                                      'e.g. url = "s3://bucket/prefix" or '
                                      'url = "file:///srv/www/briefing"'))
        return None
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc:
            problems.append(where.problem("url", f"deploy.{name}.url {url!r} names no bucket",
                                          'e.g. url = "s3://bucket/prefix"'))
    elif parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/") \
                or parts.path.rstrip("/") == "" or ".." in parts.path.split("/"):
            problems.append(where.problem(
                "url", f"deploy.{name}.url {url!r} is not an absolute folder",
                'write three slashes and a folder below /: url = "file:///srv/www/briefing"'))
    else:
        problems.append(where.problem("url", f"deploy.{name}.url {url!r} is neither s3:// nor "
                                      "file://", 'e.g. url = "s3://bucket/prefix"'))
    values: dict[str, Any] = {"name": name, "url": url}
    for key, default in (("endpoint", ""), ("region", ""), ("addressing_style", "auto")):
        text = table.get(key, default)
        if not isinstance(text, str):
            problems.append(where.problem(key, f"deploy.{name}.{key} must be a string"))
        values[key] = text
    endpoint = values["endpoint"]
    if isinstance(endpoint, str) and endpoint and \
            not endpoint.startswith(("http://", "https://")):
        problems.append(where.problem("endpoint", f"deploy.{name}.endpoint {endpoint!r} is not "
                                      "an http(s) URL", 'e.g. endpoint = "https://s3.example.com"'))
    if values["addressing_style"] not in _ADDRESSING:
        problems.append(where.problem("addressing_style", f"deploy.{name}.addressing_style "
                                      f"must be one of {', '.join(_ADDRESSING)}"))
    for key, fallback, least in (("max_deletes", DEFAULT_MAX_DELETES, 0),
                                 ("workers", DEFAULT_WORKERS, 1)):
        number = table.get(key, fallback)
        if not isinstance(number, int) or isinstance(number, bool) or number < least:
            problems.append(where.problem(key, f"deploy.{name}.{key} must be a whole number "
                                          f"of at least {least}", f"e.g. {key} = {fallback}"))
        values[key] = number
    values["cache_control"] = _strings(name, table, where, problems, _Keys(
        "cache_control", lambda key: key in CACHE_CLASSES, f"one of {', '.join(CACHE_CLASSES)}"))
    values["content_types"] = _strings(name, table, where, problems, _Keys(
        "content_types", lambda key: bool(re.fullmatch(r"\.[A-Za-z0-9_-]+", key)),
        'a file extension such as ".pagefind"'))
    if len(problems) > found:
        return None
    return DeployTarget(**values)


@dataclass(frozen=True, slots=True)
class _Keys:
    """A sub-table of a target (key), and which keys it may hold: allowed(key), described."""

    key: str
    allowed: Callable[[str], bool]
    expected: str


def _strings(name: str, table: dict[str, Any], where: _Where, problems: list[Problem],
             keys: _Keys) -> dict[str, str]:
    """A sub-table of strings whose keys must pass keys.allowed()."""
    key, allowed, expected = keys.key, keys.allowed, keys.expected
    value = table.get(key, {})
    if not isinstance(value, dict):
        problems.append(where.problem(key, f"deploy.{name}.{key} must be a table",
                                      f"write [deploy.{name}.{key}]"))
        return {}
    found = {}
    for entry, text in value.items():
        if not allowed(entry):
            problems.append(where.problem(entry, f"deploy.{name}.{key}: {entry!r} is not "
                                          f"{expected}"))
        elif not isinstance(text, str) or not text or "\n" in text or '"' in text:
            problems.append(where.problem(entry, f"deploy.{name}.{key}.{entry} must be a "
                                          "one-line header value without double quotes"))
        else:
            found[entry] = text
    return found
