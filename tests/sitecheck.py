"""Checks over a built site with real parsers: links, assets, ids, and page inventory."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass
class PageLinks:
    links: list[str] = field(default_factory=list)  # href and src values
    ids: set[str] = field(default_factory=set)
    lang: str = ""
    title: str = ""
    h1: int = 0


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageLinks()
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src"):
            if values.get(name):
                self.page.links.append(values[name] or "")
        if values.get("id"):
            self.page.ids.add(values["id"] or "")
        if tag == "html":
            self.page.lang = values.get("lang") or ""
        if tag == "h1":
            self.page.h1 += 1
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page.title += data


def parse_page(path: Path) -> PageLinks:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    collector.close()
    return collector.page


def resolve(output: Path, page_path: Path, link: str, base_path: str = "") -> Path | None:
    """The file a same-site link points at, or None for an external link."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    target = unquote(parts.path)
    if not target:
        return page_path
    if target.startswith("/"):
        if base_path and target.startswith(base_path):
            target = target[len(base_path):]
        resolved = output / target.lstrip("/")
    else:
        resolved = (page_path.parent / target)
    if str(link).endswith("/") or resolved.is_dir():
        resolved = resolved / "index.html"
    return resolved


def broken_links(output: Path, base_path: str = "") -> list[str]:
    """Every internal href/src (with #fragment) that does not resolve, as 'page -> link'."""
    pages = {p: parse_page(p) for p in output.rglob("*.html")}
    broken = []
    for page_path, page in pages.items():
        for link in page.links:
            if link.startswith(("mailto:", "#")) and not link.startswith("#"):
                continue
            target = resolve(output, page_path, link, base_path)
            if target is None:
                continue
            if not target.is_file():
                broken.append(f"{page_path.relative_to(output)} -> {link}")
                continue
            fragment = urlsplit(link).fragment
            if fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse_page(target).ids
                if fragment not in ids:
                    broken.append(f"{page_path.relative_to(output)} -> {link} (no such id)")
    return broken
