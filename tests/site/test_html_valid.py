"""Every kind of page passes the Nu HTML Checker (vnu.jar from npm's vnu-jar, in tests/js/).

One checker run over all the pages at once: the JVM's start-up is most of its cost. Without
Java or the jar the test is skipped, except in CI (CI set), where it fails and says why.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TESTS_DIR, write_site

from site_builder.config import load_config
from site_builder.pipeline import build
from site_builder.report import Reporter

VNU = TESTS_DIR / "js/node_modules/vnu-jar/build/dist/vnu.jar"
# The checker resolves 'self' against file: URLs and takes JSON-LD data blocks for inline
# scripts, so its Content-Security-Policy notes are wrong here; the browser tests check the
# policy for real, in Chromium.
NOT_FOR_FILES = ("Resource violates Content Security Policy",
                 "Inline script violates Content Security Policy")

TRICKY_DAY = """\
    ---
    title: Morning Report
    date: 2025-05-06
    ---

    A lead with a link to https://example.com/a/very/long/path/that/never/breaks/anywhere/at/all/in/the/middle.

    ## Market dynamics

    ### Quotes: <script>alert(1)</script> and </script> in a headline

    Shares of Goertek (002241.SZ) rose.

    #### A heading inside the story

    | Ticker | Close | Change |
    |---|---|---|
    | 002241.SZ | 31.20 | +2.5% |

    ##### And a smaller one

    > A quotation.

    ```
    code_that_is_very_long_and_has_no_spaces_in_it_anywhere_at_all_so_it_must_wrap_somewhere
    ```
    """


def java() -> str | None:
    return shutil.which("java")


def missing_checker() -> str:
    if not VNU.is_file():
        return f"{VNU} is missing: run `npm ci --prefix tests/js`"
    if java() is None:
        return "java is missing: install a JRE (Debian: default-jre-headless)"
    return ""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One page of each kind: the sample site at 3 items a page (so lists have numbered pages),
    in English and with a Chinese interface, and a mini-site whose story has a table,
    sub-headings, code and a hostile headline."""
    root = tmp_path_factory.mktemp("valid")
    sample = root / "sample"
    build(load_config(REPO_ROOT, {"per_page": 3})[0], Reporter(0), output=sample,
          use_cache=False)
    chinese = root / "chinese"  # the same site with a Chinese interface (language = "zh")
    build(load_config(REPO_ROOT, {"per_page": 3, "language": "zh"})[0], Reporter(0),
          output=chinese, use_cache=False)
    tricky_site = write_site(root / "tricky", {
        "content/briefings/2025/2025-05-06.md": TRICKY_DAY})
    tricky = root / "tricky-out"
    build(load_config(tricky_site)[0], Reporter(0), output=tricky, use_cache=False)
    # A preview with drafts before a story's time: it is shown, marked as scheduled.
    held = write_site(root / "held", {"content/briefings/2025/2025-05-06.md": TRICKY_DAY.replace(
        "    Shares of Goertek", "    Publish: 2025-05-06 15:30\n\n    Shares of Goertek")})
    scheduled = root / "held-out"
    build(load_config(held)[0], Reporter(0), output=scheduled, use_cache=False, drafts=True,
          as_of=dt.datetime(2025, 5, 6, tzinfo=dt.UTC))

    def first(folder: Path, pattern: str) -> Path:
        found = sorted(folder.glob(pattern))
        assert found, f"no {pattern} in {folder}"
        return found[0]

    found = {
        "home": sample / "index.html",
        "home page 1": sample / "page/1/index.html",
        "day": sample / "2025/03/28/index.html",
        "story": first(sample, "2025/03/28/smic-*/index.html"),
        "story in Chinese": first(sample, "2025/04/02/*/index.html"),
        "sections": sample / "sections/index.html",
        "section": first(sample, "sections/*/index.html"),
        "section page 1": first(sample, "sections/*/page/1/index.html"),
        "companies": sample / "companies/index.html",
        "company": first(sample, "companies/*/index.html"),
        "topics": sample / "topics/index.html",
        "topic": first(sample, "topics/*/index.html"),
        "archive": sample / "archive/index.html",
        "trends": sample / "trends/index.html",
        "search": sample / "search/index.html",
        "404": sample / "404.html",
        "zh home": chinese / "index.html",
        "zh home page 1": chinese / "page/1/index.html",
        "zh day": chinese / "2025/04/02/index.html",
        "zh story": first(chinese, "2025/04/02/*/index.html"),
        "zh English story": first(chinese, "2025/03/28/smic-*/index.html"),
        "zh sections": chinese / "sections/index.html",
        "zh section page 1": first(chinese, "sections/*/page/1/index.html"),
        "zh companies": chinese / "companies/index.html",
        "zh company": first(chinese, "companies/*/index.html"),
        "zh topics": chinese / "topics/index.html",
        "zh topic": first(chinese, "topics/*/index.html"),
        "zh archive": chinese / "archive/index.html",
        "zh trends": chinese / "trends/index.html",
        "zh search": chinese / "search/index.html",
        "zh 404": chinese / "404.html",
        "tricky day": tricky / "2025/05/06/index.html",
        "tricky story": first(tricky, "2025/05/06/*/index.html"),
        "email edition": sample / "digest/2025/03/28/email.html",
        "email edition in Chinese": sample / "digest/2025/04/02/email.html",
        "tricky email edition": tricky / "digest/2025/05/06/email.html",
        "corrected story": first(sample, "2025/04/01/trendforce-*/index.html"),
        "corrections": sample / "corrections/index.html",
        "zh corrections": chinese / "corrections/index.html",
        "zh updated story": first(chinese, "2025/04/02/bi-ya-di-3yue-*/index.html"),
        "scheduled story": first(scheduled, "2025/05/06/*/index.html"),
        "day with a scheduled story": scheduled / "2025/05/06/index.html",
        "home with a scheduled story": scheduled / "index.html",
    }
    for kind, path in found.items():
        assert path.is_file(), f"{kind}: {path} was not built"
    return found


def test_every_kind_of_page_is_valid_html(pages: dict[str, Path]):
    problem = missing_checker()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the HTML checker cannot run in CI: {problem}")
        pytest.skip(problem)
    result = subprocess.run(
        [java() or "java", "-Xss4m", "-jar", str(VNU), "--format", "json", "--stdout",
         *map(str, pages.values())],
        capture_output=True, text=True, encoding="utf-8", timeout=600, check=False)
    report = json.loads(result.stdout)
    kinds = {path.resolve().as_uri(): kind for kind, path in pages.items()}
    found = [f"{kinds.get(m.get('url', ''), m.get('url', '?'))}:{m.get('lastLine', '?')}: "
             f"{m.get('type')} {m.get('subType', '')}: {m['message']}"
             for m in report["messages"]
             if not m["message"].startswith(NOT_FOR_FILES)]
    assert found == []
    assert result.returncode == 0, result.stderr


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.levels.append(int(tag[1]))


def test_headings_go_down_one_level_at_a_time(pages: dict[str, Path]):
    """One h1, then never a skipped level: h1 > h2 desks > h3 stories > h4 in their bodies on
    a day page, and a story page's own body headings start at h2."""
    for kind, path in pages.items():
        parser = _Headings()
        parser.feed(path.read_text(encoding="utf-8"))
        levels = parser.levels
        assert levels[0] == 1 and levels.count(1) == 1, kind
        jumps = [(a, b) for a, b in pairwise(levels) if b > a + 1]
        assert jumps == [], f"{kind}: {levels}"
    story = _Headings()
    story.feed(pages["story"].read_text(encoding="utf-8"))
    assert story.levels[:2] == [1, 2]  # the body's "####" heading, under the headline
