"""Share images: one per day page and per story of the newest 30 days, the right size, the
same bytes every build, text that fits, Chinese drawn with a font that has its letters, and
drawn only when what they show is new."""

from __future__ import annotations

import datetime as dt
import io
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import tree_bytes, write_site
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image

from site_builder.config import load_config
from site_builder.output import share_fonts, share_images
from site_builder.output.share_fonts import FontFile, Fonts, find_fonts, load
from site_builder.output.share_images import (
    HEADLINE_LINES,
    HEADLINE_SIZES,
    MARGIN,
    WIDTH,
    Card,
    Face,
    draw,
    drawable,
    layout_headline,
    wrap,
)
from site_builder.pipeline import build, load_site
from site_builder.report import Reporter

NEWEST = dt.date(2025, 6, 11)
CHINESE_HEADLINE = "小米汽车首款SUV发布，18小时订单突破20万台"


def day(date: dt.date, stories: list[tuple[str, str]], lang: str = "") -> str:
    body = "\n".join(f"### {headline}\n\n{text}\n" for headline, text in stories)
    front = f"lang: {lang}\n" if lang else ""
    return (f"---\ntitle: Morning Report\ndate: {date}\n{front}---\n\nLead of {date}.\n\n"
            f"## Company Aspect\n\n{body}")


def make(root: Path) -> Path:
    """Four days: the newest, one 29 days before it (its stories still have their own card),
    one 30 days before (they use the day's), and a Chinese day."""
    files: dict[str, str | bytes] = {}
    for back, lang in ((0, ""), (29, ""), (30, ""), (3, "zh")):
        date = NEWEST - dt.timedelta(days=back)
        if lang:
            stories = [(CHINESE_HEADLINE, "小米集团（01810.HK）发布新车。")]
        else:
            stories = [(f"Acme wins an order on day {back}", "Acme Robotics (688001.SH) won."),
                       ("A very long headline " + "that keeps going " * 12,
                        "Beta Devices (688002.SH) shipped.")]
        files[f"content/briefings/{date}.md"] = day(date, stories, lang)
    return write_site(root, files)


class Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        key = values.get("property") or values.get("name")
        if tag == "meta" and key:
            self.meta[key] = values.get("content") or ""


def meta_of(path: Path) -> dict[str, str]:
    parser = Meta()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.meta


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks.append(kind)
        at += 12 + length
    return chunks


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The site, and two full builds of it into separate folders."""
    root = tmp_path_factory.mktemp("share")
    site = make(root / "site")
    config = load_config(site)[0]
    build(config, Reporter(0), output=root / "one", use_cache=False)
    build(config, Reporter(0), output=root / "two", use_cache=False)
    return site, root / "one", root / "two"


def test_every_day_and_newest_story_has_its_own_image_older_stories_their_days(
        built: tuple[Path, Path, Path]):
    site, output, _ = built
    loaded = load_site(load_config(site)[0], Reporter(0))
    base = loaded.config.base_url.rstrip("/")
    for briefing in loaded.briefings:
        day_image = f"{base}{briefing.url}share.png"
        meta = meta_of(output / briefing.url.strip("/") / "index.html")
        assert meta["og:image"] == day_image
        assert "Morning Report" in meta["og:image:alt"]
        for story in briefing.stories:
            meta = meta_of(output / story.url.strip("/") / "index.html")
            own = (NEWEST - story.day).days < 30
            assert meta["og:image"] == (f"{base}{story.url}share.png" if own else day_image)
            assert (output / story.url.strip("/") / "share.png").exists() == own
            assert meta["og:image:width"] == "1200" and meta["og:image:height"] == "630"
            assert meta["og:image:type"] == "image/png"
            assert meta["twitter:card"] == "summary_large_image"
            assert meta["twitter:image"] == meta["og:image"]
            if own:  # its words: the headline, date, tickers and the site's name
                alt = meta["og:image:alt"]
                assert alt.startswith(story.title[:20]) and loaded.config.title in alt
                if "Acme" in story.title:
                    assert "688001.SH" in alt
    assert sum(1 for _ in (output / "2025").rglob("share.png")) == 4 + 2 * 2 + 1


def test_images_are_1200_by_630_pngs_without_metadata_and_identical_across_builds(
        built: tuple[Path, Path, Path]):
    _, one, two = built
    first = {path: data for path, data in tree_bytes(one).items() if path.endswith("share.png")}
    second = {path: data for path, data in tree_bytes(two).items() if path.endswith("share.png")}
    assert first and first == second
    for data in first.values():
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.size == (1200, 630)
        assert set(png_chunks(data)) <= {b"IHDR", b"PLTE", b"IDAT", b"IEND"}  # no tIME, tEXt


def cmap_of(font: FontFile) -> set[int]:
    """The characters a font face maps to glyphs, read by fontTools (not by Pillow)."""
    if font.path.endswith((".ttc", ".otc")):
        face = TTCollection(font.path, lazy=True).fonts[font.index]
    else:
        face = TTFont(font.path, lazy=True)
    return set(face.getBestCmap())


def test_a_chinese_headline_is_drawn_with_a_font_that_has_its_glyphs():
    fonts = find_fonts(pytest.fail)  # fonts-noto-cjk is installed (.ci/run): no warning
    assert fonts.cjk is not None
    chosen = share_images.font_for(fonts, CHINESE_HEADLINE)
    assert {ord(letter) for letter in CHINESE_HEADLINE} <= cmap_of(chosen)
    assert drawable(CHINESE_HEADLINE, chosen) == CHINESE_HEADLINE  # nothing left out
    # The drawing differs from the same card drawn with the missing-glyph box in each place.
    card = Card("x/share.png", "Site", CHINESE_HEADLINE, "2025年6月8日", "01810.HK", "zh")
    boxes = Card("x/share.png", "Site", "\U0010fffd" * len(CHINESE_HEADLINE), "2025年6月8日",
                 "01810.HK", "zh")
    assert draw(card, fonts) != draw(boxes, fonts)


def test_fontconfig_alone_may_answer_a_font_without_cjk_glyphs():
    """Why every candidate is checked: DejaVu Sans has no Chinese letters."""
    dejavu = FontFile("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    if not Path(dejavu.path).is_file():
        pytest.skip("no DejaVu Sans here")
    assert not share_fonts.has_glyphs(dejavu, "中文")
    assert ord("中") not in cmap_of(dejavu)
    assert share_fonts.missing_letters(dejavu, "Acme 中文") == {"中", "文"}


def test_without_a_cjk_font_the_build_warns_once_and_draws_no_boxes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(share_fonts, "CJK_PATHS", ())
    monkeypatch.setattr(share_fonts.shutil, "which", lambda name: None)  # no fontconfig
    warnings: list[str] = []
    fonts = find_fonts(warnings.append)
    assert fonts.cjk is None and len(warnings) == 1 and "fonts-noto-cjk" in warnings[0]
    # Only the letters the font has are drawn: the Chinese ones are left out, the ticker kept.
    assert drawable("小米 SU7 发布", fonts.latin) == "SU7"
    card = Card("x/share.png", "Site", CHINESE_HEADLINE, "2025", "01810.HK", "zh")
    blank = Card("x/share.png", "Site", "SUV 18 20", "2025", "01810.HK", "zh")
    assert draw(card, fonts) == draw(blank, fonts)  # what is left of it, not a box in sight
    site = make(tmp_path / "site")
    reporter = Reporter(0)
    build(load_config(site)[0], reporter, output=tmp_path / "out", use_cache=False, jobs=1)
    assert sum("no CJK font" in w for w in reporter.warnings) == 1


@pytest.mark.parametrize("text", [
    "A very long headline " + "that keeps going " * 20,
    "https://example.com/" + "x" * 300,
    "长" * 200,
    "Short",
])
def test_headlines_are_wrapped_and_cut_with_an_ellipsis_to_fit(text: str):
    fonts = find_fonts(lambda _: None)
    font = share_images.font_for(fonts, text)
    width = WIDTH - 2 * MARGIN
    size, lines = layout_headline(text, font, width)
    assert 1 <= len(lines) <= HEADLINE_LINES
    measure = load(font, size)
    assert all(measure.getlength(line) <= width for line in lines)  # Pillow's own measure
    joined = "".join(lines).replace(" ", "")
    if text == "Short":
        assert lines == ["Short"] and size == HEADLINE_SIZES[0]
    else:
        assert size == HEADLINE_SIZES[-1] and lines[-1].endswith("…")
        assert text.replace(" ", "").startswith(joined[:-1])
    whole, fits = wrap("one two three", Face(font, 40), width, 1)
    assert whole == ["one two three"] and fits


def test_a_rebuild_draws_only_new_or_changed_images(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    site = make(tmp_path / "site")
    config = load_config(site)[0]
    drawn: list[str] = []
    real = share_images.draw

    def counted(card: Card, fonts: Fonts) -> bytes:
        drawn.append(card.path)
        return real(card, fonts)

    monkeypatch.setattr(share_images, "draw", counted)
    build(config, Reporter(0), jobs=1)
    assert len(drawn) == 9
    kept = site / ".site-builder-cache/share-images"
    assert len(list(kept.glob("*.png"))) == 9
    drawn.clear()
    build(config, Reporter(0), output=tmp_path / "elsewhere", jobs=1)  # a new output folder
    assert drawn == []
    assert tree_bytes(tmp_path / "elsewhere") == tree_bytes(site / "output")
    newest = site / f"content/briefings/{NEWEST}.md"
    newest.write_text(newest.read_text(encoding="utf-8").replace(
        "Acme wins an order on day 0", "Acme wins a bigger order"), encoding="utf-8")
    build(config, Reporter(0), jobs=1)
    assert len(drawn) == 1 and drawn[0].endswith("/share.png") and "bigger" in drawn[0]
    assert len(list(kept.glob("*.png"))) == 9  # the old card's file is gone
