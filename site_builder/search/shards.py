"""How the story pages are cut into search bundles, and which pages each bundle holds.

Pagefind's time goes with the pages it indexes, about a millisecond a page, so a bundle a daily
edit touches must be small, while the search page merges every bundle, so there must be few;
and its memory goes with them too, about 100 KiB a page, while it runs beside the renderers.
The newest month is cut into blocks of seven days (a bundle each, pagefind/2025-03-22/ for the
22nd to the 28th), each month of the newest year before it is a bundle (pagefind/2025-02/), and
each half of each year before that (pagefind/2024-h2/ for July to December, then 2024-h1/):
some thirty bundles at ten years, a Pagefind run of at most some 2,800 pages (270 MiB), and
the daily edit re-indexes a hundred pages, not a month's four hundred. When a month ends its
blocks become one bundle, as a year's months become its halves when the year ends.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from site_builder.stamps import stamp

BUNDLE = "pagefind"
# Story pages (Story.url is /YYYY/MM/DD/<slug>/): only they are marked for indexing, so
# Pagefind need not parse the rest, the day pages above all, which hold every story's text.
IN_MONTH = "[0-9][0-9]/*/index.html"
IN_YEAR = f"[0-9][0-9]/{IN_MONTH}"
STORY_PAGE = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2}/[^/]+/index\.html")
ALL_PAGES = "pages"  # the one bundle of a site without stories: its other pages
BLOCK_DAYS = 7  # days of the newest month in one bundle
# The halves of a year before the newest, newest first.
HALVES = (("07", "08", "09", "10", "11", "12"), ("01", "02", "03", "04", "05", "06"))


@dataclass(frozen=True, slots=True)
class Shard:
    """One bundle: pagefind/<name>/, made from the pages `pages` matches.

    base is the folder of its story pages, "2024" for a year or "2025/03" for a month; parts
    are the folders it takes below base: for a block of the newest month its day folders
    ("22", ...), for half a year its month folders ("07", ...).
    """

    name: str
    pages: str
    base: str = ""
    parts: tuple[str, ...] = ()

    @property
    def folder(self) -> str:
        return f"{BUNDLE}/{self.name}"

    def holds(self, path: str) -> bool:
        """Whether a story page's path ("2025/03/27/<slug>/index.html") is in this bundle."""
        if not self.base or not path.startswith(f"{self.base}/"):
            return False
        return not self.parts or path[len(self.base) + 1:len(self.base) + 3] in self.parts


def plan_shards(paths: list[str]) -> tuple[Shard, ...]:
    """The bundles of these planned pages, newest first (see the module's docstring); a site
    without stories gets one of its other pages, so its search page loads cleanly."""
    months = sorted({path[:7] for path in paths if STORY_PAGE.fullmatch(path)}, reverse=True)
    if not months:
        return (Shard(ALL_PAGES, "**/*.html"),)
    newest = months[0]
    days = {path[8:10] for path in paths if path.startswith(f"{newest}/")
            and STORY_PAGE.fullmatch(path)}
    blocks = sorted({(int(day) - 1) // BLOCK_DAYS for day in days}, reverse=True)
    year = newest[:4]
    years = sorted({month[:4] for month in months if month[:4] != year}, reverse=True)
    return (*(_block(newest, block) for block in blocks),
            *(Shard(f"{year}-{month[5:]}", f"{month}/{IN_MONTH}", month)
              for month in months[1:] if month[:4] == year),
            *(_half(year, half) for year in years for half in HALVES
              if any(month[:4] == year and month[5:] in half for month in months)))


def _half(year: str, months: tuple[str, ...]) -> Shard:
    """The months of a year before the newest one, January to June or July to December."""
    return Shard(f"{year}-h{1 if months[0] == '01' else 2}",
                 f"{year}/{{{','.join(months)}}}/{IN_MONTH}", year, months)


def _block(month: str, block: int) -> Shard:
    """Days 7*block+1 to 7*block+7 of the month ("2025/03"), as far as a month goes."""
    days = tuple(f"{day:02d}" for day in range(block * BLOCK_DAYS + 1,
                                               min(block * BLOCK_DAYS + BLOCK_DAYS, 31) + 1))
    return Shard(f"{month[:4]}-{month[5:]}-{days[0]}",
                 f"{month}/{{{','.join(days)}}}/*/index.html", month, days)


def shard_finder(shards: tuple[Shard, ...]) -> Callable[[str], str | None]:
    """The name of the shard a story path ("2025/03/27/<slug>/...") belongs to: its day's
    block, else its month's or its half year's, else its year's; None for none."""
    # By the folder each takes: a day ("2025/03/22"), a month ("2025/02", "2024/07"), a year.
    by_folder = {f"{shard.base}/{part}" if part else shard.base: shard.name
                 for shard in shards if shard.base for part in shard.parts or ("",)}

    def shard_of(path: str) -> str | None:
        return by_folder.get(path[:10]) or by_folder.get(path[:7]) or by_folder.get(path[:4])

    return shard_of


def shard_pages(shards: tuple[Shard, ...], story_pages: list[tuple[int, str]]
                ) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Each shard's story pages, and where in the plan its last one is."""
    shard_of = shard_finder(shards)
    pages: dict[str, list[str]] = {}
    last: dict[str, int] = {}
    for number, path in story_pages:
        name = shard_of(path)
        if name is not None:
            pages.setdefault(name, []).append(path)
            last[name] = number
    return pages, last


def shard_stamps(shards: tuple[Shard, ...], days: dict[dt.date, str], salt: str
                 ) -> dict[str, str]:
    """Each bundle's days as one stamp: what its index is made from (a story page shows
    its day's source, so a day's stamp, not its stories', says what its pages hold)."""
    shard_of = shard_finder(shards)
    held: dict[str, list[str]] = {}
    for day, day_stamp in sorted(days.items()):
        name = shard_of(f"{day:%Y/%m/%d}/")
        if name is not None:
            held.setdefault(name, []).append(day_stamp)
    return {name: stamp(salt, *stamps) for name, stamps in held.items()}


def unplanned(existing: frozenset[str], shard: Shard, planned: frozenset[str]) -> list[str]:
    """Story pages the aside folder holds from the live site that this build does not make.

    The difference first, in C: the live site's 140,000 files are mostly planned pages and
    bundle files, and a test of each against the shard took a quarter of a second a bundle.
    """
    return [path for path in existing - planned
            if path[:1].isdigit() and shard.holds(path) and STORY_PAGE.fullmatch(path)]


def identities(root: Path, shard: Shard) -> dict[str, tuple[int, int]]:
    """Each page's device and inode: a page linked over from the live site keeps both."""
    if shard.name == ALL_PAGES:
        paths = [path.relative_to(root).as_posix() for path in root.glob(shard.pages)]
        paths = [path for path in paths if not path.startswith(f"{BUNDLE}/")]
    else:
        # The story pages by walking the MM/DD/<slug>/ folders: Path.glob with three
        # wildcards spends seconds on a year of stories.
        in_year = "/" not in shard.base  # a year's half, or a month's block
        months = [f"{shard.base}/{month}" for month in _folders(root / shard.base, 2)
                  if not shard.parts or month in shard.parts] if in_year else [shard.base]
        paths = [f"{month}/{day}/{slug}/index.html"
                 for month in months
                 for day in _folders(root / month, 2)
                 if in_year or not shard.parts or day in shard.parts
                 for slug in _folders(root / month / day)]
    found = {}
    for path in paths:
        try:
            stat = os.stat(f"{root}/{path}")
        except FileNotFoundError:
            continue
        found[path] = (stat.st_dev, stat.st_ino)
    return found


def _folders(parent: Path, digits: int = 0) -> list[str]:
    """The names of the folders in parent (only those of `digits` digits, if given)."""
    try:
        with os.scandir(parent) as entries:
            return [entry.name for entry in entries if entry.is_dir()
                    and (not digits or len(entry.name) == digits and entry.name.isdigit())]
    except (FileNotFoundError, NotADirectoryError):
        return []
