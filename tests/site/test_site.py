"""Golden-site tests: the repository's sample content built for real and read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_cli, tree_bytes
from sitecheck import broken_links, parse_page

from site_builder.config import load_config
from site_builder.pipeline import build, load_site
from site_builder.report import Reporter


@pytest.fixture(scope="session")
def config():
    return load_config(REPO_ROOT)[0]


@pytest.fixture(scope="session")
def site(config):
    return load_site(config, Reporter(0))


@pytest.fixture(scope="session")
def built(config, tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("golden") / "output"
    build(config, Reporter(0), output=output)
    return output


def test_model_has_the_sample_days_and_the_seed_report(site):
    assert len(site.briefings) >= 7
    seed = next(b for b in site.briefings if b.date.isoformat() == "2025-03-27")
    assert [s.name for s in seed.sections] == [
        "Market dynamics", "Company Aspect", "Frontier of science and technology"]
    assert len(seed.stories) == 16
    assert all(not b.draft for b in site.briefings)
    assert [b.date for b in site.briefings] == sorted((b.date for b in site.briefings),
                                                      reverse=True)


def test_every_story_and_day_has_its_page(site, built: Path):
    for briefing in site.briefings:
        day = parse_page(built / briefing.url.strip("/") / "index.html")
        assert day.lang == briefing.lang
        for story in briefing.stories:
            page = built / story.url.strip("/") / "index.html"
            parsed = parse_page(page)
            assert story.title in parsed.title and parsed.h1 == 1
            assert story.anchor in day.ids


def test_site_pages_exist(built: Path):
    for page in ("index.html", "404.html", "archive/index.html", "sections/index.html",
                 "companies/index.html", "topics/index.html", "static/style.css"):
        assert (built / page).is_file(), page


def test_every_internal_link_and_asset_resolves(built: Path):
    assert broken_links(built) == []


def test_drafts_are_left_out(built: Path):
    assert not (built / "2025/04/03").exists()


def test_two_builds_are_byte_identical(config, built: Path, tmp_path: Path):
    again = tmp_path / "again"
    build(config, Reporter(0), output=again)
    assert tree_bytes(again) == tree_bytes(built)


OTHER_ENVIRONMENTS = {
    "Los Angeles, C.UTF-8": {"TZ": "America/Los_Angeles", "LC_ALL": "C.UTF-8",
                             "PYTHONHASHSEED": "12345"},
    # +12:45, an ASCII locale without Python's UTF-8 mode, relative paths from another folder
    "Chatham, ASCII": {"TZ": "Pacific/Chatham", "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
                       "PYTHONCOERCECLOCALE": "0", "PYTHONHASHSEED": "0"},
}


@pytest.mark.parametrize("name", sorted(OTHER_ENVIRONMENTS))
def test_build_is_the_same_in_another_cwd_timezone_locale_and_hash_seed(built: Path,
                                                                        tmp_path: Path,
                                                                        name: str):
    cwd = tmp_path / "somewhere" / "else"
    cwd.mkdir(parents=True)
    relative = name.endswith("ASCII")
    site = os.path.relpath(REPO_ROOT, cwd) if relative else str(REPO_ROOT)
    output = "out" if relative else str(tmp_path / "other")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONUTF8"))},
           **OTHER_ENVIRONMENTS[name]}
    result = subprocess.run([sys.executable, "-m", "site_builder", "build", "-q", "--site",
                             site, "--output", output], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert tree_bytes(cwd / output) == tree_bytes(built)


def test_cli_build_prints_a_one_line_summary(tmp_path: Path):
    result = run_cli("build", "--site", REPO_ROOT, "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith("built ") and "stories" in summary and "pages" in summary
    assert "feeds" in summary and summary.endswith("s")


def test_feed_links_in_head_point_at_files(built: Path):
    home = (built / "index.html").read_text(encoding="utf-8")
    for name in ("feed.xml", "atom.xml", "feed.json"):
        assert f'href="/{name}"' in home and (built / name).is_file()
    json.loads((built / "feed.json").read_text(encoding="utf-8"))


class _Facts(HTMLParser):
    """The text of each listing of a company page's facts, and the body links of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.listings: list[str] = []
        self.mentions: list[tuple[str, str]] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("class") == "listing":
            self._in = "listing"
            self.listings.append("")
        elif tag == "a" and values.get("class") == "mention":
            self._in = "mention"
            self.mentions.append((values.get("href") or "", ""))

    def handle_endtag(self, tag: str) -> None:
        if (tag, self._in) in (("div", "listing"), ("a", "mention")):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "listing":
            self.listings[-1] += data
        elif self._in == "mention":
            href, text = self.mentions[-1]
            self.mentions[-1] = (href, text + data)


def facts(path: Path) -> _Facts:
    parser = _Facts()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_a_dual_listed_company_is_one_page_with_every_listing(site, built: Path):
    byd = facts(built / "companies/byd-002594-sz/index.html")
    assert byd.listings == ["Listing 1002594.SZ · SZSE · SZSE Main Board",
                            "Listing 201211.HK · HKEX · HKEX Main Board"]
    nio = facts(built / "companies/nio-nio-n/index.html")  # written 蔚来（NIO.N） in Chinese
    assert nio.listings == ["Listing 1NIO.N · NYSE", "Listing 209866.HK · HKEX · HKEX Main Board"]
    pages = {p.name for p in (built / "companies").iterdir()}
    assert not any(name.endswith(("01211-hk", "09866-hk")) for name in pages)
    # BYD, Ganfeng, Tianqi, CATL, Sinopec, GAC, Hua Hong, SMIC, Alibaba, Li Auto, NIO, XPeng
    assert sorted(c.key for c in site.companies if len(c.listings) > 1) == [
        "002460.SZ", "002466.SZ", "002594.SZ", "300750.SZ", "600028.SH", "601238.SH",
        "688347.SH", "688981.SH", "BABA.N", "LI.O", "NIO.N", "XPEV.N"]


def test_a_story_links_the_first_mention_of_each_of_its_companies(site, built: Path):
    story = next(s for s in site.stories if s.title.startswith("集邦咨询"))
    page = facts(built / story.url.strip("/") / "index.html")
    assert page.mentions == [("/companies/bytedance/", "字节跳动"),
                             ("/companies/alibaba-baba-n/", "阿里巴巴"),
                             ("/companies/tencent-00700-hk/", "腾讯"),
                             ("/companies/nvidia-nvda-o/", "英伟达"),
                             ("/companies/deepseek/", "DeepSeek")]
    assert sorted(href for href, _ in page.mentions) == sorted(
        next(c for c in site.companies if c.key == key).url for key in story.companies)
