"""Share images: a 1200x630 PNG for every day page and every story of the newest 30 days.

Link previews (WeChat, X, chat apps) show them. A card is drawn with Pillow from plain text
(site name, headline, date, tickers), laid out to fit: wrapped, and cut with an ellipsis when
it is too long. The bytes depend only on what is drawn and the font (no timestamp, fixed
compression), so two builds give the same file. Each card is a job of the feeds' shape
(paths, source, inputs(), make()), drawn in the render workers and skipped when its inputs did
not change; drawn cards are also kept in the build cache folder under a hash of what they
show, so a new output folder or a lost fingerprint costs a copy, not a drawing.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from site_builder.config import SiteConfig
from site_builder.index import SiteIndex
from site_builder.model import Briefing, Company, Site, Story
from site_builder.output.dates import long_date
from site_builder.output.i18n import Interface, Interfaces
from site_builder.output.share_fonts import (
    FontFile,
    Fonts,
    find_fonts,
    load,
    missing_letters,
    text_length,
)

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
STORY_DAYS = 30  # stories of the newest 30 days get their own card
VERSION = "1"  # of the drawing: a new one draws every card again
FILE = "share.png"
CACHE_FOLDER = "share-images"
# A duotone: grey levels 0..255 run from the background to the text colour.
BACKGROUND = (18, 36, 58)
FOREGROUND = (246, 244, 238)
_PALETTE = [round(b + (f - b) * level / 255) for level in range(256)
            for b, f in zip(BACKGROUND, FOREGROUND, strict=True)]
STRONG, SOFT, FAINT = 255, 190, 120  # grey levels of the headline, the date, the rule
HEADLINE_SIZES = (66, 58, 50, 44)  # the largest that fits without cutting wins
HEADLINE_LINES = 4
COMPRESS_LEVEL = 1  # fixed, so the same card is the same bytes; 3 to 9 save little, cost more
# A CJK letter can end a line anywhere; other text breaks at spaces.
_UNITS = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|\s+|"
                    r"[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+")


@dataclass(frozen=True, slots=True)
class Card:
    """What one share image shows, and where it goes."""

    path: str  # in the output folder, "2025/03/27/share.png"
    site: str  # the site's name, at the top
    headline: str  # a story's headline or a day's title
    date: str  # the date as the page's language writes it
    detail: str  # a story's tickers, "002241.SZ · NVDA.O", or a day's story count
    lang: str

    @property
    def alt(self) -> str:
        """The card in words, for og:image:alt."""
        return " · ".join(part for part in (self.headline, self.date, self.detail, self.site)
                          if part)


def image_path(url: str) -> str:
    """A page's own card, beside its index.html."""
    return url.strip("/") + "/" + FILE


def has_own_card(story: Story, newest: dt.date | None) -> bool:
    """Stories of the newest 30 days have their own card; older ones use their day's."""
    return newest is not None and (newest - story.day).days < STORY_DAYS


def day_card(config: SiteConfig, briefing: Briefing, ui: Interface) -> Card:
    """A day's card; ui is the interface of the day's language (its story count's words)."""
    count = len(briefing.stories)
    return Card(image_path(briefing.url), config.title, briefing.title,
                long_date(briefing.date, briefing.lang),
                ui.ngettext("%(num)s story", "%(num)s stories", count), briefing.lang)


def story_card_image(config: SiteConfig, companies: Mapping[str, Company], briefing: Briefing,
                     story: Story) -> Card:
    tickers = [companies[key].ticker for key in story.companies
               if key in companies and companies[key].ticker]
    return Card(image_path(story.url), config.title, story.title,
                long_date(story.day, briefing.lang), " · ".join(tickers[:6]), briefing.lang)


def page_card(config: SiteConfig, companies: Mapping[str, Company], briefing: Briefing,
              story: Story | None, ui: Interface) -> Card:
    """The card a day or story page shows in its previews: a story's own (given one of the
    newest 30 days, has_own_card), else its day's."""
    if story is not None:
        return story_card_image(config, companies, briefing, story)
    return day_card(config, briefing, ui)


@dataclass(frozen=True, slots=True)
class ShareImages:
    """A build's card jobs, the folder drawn cards are kept in, and the names they use there."""

    jobs: list[ShareImage]
    folder: Path | None
    names: set[str]


def plan_share_images(site: Site, index: SiteIndex, folder: Path | None,
                      warn: Callable[[str], None]) -> ShareImages:
    """Every share image of the site: each day's, and each story's of the newest 30 days."""
    if not site.briefings:
        return ShareImages([], folder, set())
    fonts = find_fonts(warn)
    newest = site.briefings[0].date
    config, interfaces = site.config, Interfaces(site.config)
    jobs = []
    for briefing in site.briefings:
        jobs.append(ShareImage(day_card(config, briefing, interfaces[briefing.lang]), fonts,
                               folder))
        for story in briefing.stories:
            if has_own_card(story, newest):
                card = story_card_image(config, index.companies, briefing, story)
                jobs.append(ShareImage(card, fonts, folder))
    return ShareImages(jobs, folder, {job.cache_name for job in jobs})


@dataclass(frozen=True, slots=True)
class ShareImage:
    """One card as a render job: made in a worker, kept when its inputs are unchanged."""

    card: Card
    fonts: Fonts
    cache: Path | None  # the folder drawn cards are kept in, or None

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.card.path,)

    @property
    def source(self) -> str:
        return f"share image {self.card.path}"

    def inputs(self) -> list[object]:
        """Everything the bytes depend on: the text, the fonts and the drawing's version."""
        return [VERSION, self.card.site, self.card.headline, self.card.date, self.card.detail,
                *self.fonts.identities]

    @property
    def cache_name(self) -> str:
        """Its file in the cache folder: a hash of what it shows."""
        text = json.dumps(self.inputs(), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() + ".png"

    def make(self) -> list[tuple[str, bytes]]:
        kept = self.cache / self.cache_name if self.cache is not None else None
        if kept is not None:
            try:
                return [(self.card.path, kept.read_bytes())]
            except OSError:
                pass
        data = draw(self.card, self.fonts)
        if kept is not None:
            _keep(kept, data)
        return [(self.card.path, data)]


def prune_cache(folder: Path, keep: set[str]) -> None:
    """Drop cards no page of this build shows; a file that cannot go is left for next time."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.endswith(".png") and name not in keep:
            try:
                (folder / name).unlink()
            except OSError:
                pass


def _keep(path: Path, data: bytes) -> None:
    """Written whole or not at all (a temporary file renamed): workers draw side by side."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        pass  # the cache is only a shortcut


# Drawing --------------------------------------------------------------------------------------

def draw(card: Card, fonts: Fonts) -> bytes:
    """The card as PNG bytes: grey levels drawn once, coloured by a palette (a duotone), saved
    without metadata at a fixed compression, so the same card is the same bytes."""
    image = _with_headline(card.site, card.headline, fonts).copy()
    pen = ImageDraw.Draw(image)
    footer = "   ".join(part for part in (card.date, card.detail) if part)
    small = Face(font_for(fonts, footer), 30)
    pen.text((MARGIN, HEIGHT - MARGIN - 34),
             fit_line(drawable(footer, small.font), small, WIDTH - 2 * MARGIN),
             font=small.load(), fill=SOFT)
    out = io.BytesIO()
    image.putpalette(_PALETTE)  # the grey levels become palette indices: "L" to "P", no copy
    image.save(out, "PNG", optimize=False, compress_level=COMPRESS_LEVEL)
    return out.getvalue()


@functools.lru_cache(maxsize=8)
def _with_headline(site: str, headline: str, fonts: Fonts) -> Image.Image:
    """The card's site name and headline, drawn once per process for each pair: every day's
    card has the same title, so most of a day card is a copy. Never changed: copied."""
    image = _header(site, fonts).copy()
    pen = ImageDraw.Draw(image)
    font = font_for(fonts, headline)
    size, lines = layout_headline(drawable(headline, font), font, WIDTH - 2 * MARGIN)
    face = Face(font, size).load()
    top = MARGIN + 100
    for line in lines:
        pen.text((MARGIN, top), line, font=face, fill=STRONG)
        top += round(size * 1.25)
    return image


@functools.lru_cache(maxsize=2)
def _header(site: str, fonts: Fonts) -> Image.Image:
    """The site's name and a rule under it, on the background: the same on every card."""
    image = Image.new("L", (WIDTH, HEIGHT), 0)
    pen = ImageDraw.Draw(image)
    face = Face(font_for(fonts, site), 34)
    pen.text((MARGIN, MARGIN), fit_line(drawable(site, face.font), face, WIDTH - 2 * MARGIN),
             font=face.load(), fill=STRONG)
    pen.rectangle((MARGIN, MARGIN + 56, MARGIN + 96, MARGIN + 62), fill=FAINT)
    return image


@dataclass(frozen=True, slots=True)
class Face:
    """A font at a size: what text is measured and drawn with."""

    font: FontFile
    size: int

    def load(self) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        return load(self.font, self.size)

    def length(self, text: str) -> float:
        return text_length(self.font, self.size, text)


def font_for(fonts: Fonts, text: str) -> FontFile:
    """The CJK font for text with letters the Latin one lacks, when there is one."""
    if fonts.cjk is not None and fonts.latin != fonts.cjk and missing_letters(fonts.latin, text):
        return fonts.cjk
    return fonts.latin


def drawable(text: str, font: FontFile) -> str:
    """The text without the letters the font has no glyph for: never a box. (Only without a
    CJK font, when the build has warned.)"""
    missing = missing_letters(font, text)
    if not missing:
        return text
    return re.sub(r"\s+", " ", "".join(" " if letter in missing else letter
                                       for letter in text)).strip()


def layout_headline(text: str, font: FontFile, width: int) -> tuple[int, list[str]]:
    """The largest size at which the headline fits its lines whole, else the smallest, cut."""
    lines: list[str] = []
    for size in HEADLINE_SIZES:
        lines, whole = wrap(text, Face(font, size), width, HEADLINE_LINES)
        if whole:
            return size, lines
    return HEADLINE_SIZES[-1], lines


def wrap(text: str, face: Face, width: int, max_lines: int) -> tuple[list[str], bool]:
    """Lines no wider than width, at most max_lines, the last cut with an ellipsis when text
    is left over; returns them and whether the text fitted whole.

    Lines are filled by the measured widths of their words (a CJK letter is a word), each
    measured once; every line is then measured whole (kerning), and cut should it not fit.
    """
    units = [unit for part in _UNITS.findall(text) for unit in _split_long(part, face, width)]
    lines: list[str] = []
    line, used = "", 0.0
    whole = True
    for number, unit in enumerate(units):
        if not line and unit.isspace():
            continue
        size = face.length(unit)
        if not line or used + size <= width or unit.isspace():
            line, used = line + unit, used + size
            continue
        lines.append(line.rstrip())
        if len(lines) == max_lines:
            whole = not "".join(units[number:]).strip()
            break
        line, used = unit, size
    else:
        if line.strip():
            lines.append(line.rstrip())
    if not whole:
        lines[-1] = ellipsis(lines[-1], face, width)
    fitted = [fit_line(line, face, width) for line in lines]
    return fitted, whole and fitted == lines


def _split_long(unit: str, face: Face, width: int) -> Iterator[str]:
    """A word wider than a line (a long URL) broken by letters."""
    if unit.isspace() or face.length(unit) <= width:
        yield unit
        return
    yield from unit


def ellipsis(line: str, face: Face, width: int) -> str:
    """The line cut so that it and an ellipsis fit in width."""
    line = line.rstrip()
    while line and face.length(line + "…") > width:
        line = line[:-1].rstrip()
    return line + "…"


def fit_line(text: str, face: Face, width: int) -> str:
    """The text, or as much of it as fits with an ellipsis."""
    return text if face.length(text) <= width else ellipsis(text, face, width)
