"""The email edition of a day: what its two templates see, and the filters they use.

Every build writes each day's edition beside the digest feed, digest/YYYY/MM/DD/email.html
and email.txt, from one view; the email command (newsletter/) sends the two as the parts of
one multipart/alternative message. The HTML part is made for mail clients rather than
browsers: a table about 600 px wide, every URL absolute (a message has no base), and its CSS
inlined by css-inline into style attributes, since many clients drop <style> blocks; only the
rules no attribute can hold (dark mode, narrow screens) stay in a <style> of their own.

The view holds content only: every word around it (labels, the subject line, the layout) is in
the theme's email.html and email.txt, marked for the catalogs (i18n.py), so a theme can reword
them. An edition is in its day's language, as the day's page is: its view names it as page.lang,
where the renderer looks for the language whose words a page takes (templates.py), and its
dates and the digest feed's title come from that language's Interface.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import css_inline
import jinja2
import wcwidth
from markupsafe import Markup
from wcwidth.textwrap import SequenceTextWrapper

from site_builder.config import SiteConfig
from site_builder.content.split import summarise
from site_builder.index import TagNames
from site_builder.model import Briefing, Story
from site_builder.model import card as model_card
from site_builder.output.feeds import DIGEST_URL, absolute_links, digest_title
from site_builder.output.i18n import Interface
from site_builder.output.views import View, feed_links, story_card

HTML_TEMPLATE = "email.html"
TEXT_TEMPLATE = "email.txt"
TEXT_WIDTH = 72  # columns of the plain-text part: fits any client's reading pane
WIDE_SCRIPTS = ("zh", "ja", "ko")  # languages set in CJK fonts, their characters two columns


def edition_folder(day: dt.date) -> str:
    """Where a day's edition is written: "digest/2025/03/27/"."""
    return f"{DIGEST_URL.strip('/')}/{day:%Y/%m/%d}/"


def edition_files(day: dt.date) -> tuple[tuple[str, str], ...]:
    """The edition's files as (output path, template): the HTML part, then the text part."""
    folder = edition_folder(day)
    return (folder + HTML_TEMPLATE, HTML_TEMPLATE), (folder + TEXT_TEMPLATE, TEXT_TEMPLATE)


def edition_view(config: SiteConfig, index: TagNames, briefing: Briefing,
                 ui: Interface) -> View:
    """A day as its email shows it: lead, desks, stories with summaries and tickers, links.

    ui is the Interface of the day's language. The view shows the day's own text and its
    stories' companies, which the day's stamp covers (versions.py, the day's language among
    them), and the config and catalogs, which the theme's hash covers: so the day's stamp
    keys it.
    """
    lang = briefing.lang
    day_url = config.absolute(briefing.url)
    return {"page": {"lang": lang}, "edition": {
        "date": briefing.date.isoformat(),
        "date_text": ui.long_date(briefing.date),
        "short_date": ui.short_date(briefing.date),
        "wide": lang.split("-")[0].lower() in WIDE_SCRIPTS,
        "title": briefing.title,
        "source_name": briefing.source_name,
        "preheader": summarise(briefing.lead_text),
        "lead_html": absolute_links(briefing.lead_html, day_url, config.base_url),
        "lead_text": briefing.lead_text,
        "url": day_url,
        "story_count": len(briefing.stories),
        "sections": [
            {"name": section.name, "url": config.absolute(f"/sections/{section.slug}/"),
             "stories": [_story(config, index, story, lang) for story in section.stories]}
            for section in briefing.sections],
        "home_url": config.absolute("/"),
        "archive_url": config.absolute("/archive/"),
        "digest_feeds": _absolute_feeds(config, DIGEST_URL, digest_title(config, ui)),
        "site_feeds": _absolute_feeds(config, "/", config.title),
        "unsubscribe": config.email.unsubscribe_link,
    }}


def _story(config: SiteConfig, index: TagNames, story: Story, lang: str) -> View:
    card = story_card(model_card(story), index, lang)
    return {"title": card["title"], "url": config.absolute(card["url"]),
            "summary": card["summary"],
            "companies": [{**company, "url": config.absolute(company["url"])}
                          for company in card["companies"]]}


def _absolute_feeds(config: SiteConfig, base: str, title: str) -> list[View]:
    return [{**feed, "url": config.absolute(feed["url"])} for feed in feed_links(base, title)]


# Filters of the two templates (templates.py registers them) ----------------------------------

def inline_css(document: str) -> Markup:
    """The document with its <style> rules moved into style attributes (css-inline).

    A <style data-css-inline="keep"> stays as it is, for rules that cannot be inlined; nothing
    is fetched (an edition links no stylesheet, and a build reads no network).
    """
    try:
        inlined = css_inline.inline(str(document), load_remote_stylesheets=False)
    except ValueError as error:  # css_inline.InlineError
        raise jinja2.TemplateRuntimeError(f"the email's CSS could not be inlined: {error}"
                                          ) from None
    # css-inline drops the text after </html>: a file (and a MIME part) ends with a newline
    return Markup(inlined if inlined.endswith("\n") else inlined + "\n")


def wrap_text(text: Any, width: int = TEXT_WIDTH, indent: str = "", first: str | None = None,
              wide: bool = False) -> str:
    """Plain text wrapped to width columns, each paragraph (split at blank lines) on its own;
    every line starts with indent, a paragraph's first with first (indent unless given).

    Columns are counted as a terminal shows them (wcwidth): a CJK character takes two, and
    lines break where Unicode's line-breaking rules allow (UAX #14), so a Chinese line breaks
    between characters but never before a closing mark such as "，". wide counts the East
    Asian "ambiguous" characters (curly quotes, ...) as two columns, as CJK fonts draw them.
    A URL is kept whole, on a line of its own if it is longer than one: those rules would
    break it after a "/", and a reader could no longer click it.
    """
    paragraphs = [" ".join(part.split()) for part in str(text).split("\n\n")]
    lead = indent if first is None else first
    wrapper = _wrapper(width, lead, indent, wide)
    return "\n\n".join("\n".join(_wrap(wrapper, _URL.sub(_joined, paragraph))
                                  ).replace(WORD_JOINER, "")
                         for paragraph in paragraphs if paragraph)


def _wrap(wrapper: SequenceTextWrapper, paragraph: str) -> list[str]:
    """wcwidth.wrap(paragraph) with the wrapper's settings: the same lines, faster."""
    if "\x1b" in paragraph:  # terminal sequences: wcwidth's own way, styles carried over
        return wcwidth.wrap(paragraph, wrapper.width, initial_indent=wrapper.initial_indent,
                            subsequent_indent=wrapper.subsequent_indent,
                            break_long_words=False, break_on_hyphens=False,
                            ambiguous_width=wrapper.ambiguous_width)
    lines: list[str] = wrapper.wrap(paragraph)
    return lines


@functools.lru_cache(maxsize=32)
def _wrapper(width: int, lead: str, indent: str, wide: bool) -> SequenceTextWrapper:
    return _PlainTextWrapper(width, initial_indent=lead, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False,
                             ambiguous_width=2 if wide else 1)


class _PlainTextWrapper(SequenceTextWrapper):
    """wcwidth's wrapper for text without terminal sequences (no ESC), which is all an
    edition's text: the same breaks and lines, without its per-character walk looking for
    sequences to step over, and printable ASCII measured as one column a character.

    wcwidth.wrap() made a wrapper per paragraph and walked each character in Python: some
    15,000 paragraphs a 365-day build, a tenth of its rendering time.
    """

    def _split(self, text: str) -> list[str]:
        if "\x1b" in text:
            return super()._split(text)
        return self._split_breaks(text)  # what _split returns when nothing is a sequence

    def _width(self, text: str) -> int:
        if text.isascii() and text.isprintable():
            return len(text)
        return super()._width(text)

    def _wrap_chunks(self, chunks: list[str]) -> list[str]:
        """wcwidth's greedy filling, less what only sequences or max_lines need (whose
        _wrap_chunks this follows step by step: a line never starts with a space after the
        first, nor ends with one; a chunk wider than a line gets a line of its own)."""
        if "\x1b" in "".join(chunks) or self.max_lines is not None or not self.drop_whitespace \
                or self.width <= 0:
            return super()._wrap_chunks(chunks)
        width = self._width
        lines: list[str] = []
        chunks = chunks[::-1]
        while chunks:
            while chunks and chunks[-1] in _MANDATORY_BREAKS:  # a new line; no empty lines
                del chunks[-1]
            if not chunks:
                break
            line: list[str] = []
            line_width = 0
            indent = self.subsequent_indent if lines else self.initial_indent
            room = self.width - width(indent)
            if lines and chunks[-1] and not chunks[-1].strip():
                del chunks[-1]
            while chunks:
                chunk = chunks[-1]
                if chunk in _MANDATORY_BREAKS:
                    break
                chunk_width = width(chunk)
                if line_width + chunk_width > room:
                    break
                line.append(chunks.pop())
                line_width += chunk_width
            if chunks and width(chunks[-1]) > room:
                self._handle_long_word(chunks, line, line_width, room)
                while chunks and not chunks[-1]:
                    del chunks[-1]
            if line and line[-1] and not line[-1].strip():
                del line[-1]
            text = "".join(line).rstrip()
            if text:
                lines.append(indent + text)
        return lines

    def _strip_sequences(self, text: str) -> str:
        return text if "\x1b" not in text else super()._strip_sequences(text)

    def _extract_sequences(self, text: str) -> str:
        return "" if "\x1b" not in text else super()._extract_sequences(text)


# What wcwidth takes for a mandatory line break (UAX #14 BK, CR, LF, NL).
_MANDATORY_BREAKS = frozenset(("\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"))
WORD_JOINER = "\u2060"  # no line break on either side, and no width (UAX #14 class WJ)
_URL = re.compile(r"\b(?:https?|mailto):\S+")


def _joined(url: re.Match[str]) -> str:
    """A URL with a word joiner between each two of its characters: no break inside it."""
    return WORD_JOINER.join(url.group())


EDITION_FILTERS = {"inline_css": inline_css, "wrap_text": wrap_text}
