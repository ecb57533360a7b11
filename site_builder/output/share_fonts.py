"""The fonts share images are drawn with: found once a build, checked to have their glyphs.

Chinese needs a CJK font (Debian's fonts-noto-cjk). fontconfig is asked, and Debian's own
paths tried, but a font is used for a text only when it has a glyph for every letter of it:
`fc-match ':lang=zh'` can answer DejaVu Sans, whose missing glyphs would be drawn as boxes.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import ImageFont

CJK_PATHS = tuple(f"/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc"
                  for weight in ("Bold", "Medium", "Regular"))
LATIN_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
               "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CJK_SAMPLE = "中文新闻汇总"  # a CJK font must have these to be taken for one
LATIN_SAMPLE = "Aa0"
_MISSING = "\U0010fffd"  # a private-use letter no font draws: its glyph is .notdef


@dataclass(frozen=True, slots=True)
class FontFile:
    """One face of a font file; identity changes when the file does (for the image cache)."""

    path: str  # "" for Pillow's own font
    index: int = 0

    @property
    def identity(self) -> str:
        if not self.path:
            return "pillow-default"
        try:
            info = Path(self.path).stat()
        except OSError:
            return f"{self.path}#{self.index}"
        return f"{self.path}#{self.index}:{info.st_size}:{info.st_mtime_ns}"


@dataclass(frozen=True, slots=True)
class Fonts:
    """The Latin font and the CJK one (None when no font with CJK glyphs is installed), with
    their identities read once: every share image's cache name holds them (8,000 a build)."""

    latin: FontFile
    cjk: FontFile | None
    identities: tuple[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identities", (
            self.latin.identity, self.cjk.identity if self.cjk is not None else ""))


def find_fonts(warn: Callable[[str], None]) -> Fonts:
    """The fonts of this machine's share images; warns once when there is no CJK font."""
    cjk = next((font for font in _cjk_candidates() if has_glyphs(font, CJK_SAMPLE)), None)
    if cjk is None:
        warn("no CJK font found (install fonts-noto-cjk): share images of Chinese stories "
             "are drawn without the words the font has no letters for")
    latin = next((FontFile(path) for path in LATIN_PATHS
                  if Path(path).is_file() and has_glyphs(FontFile(path), LATIN_SAMPLE)), None)
    # Noto Sans CJK has Latin letters too: one face for every card when it is there.
    return Fonts(latin=cjk or latin or FontFile(""), cjk=cjk)


def _cjk_candidates() -> Iterator[FontFile]:
    """Debian's Noto Sans CJK (its Simplified Chinese face), then what fontconfig lists."""
    for path in CJK_PATHS:
        if Path(path).is_file():
            yield FontFile(path, _face_index(path, " SC"))
    if shutil.which("fc-list") is None:
        return
    for command in (["fc-list", "-f", "%{file}\t%{index}\n", ":lang=zh-cn"],
                    ["fc-match", "-f", "%{file}\t%{index}\n", "sans-serif:lang=zh-cn"]):
        try:
            found = subprocess.run(command, capture_output=True, text=True, timeout=20,
                                   check=False).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        for line in sorted(set(found.splitlines())):
            path, _, index = line.partition("\t")
            if path.endswith((".ttf", ".otf", ".ttc", ".otc")) and index.isdigit():
                yield FontFile(path, int(index))


def _face_index(path: str, family_suffix: str) -> int:
    """The face of a collection whose family name ends so ("Noto Sans CJK SC"), else 0.
    Debian's Noto CJK collections hold it third (JP, KR, SC, TC, HK): tried first, as
    loading a face of a CJK font costs a good part of a tenth of a second."""
    order: list[int] = [2, *range(10)]
    for index in order:
        try:
            family, _ = ImageFont.truetype(path, 12, index=index).getname()
        except OSError:
            break
        if family and family.endswith(family_suffix):
            return index
    return 0


@functools.lru_cache(maxsize=32)
def load(font: FontFile, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font at a size, once per process; the basic layout, so output never depends on
    whether Pillow was built with libraqm."""
    if not font.path:
        return ImageFont.load_default(size)
    return ImageFont.truetype(font.path, size, index=font.index,
                              layout_engine=ImageFont.Layout.BASIC)


def has_glyphs(font: FontFile, text: str) -> bool:
    """Whether the font draws every letter of text as itself, not as its missing-glyph box."""
    try:
        load(font, 48)
    except OSError:
        return False
    return not missing_letters(font, text)


def missing_letters(font: FontFile, text: str) -> frozenset[str]:
    """The letters of text this font has no glyph for."""
    return frozenset(letter for letter in set(text)
                     if not letter.isspace() and not _has_glyph(font, letter))


@functools.lru_cache(maxsize=8192)
def _has_glyph(font: FontFile, letter: str) -> bool:
    """A letter whose drawing differs from that of a letter no font has (its .notdef)."""
    return _signature(load(font, 48), letter) != _missing_signature(font)


@functools.lru_cache(maxsize=32)
def _missing_signature(font: FontFile) -> tuple[object, bytes]:
    return _signature(load(font, 48), _MISSING)


def _signature(face: ImageFont.FreeTypeFont | ImageFont.ImageFont, letter: str
               ) -> tuple[object, bytes]:
    mask = face.getmask(letter)
    return mask.size, bytes(mask)


@functools.lru_cache(maxsize=65536)
def text_length(font: FontFile, size: int, text: str) -> float:
    """The advance of text at a size (ImageFont.getlength), kept: headlines share words."""
    return float(load(font, size).getlength(text))
