"""What each built file is: its kind, when it is uploaded, its Content-Type and Cache-Control.

The kinds are a table of rules, first match wins, over the path within the site (the one
table serves the S3 upload and the nginx snippet of a web root, so both send alike):

- asset: the theme's static files and Pagefind's index pieces. A page links a static file
  as ``/static/style.css?v=<hash of its bytes>`` (output/templates.py, ``asset``), so a new
  version is a new URL; a Pagefind piece carries its hash in its name. Cached for a year,
  immutable.
- story, day, page: story pages, day pages, and every other page (lists, terms, home).
- feed: RSS (feed.xml), Atom (atom.xml) and JSON Feed (feed.json) documents; sitemap: the
  sitemaps and robots.txt. HTML and feeds are cached briefly, and served stale for a while
  as the cache fetches the new one, so the morning's news is minutes old at most.
- other: the rest (Pagefind's scripts and bundle entries).

Uploads go by rank: assets, then stories, then the search bundles' entries (which point at
stories and pieces), day pages, then the other pages, then feeds and sitemaps; a reader who
follows a link from a new page finds what it links to already there. Deletes come last.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from site_builder.deploy.settings import CACHE_CLASSES

_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class KindRule:
    """Paths that fully match pattern are of this kind; content_type, when set, wins over
    the extension's (feeds are .xml and .json files of their own types)."""

    kind: str
    pattern: str
    content_type: str = ""


RULES = (
    KindRule("feed", r"(?:.+/)?feed\.xml", "application/rss+xml; charset=utf-8"),
    KindRule("feed", r"(?:.+/)?atom\.xml", "application/atom+xml; charset=utf-8"),
    KindRule("feed", r"(?:.+/)?feed\.json", "application/feed+json; charset=utf-8"),
    KindRule("sitemap", r"(?:news-)?sitemap(?:-[0-9]+)?\.xml|robots\.txt"),
    KindRule("asset", r"static/.+"),
    KindRule("asset", r"pagefind/.+\.pf_[a-z]+"),
    KindRule("story", r"[0-9]{4}/[0-9]{2}/[0-9]{2}/[^/]+/index\.html"),
    KindRule("day", r"[0-9]{4}/[0-9]{2}/[0-9]{2}/index\.html"),
    KindRule("page", r".+\.html"),
    KindRule("other", r".+"),
)
RANKS = {"asset": 0, "story": 1, "other": 2, "day": 3, "page": 4, "feed": 5, "sitemap": 5}
"""Upload order by kind: every file of a rank is in place before the next rank starts."""
CACHE_CLASS = {"asset": "asset", "story": "html", "day": "html", "page": "html",
               "feed": "feed", "sitemap": "feed", "other": "other"}
DEFAULT_CACHE_CONTROL = {
    "asset": "public, max-age=31536000, immutable",
    "html": "public, max-age=300, stale-while-revalidate=3600",
    "feed": "public, max-age=300, stale-while-revalidate=3600",
    "other": "public, max-age=300, stale-while-revalidate=3600",
}
EXTENSION_TYPES = {
    ".html": _HTML, ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".json": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8", ".map": "application/json; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon",
    ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
    ".pdf": "application/pdf", ".wasm": "application/wasm", ".mp4": "video/mp4",
    ".webm": "video/webm", ".mp3": "audio/mpeg",
}
"""Content-Type by extension; anything else is application/octet-stream (so is Pagefind's
compressed .pagefind and .pf_* data, which its script fetches and unpacks itself)."""
DEFAULT_TYPE = "application/octet-stream"
_COMPILED = tuple((rule, re.compile(rule.pattern)) for rule in RULES)


@dataclass(frozen=True, slots=True)
class FileHeaders:
    kind: str
    content_type: str
    cache_control: str


def kind_rule(path: str) -> KindRule:
    """The first rule path (relative to the site, "a/b/index.html") fully matches."""
    return next(rule for rule, pattern in _COMPILED if pattern.fullmatch(path))


class Headers:
    """Each file's headers, from the rules with a target's settings over the defaults."""

    def __init__(self, cache_control: Mapping[str, str] | None = None,
                 content_types: Mapping[str, str] | None = None) -> None:
        self.cache_control = {**DEFAULT_CACHE_CONTROL, **(cache_control or {})}
        self.extension_types = {**EXTENSION_TYPES, **(content_types or {})}
        assert set(self.cache_control) == set(CACHE_CLASSES)

    def for_path(self, path: str) -> FileHeaders:
        rule = kind_rule(path)
        return FileHeaders(rule.kind, rule.content_type or self.type_by_extension(path),
                           self.cache_control[CACHE_CLASS[rule.kind]])

    def type_by_extension(self, path: str) -> str:
        return self.extension_types.get(PurePosixPath(path).suffix.lower(), DEFAULT_TYPE)

    def key(self) -> str:
        """Changes when any header a file would get changes: an S3 target whose objects
        were sent with other headers gets every file again."""
        settings = json.dumps([self.cache_control, self.extension_types,
                               [(r.kind, r.pattern, r.content_type) for r in RULES]],
                              sort_keys=True)
        return hashlib.sha256(settings.encode()).hexdigest()[:16]


def pretty_path(path: str) -> str:
    """The path a reader uses: "2025/03/27/" for "2025/03/27/index.html", "" for the home."""
    if path == "index.html":
        return ""
    return path.removesuffix("index.html") if path.endswith("/index.html") else path
