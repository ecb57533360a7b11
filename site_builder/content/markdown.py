"""The one Markdown dialect of the site: CommonMark plus tables and strikethrough."""

from __future__ import annotations

import re
from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from site_builder.config import SiteConfig

# What raw HTML may keep when a site turns it on: text formatting, media and tables, no scripts,
# no styles, no event handlers (nh3 drops every attribute not listed here).
_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "del", "details", "dfn",
    "div", "em", "figcaption", "figure", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "abbr": {"title"}, "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align", "scope"},
    "time": {"datetime"}, "ol": {"start"}, "*": {"id", "lang", "dir"},
}
_URL_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")


def is_safe_link(url: str) -> bool:
    """Relative links and http(s)/mailto only: no javascript:, vbscript: or data: anywhere."""
    cleaned = "".join(ch for ch in url if ch >= " " and ch != "\x7f")
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in _URL_SCHEMES


class MarkdownRenderer:
    """Parses once and renders slices of the token stream, so a file is parsed a single time."""

    def __init__(self, allow_raw_html: bool) -> None:
        self.allow_raw_html = allow_raw_html
        # The commonmark preset turns raw HTML on; it is set here explicitly from the config.
        self.md = (
            MarkdownIt("commonmark", {"html": allow_raw_html, "linkify": False,
                                      "typographer": False})
            .enable("table")
            .enable("strikethrough")
        )
        self.md.validateLink = is_safe_link  # type: ignore[method-assign]

    def parse(self, text: str, env: dict[str, object]) -> list[Token]:
        return self.md.parse(text, env)

    def render_blocks(self, tokens: Sequence[Token], env: dict[str, object]) -> str:
        return self._clean(self.md.renderer.render(list(tokens), self.md.options, env))

    def render_inline(self, inline: Token, env: dict[str, object], *,
                      links: bool = True) -> str:
        """Inline Markdown as HTML; links=False keeps a link's text only, for a headline,
        which the templates put inside a link to its story (and a link in a link is invalid)."""
        children = inline.children or []
        if not links:
            children = [token for token in children
                        if token.type not in ("link_open", "link_close")]
        html: str = self.md.renderer.renderInline(  # type: ignore[attr-defined]
            children, self.md.options, env)
        return self._clean(html, links=links)

    def _clean(self, html: str, *, links: bool = True) -> str:
        if not self.allow_raw_html:
            return html  # raw HTML was escaped by the parser; links were vetted by validateLink
        return nh3.clean(html, tags=_ALLOWED_TAGS if links else _ALLOWED_TAGS - {"a"},
                         attributes=_ALLOWED_ATTRIBUTES, url_schemes=_URL_SCHEMES,
                         link_rel="noopener noreferrer")


def make_renderer(config: SiteConfig) -> MarkdownRenderer:
    return MarkdownRenderer(config.allow_raw_html)


def plain_text(inline: Token) -> str:
    """The words of an inline token, without markup: for titles, summaries and slugs."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return " ".join("".join(parts).split())
