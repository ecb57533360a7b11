"""The story pages as Pagefind reads them: cut down to what it indexes, in a scratch folder.

Pagefind reads each page it indexes whole, and a third of its time went on the parts of a story
page outside the article (the head, the rails, the navigation). It is given instead, in a
scratch folder at the same paths, each page cut down to its indexed element (and its <html> and
<title>), which makes the same index (tests/search/test_search.py checks that); a page of another
shape goes whole. The render workers cut down each story page they render (SearchIndexer.page_written), so
the search thread, which feeds Pagefind one bundle at a time, cuts down only the pages this
build did not render (reading and cutting a year's pages there took six seconds).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

SCRATCH = "site-builder-search-"  # the cut-down pages' folder, before its owner's pid
BODY_MARK = "data-pagefind-body"
TAG_NAME = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)")
HTML_TAG = re.compile(r"<html(?:\s[^>]*)?>", re.IGNORECASE)
TITLE = re.compile(r"<title>.*?</title>", re.IGNORECASE | re.DOTALL)


def scratch_folder() -> Path:
    """A folder for the cut-down pages: in memory (/dev/shm) where there is one, as writing
    thousands of small files and folders costs several times more on a disk. Folders a killed
    build left there are deleted."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    for old in base.glob(f"{SCRATCH}*"):
        owner = old.name[len(SCRATCH):].partition("-")[0]
        if owner.isdigit() and not _running(int(owner)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{SCRATCH}{os.getpid()}-", dir=base))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def cut_down(site: Path, pages: list[str], scratch: Path, folder: Path) -> Path:
    """The pages, cut down for Pagefind, at the same paths under folder, made in their order
    (Pagefind numbers pages in the order it finds them, and a folder lists its entries in the
    order they were made): moved there from scratch where a render worker cut one down, else
    cut down from the site; the site itself when they cannot be written (a full /dev/shm)."""
    try:
        for page in pages:
            target = folder / page
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(rendered_page(scratch, page), target)
            except FileNotFoundError:
                target.write_text(searchable((site / page).read_text(encoding="utf-8")),
                                  encoding="utf-8")
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return site
    return folder


def rendered_page(scratch: Path, page: str) -> Path:
    """Where a render worker leaves a page cut down: flat in scratch, named by its path."""
    return scratch / hashlib.sha1(page.encode("utf-8")).hexdigest()


def searchable(page: str) -> str:
    """The page as Pagefind needs it: its one data-pagefind-body element, in a document with
    the page's <html> tag and <title>; the page whole when it is not of that shape (no such
    element, more than one, or data-pagefind-* attributes outside it)."""
    marker = page.find(BODY_MARK)
    if marker < 0 or page.find(BODY_MARK, marker + 1) >= 0:
        return page
    start = page.rfind("<", 0, marker)
    tag = TAG_NAME.match(page, start)
    html = HTML_TAG.search(page)
    if tag is None or html is None:
        return page
    depth = 0
    for found in re.finditer(rf"<(/?){re.escape(tag.group(1))}[\s>/]", page[start:], re.IGNORECASE):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            end = page.find(">", start + found.end() - 1) + 1
            break
    else:
        return page
    body = page[start:end]
    if end <= 0 or body.count("data-pagefind-") != page.count("data-pagefind-"):
        return page
    title = TITLE.search(page)
    return (f"<!DOCTYPE html>\n{html.group(0)}<head><meta charset=\"utf-8\">"
            f"{title.group(0) if title else ''}</head><body>{body}</body></html>\n")
