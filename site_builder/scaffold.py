"""New files from skeletons: a day's briefing (``new``) and a whole new site (``init``).

``init`` is ``hugo new site``, ``zola init`` or ``mkdocs new`` for a briefing: a commented
site.toml with the keys a publisher changes first, today's briefing (published, so that the
first build shows a page), a starter company registry, empty templates/ and static/ with a
note on overriding, and a .gitignore for what a build makes. It never overwrites a file: a
folder with anything in it but hidden files (a fresh repository's .git) is refused, and with
force only the files that are missing are written.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from site_builder.config import CONFIG_NAME, SiteConfig, load_config
from site_builder.errors import UsageError
from site_builder.incremental.cache import CACHE_DIR
from site_builder.tagging.registry import COMPANIES_FILE, DATA_DIR

DAY_SKELETON = """\
---
title: {title}
date: {date}
source: ""
lang: {lang}
draft: {draft}
---

One or two sentences: the day's summary.

## Market dynamics

### Headline of the first story

Body of the story.

## Company Aspect

### Goertek: what it announced

Goertek (002241.SZ) announced that ...
"""

SITE_TOML = """\
# site-builder's settings for this site. Every key has a default; these are the ones a
# publisher changes first. The commented ones at the end show their defaults.

# The site's name, in the header, page titles and feeds.
title = "Morning Briefing"

# One sentence for the home page, meta descriptions and feed subtitles.
description = "A daily briefing on technology companies, markets and science."

# The absolute URL the site is published at: feeds and canonical links need it.
# (site-builder serve previews the site on http://127.0.0.1:8000/ whatever it says.)
base_url = "https://briefing.example.org/"

# The language briefings are written in, a BCP 47 tag: "en", "zh-CN".
language = "en"

# The IANA time zone briefings are published in, and the local time of day they go out:
# feed entries are timed from these, and "today" for site-builder new is today there.
timezone = "Asia/Shanghai"
publish_time = "08:00"

# Named as the author of every story in feeds and metadata.
author = "The Briefing Desk"

# per_page = 20             # days on a home page, stories on a section, company or topic page
# feed_length = 50          # entries in each feed
# allow_raw_html = false    # let raw HTML in Markdown through (still sanitised)
# icon = "/static/icon.png" # the site's icon, for feeds and browsers
# theme = "default"         # a theme of the site's own goes in themes/<name>/
"""

COMPANIES_YAML = """\
# The company registry. A listed company is found in a story by its ticker in parentheses,
# "Goertek (002241.SZ)", with or without an entry here; an entry adds what the text alone
# cannot give: the other names it goes by (its Chinese name, a short name), which tag a story
# as well, a description and a website for its page, or a company with no ticker at all.
#
# Keys: name (required), ticker, aliases, description, website. Tickers are written like
# 002241.SZ, 688052.SH, 830799.BJ, 01810.HK, NVDA.O or BABA.N.

- name: Goertek
  ticker: "002241.SZ"
  aliases: [歌尔股份]
  description: Maker of acoustic components, VR headsets and smart hardware, in Weifang.
  website: https://www.goertek.com/

- name: Xiaomi
  ticker: "01810.HK"
  aliases: [小米集团]
  description: Smartphones, smart home devices and electric cars, from Beijing.
  website: https://www.mi.com/

- name: NVIDIA
  ticker: "NVDA.O"
  aliases: [英伟达]
  description: Graphics processors and the computers that train AI models.
  website: https://www.nvidia.com/

- name: DeepSeek
  aliases: [深度求索]
  description: An AI lab in Hangzhou that makes large language models; not listed.
  website: https://www.deepseek.com/
"""

TEMPLATES_NOTE = """\
# templates/

A Jinja2 template here replaces the theme's template of the same name. The folder starts
empty: the site uses the default theme as it is, and keeps getting its fixes when
site-builder is upgraded.

To change one kind of page, copy its template from the theme into this folder and edit the
copy. `site-builder --version` prints where the bundled themes are; the default theme's
templates are in `default/templates/` there: `base.html` frames every page, `home.html`,
`day.html`, `story.html`, `section.html`, `company.html` and `topic.html` are the pages, and
names starting with `_` are the parts they include.

Files in `../static/` replace the theme's static files the same way.
"""

STATIC_NOTE = """\
# static/

Files here are published under /static/, over the theme's static files of the same name:
`style.css` replaces the theme's style sheet, `share.png` the picture link previews show
(on pages without their own: day and story pages get one drawn for them), `favicon.svg` the
browser's icon. Link a file of your own from a template as
`{{ '/static/name.js'|asset }}`.

This note is not published: files whose names start with a dot never are.
"""


@dataclass(frozen=True, slots=True)
class Scaffold:
    """What init did: the files it wrote and the ones it found there and left alone."""

    root: Path
    written: tuple[Path, ...]
    kept: tuple[Path, ...]


def day_path(config: SiteConfig, day: dt.date) -> Path:
    return config.content_path / "briefings" / f"{day:%Y}" / f"{day.isoformat()}.md"


def day_text(config: SiteConfig, day: dt.date, *, draft: bool) -> str:
    """The skeleton of a day's briefing; the title quoted, so a colon in it stays YAML."""
    return DAY_SKELETON.format(
        title=json.dumps(config.title, ensure_ascii=False), date=day.isoformat(),
        lang=config.language, draft="true    # false publishes it" if draft else "false")


def new_day(config: SiteConfig, day: dt.date) -> Path:
    """A draft for the day, from the skeleton; an existing file is a usage error."""
    path = day_path(config, day)
    if not _write_new(path, day_text(config, day, draft=True)):
        raise UsageError(f"{path} already exists; edit it, or remove it first")
    return path


def init_site(root: Path, *, force: bool = False, today: dt.date | None = None) -> Scaffold:
    """A new site in root: every missing file written, none overwritten.

    today defaults to today in the site's time zone (site.toml's, when one is there already).
    """
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is a file; name a new or empty folder")
    if not force and (present := _visible_entries(root)):
        named = ", ".join(present[:3]) + (f" and {len(present) - 3} more" if present[3:] else "")
        raise UsageError(f"{root} is not empty (it holds {named}); name a new or empty "
                         "folder, or add --force to add only the missing files")
    written: list[Path] = []
    kept: list[Path] = []
    for path, text in _site_files(root, today):
        (written if _write_new(path, text) else kept).append(path)
    return Scaffold(root, tuple(written), tuple(kept))


def next_commands(scaffold: Scaffold) -> list[str]:
    """The three commands to run next, as init prints them."""
    here = scaffold.root.resolve() == Path.cwd().resolve()
    first = "site-builder check     # every file read, nothing written" if here else \
        f"cd {shlex.quote(str(scaffold.root))}"
    return [first,
            "site-builder build     # the site into output/",
            "site-builder serve     # a preview on http://127.0.0.1:8000/, rebuilt as you edit"]


def gitignore_text(config: SiteConfig) -> str:
    """What a build makes: the output folder, the folders it swaps with it, the cache."""
    lines = ["# What site-builder makes: the built site, the folders a build swaps with it,",
             "# and its cache."]
    output = PurePosixPath(config.output_dir)
    if not output.is_absolute() and ".." not in output.parts:
        parent = "" if output.parent == PurePosixPath(".") else f"{output.parent}/"
        lines += [f"/{output}/", f"/{parent}.{output.name}.*/"]
    lines.append(f"/{CACHE_DIR}/")
    return "\n".join(lines) + "\n"


def _site_files(root: Path, today: dt.date | None) -> Iterator[tuple[Path, str]]:
    """Each file of a new site and its text, written in turn. site.toml comes first, and the
    rest follow from it as it then is: one already there, and broken, stops init with nothing
    written."""
    yield root / CONFIG_NAME, SITE_TOML
    config, _ = load_config(root)
    day = today or dt.datetime.now(config.zone).date()
    yield root / ".gitignore", gitignore_text(config)
    yield day_path(config, day), day_text(config, day, draft=False)
    yield config.content_path / DATA_DIR / COMPANIES_FILE, COMPANIES_YAML
    yield root / config.templates_dir / "README.md", TEMPLATES_NOTE
    yield root / config.static_dir / ".README.md", STATIC_NOTE


def _write_new(path: Path, text: str) -> bool:
    """Write a file that is not there yet; False, and nothing written, if something is."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"{path.parent} is in the way: a file where a folder should be") \
            from None
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:  # a file, a folder or a symbolic link: never written through
        return False
    return True


def _visible_entries(root: Path) -> list[str]:
    """What makes a folder not empty, by name: hidden entries (.git) do not."""
    if not root.is_dir():
        return []
    return sorted(entry.name for entry in root.iterdir() if not entry.name.startswith("."))
