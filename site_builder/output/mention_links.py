"""Story bodies with the first mention of each of their companies linked to its page.

Bodies are rendered to HTML when a file is parsed, before the tagger runs, and are kept in the
build cache; which companies a story is about is known only later. So the links are added when
a page or feed shows a body: the body's text is walked with the standard HTML parser, and the
first place each of the story's companies is written (by one of its names, or one of its
tickers in brackets, as copy writes them) becomes a link, never inside a link, code or a heading. A page
made from a body shows its companies too, so its key covers the links (versions.py stamps a
story by its text, its tags and its companies).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from site_builder.bodies import INLINE, Bodies
from site_builder.index import TagNames
from site_builder.model import Company, Story
from site_builder.output.html_fragments import FragmentWriter
from site_builder.tagging.mentions import tickers_in_brackets
from site_builder.tagging.names import ASCII_WORD, CJK

NOT_LINKED = frozenset(("a", "code", "pre", "kbd", "samp", "script", "style", "h1", "h2", "h3",
                        "h4", "h5", "h6", "button", "label", "textarea", "select", "option"))
"""Elements whose text never gets a link: links, code, headings, and what is no prose."""
LINK_CLASS = "mention"

_WORD_CHAR = re.compile(f"[{ASCII_WORD}]")
_HAS_CJK = re.compile(f"[{CJK}]")


@dataclass(frozen=True, slots=True)
class _Target:
    """A company a body may link to: where its page is, and how it is written."""

    href: str
    names: tuple[str, ...]  # longest first
    tickers: frozenset[str]  # its listings' canonical tickers


def linked_body(story: Story, index: TagNames, site_path: str = "",
                bodies: Bodies = INLINE) -> str:
    """The story's body HTML (read by bodies) with its companies' first mentions linked;
    site_path is the path the site lives under ("" at the root of its host)."""
    companies = [index.companies[key] for key in story.companies if key in index.companies]
    return link_mentions(bodies.html(story), companies, site_path)


def link_mentions(fragment: str, companies: Sequence[Company], site_path: str = "") -> str:
    """fragment with the first mention of each company linked to the company's page."""
    targets = [target for company in companies
               if (target := _target(company, site_path)) is not None
               and _may_hold(fragment, target)]
    if not targets:
        return fragment
    return _Linker(targets).rewrite(fragment)


def _target(company: Company, site_path: str) -> _Target | None:
    names = {company.name, *company.aliases, *(name for _, name in company.names)}
    names = {name for name in names if len(name) >= 2 and "&" not in name and "<" not in name}
    tickers = frozenset(listing.ticker for listing in company.all_listings)
    if not names and not tickers:
        return None
    return _Target(html.escape(site_path + company.url, quote=True),
                   tuple(sorted(names, key=lambda name: (-len(name), name))), tickers)


def _may_hold(fragment: str, target: _Target) -> bool:
    """A cheap test before parsing: some name, or some ticker's code, occurs at all."""
    return any(name in fragment for name in target.names) or any(
        ticker.partition(".")[0].lstrip("0") in fragment for ticker in target.tickers)


def _first_name(text: str, names: tuple[str, ...]) -> tuple[int, int] | None:
    """The earliest (then longest) place one of names is written in text as a whole word
    (a Chinese name anywhere)."""
    best: tuple[int, int] | None = None
    for name in names:
        start = text.find(name)
        while start >= 0 and not _HAS_CJK.search(name) and not _whole_word(text, start, name):
            start = text.find(name, start + 1)
        if start >= 0 and (best is None or start < best[0]):
            best = (start, start + len(name))
    return best


def _whole_word(text: str, start: int, name: str) -> bool:
    """As the tagger matches a Latin-script name: not inside a word, nor running on into one."""
    end = start + len(name)
    return not (start and _WORD_CHAR.match(text, start - 1) and _WORD_CHAR.match(name)) and not (
        end < len(text) and _WORD_CHAR.match(text, end))


class _Linker(FragmentWriter):
    """Re-emits a fragment as written, with links around the first mention of each target."""

    def __init__(self, targets: list[_Target]) -> None:
        super().__init__(convert_charrefs=False)
        self.waiting = list(targets)
        self.closed: list[str] = []  # open elements whose text is not linked
        self.codes = tuple({ticker.partition(".")[0].lstrip("0")
                            for target in targets for ticker in target.tickers})

    def rewrite(self, fragment: str) -> str:
        """Line by line, and the rest as it is once every company is linked: first mentions
        come early, and parsing the rest of a body would cost more than all the links."""
        lines = fragment.splitlines(keepends=True)
        for number, line in enumerate(lines):
            self.feed(line)
            if not self.waiting and not self.rawdata and self.cdata_elem is None:
                return "".join(self.out) + "".join(lines[number + 1:])
        self.close()
        return "".join(self.out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if tag in NOT_LINKED:
            self.closed.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.closed:
            del self.closed[len(self.closed) - 1 - self.closed[::-1].index(tag):]
        super().handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if "<" in data:  # broken markup: a link beside it might join a tag, so no more links
            self.waiting.clear()
        if self.closed or not self.waiting or self.cdata_elem is not None:
            super().handle_data(data)
            return
        spans: list[tuple[int, int, _Target]] = []
        names = [_first_name(data, target.names) for target in self.waiting]
        # Tickers only where they might come first: before a name, or where no name is.
        until = max((len(data) if name is None else name[0] for name in names), default=0)
        tickers = tickers_in_brackets(data, until) if any(
            code in data for code in self.codes) else []
        for target, name in zip(self.waiting, names, strict=True):
            found = [(t.start, t.end) for t in tickers if t.listing.ticker in target.tickers]
            candidates = [span for span in (name, *found) if span is not None]
            if candidates:
                start, end = min(candidates, key=lambda span: (span[0], -span[1]))
                spans.append((start, end, target))
        position = 0
        for start, end, target in sorted(spans, key=lambda span: (span[0], -span[1])):
            if start < position:
                continue  # inside a mention linked already; the company waits for the next text
            self.out.append(data[position:start])
            self.out.append(f'<a class="{LINK_CLASS}" href="{target.href}">{data[start:end]}</a>')
            self.waiting.remove(target)
            position = end
        self.out.append(data[position:])
