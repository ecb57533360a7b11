"""``site-builder init`` and ``new``'s skeleton (site_builder/scaffold.py): a new site that
checks and builds at once, and files that are never overwritten."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zoneinfo
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from conftest import run_cli, tree_bytes

from site_builder.config import SiteConfig, load_config
from site_builder.errors import ConfigError, UsageError
from site_builder.scaffold import SITE_TOML, gitignore_text, init_site
from site_builder.tagging.registry import load_site_data

DAY = dt.date(2025, 6, 2)
DAY_FILE = "content/briefings/2025/2025-06-02.md"
SITE_FILES = {"site.toml", ".gitignore", DAY_FILE, "content/_data/companies.yaml",
              "templates/README.md", "static/.README.md"}


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


class Text(HTMLParser):
    """The text of a page, as a reader sees it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.feed(html)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def test_init_writes_a_site_with_every_starter_file(tmp_path: Path):
    scaffold = init_site(tmp_path / "site", today=DAY)
    assert {p.relative_to(tmp_path / "site").as_posix() for p in scaffold.written} == SITE_FILES
    assert scaffold.kept == ()
    assert files_under(tmp_path / "site") == SITE_FILES
    day = (tmp_path / "site" / DAY_FILE).read_text(encoding="utf-8")
    assert "date: 2025-06-02" in day and "draft: false" in day


def test_the_new_site_checks_and_builds_a_page_for_today_tagged_from_the_registry(
        tmp_path: Path):
    result = run_cli("init", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"
    config, warnings = load_config(site)
    assert warnings == []
    today = dt.datetime.now(config.zone).date()
    if not (site / f"content/briefings/{today:%Y}/{today}.md").is_file():  # midnight passed
        today -= dt.timedelta(days=1)
    assert (site / f"content/briefings/{today:%Y}/{today}.md").is_file()
    check = run_cli("check", "--site", site)
    assert check.returncode == 0 and "1 days, 2 stories: no errors" in check.stderr
    build = run_cli("build", "--site", site)
    assert build.returncode == 0, build.stderr
    assert build.stderr.count("warning") == 0, build.stderr
    output = site / "output"
    day_page = Text((output / f"{today:%Y/%m/%d}/index.html").read_text("utf-8")).text
    assert "Headline of the first story" in day_page and "Goertek" in day_page
    company = Text((output / "companies/goertek-002241-sz/index.html").read_text("utf-8")).text
    assert "Maker of acoustic components" in company  # the registry's description
    feed = feedparser.parse((output / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 2
    assert not any(p.name.startswith(".") for p in (output / "static").iterdir())


def test_the_starter_files_name_only_keys_that_exist():
    """Every key in site.toml, commented out or not, is a real setting of the right type."""
    uncommented = re.sub(r"^# (\w+ = )", r"\1", SITE_TOML, flags=re.MULTILINE)
    assert uncommented.count("\n") == SITE_TOML.count("\n")
    keys = re.findall(r"^(\w+) = ", uncommented, flags=re.MULTILINE)
    assert {"title", "base_url", "language", "timezone", "publish_time"} <= set(keys)
    assert set(keys) <= set(SiteConfig.__dataclass_fields__)


def test_every_setting_in_the_starter_site_toml_loads(tmp_path: Path):
    uncommented = re.sub(r"^# (\w+ = )", r"\1", SITE_TOML, flags=re.MULTILINE)
    (tmp_path / "site.toml").write_text(uncommented, encoding="utf-8")
    config, warnings = load_config(tmp_path)
    assert warnings == [] and config.base_url == "https://briefing.example.org/"


def test_the_starter_registry_shows_names_aliases_tickers_and_chinese_names(tmp_path: Path):
    init_site(tmp_path, today=DAY)
    companies = load_site_data(tmp_path / "content").companies
    by_name = {company.name: company for company in companies}
    assert by_name["Goertek"].ticker == "002241.SZ" and "歌尔股份" in by_name["Goertek"].aliases
    assert by_name["Xiaomi"].ticker == "01810.HK" and by_name["NVIDIA"].ticker == "NVDA.O"
    assert by_name["DeepSeek"].ticker == ""  # a company with no ticker at all
    assert all(re.search("[\u4e00-\u9fff]", " ".join(c.aliases)) for c in companies)


def test_today_is_today_in_the_sites_time_zone(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text('timezone = "Pacific/Kiritimati"\n', encoding="utf-8")
    before = dt.datetime.now(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    scaffold = init_site(site, force=True)
    after = dt.datetime.now(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    days = {f"content/briefings/{d:%Y}/{d}.md" for d in (before, after)}
    assert {p.relative_to(site).as_posix() for p in scaffold.written} & days
    assert (site / "site.toml").read_text() == 'timezone = "Pacific/Kiritimati"\n'


def test_a_folder_with_files_is_refused_and_left_alone(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "notes.txt").write_text("mine")
    result = run_cli("init", site)
    assert result.returncode == 2 and "is not empty (it holds notes.txt)" in result.stderr
    assert "--force" in result.stderr and "Traceback" not in result.stderr
    assert files_under(site) == {"notes.txt"}


def test_a_fresh_repository_counts_as_empty(tmp_path: Path):
    site = tmp_path / "site"
    (site / ".git").mkdir(parents=True)
    assert init_site(site, today=DAY).kept == ()
    assert files_under(site) == SITE_FILES


def test_force_adds_the_missing_files_and_overwrites_none(tmp_path: Path):
    site = tmp_path / "site"
    init_site(site)  # today, as the command line's init will take it (unless midnight passes)
    (site / "site.toml").write_text('title = "Mine"\n', encoding="utf-8")
    (site / "templates/README.md").unlink()
    (site / ".gitignore").unlink()
    (site / ".gitignore").symlink_to(tmp_path / "elsewhere")  # never written through
    before = tree_bytes(site)
    result = run_cli("init", site, "--force")
    assert result.returncode == 0, result.stderr
    assert f"created {site}/templates/README.md" in result.stderr
    assert f"kept {site}/site.toml (already there)" in result.stderr
    after = tree_bytes(site)
    added = set(after) - set(before)
    assert "templates/README.md" in added
    assert all(name.startswith("content/briefings/") for name in added - {"templates/README.md"})
    assert all(after[name] == data for name, data in before.items())
    assert not (tmp_path / "elsewhere").exists()


def test_a_broken_site_toml_stops_init_before_anything_is_written(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text('timezone = "Mars/Olympus_Mons"\n', encoding="utf-8")
    with pytest.raises(ConfigError):
        init_site(site, force=True)
    result = run_cli("init", site, "--force")
    assert result.returncode == 1 and "not a known zone" in result.stderr
    assert files_under(site) == {"site.toml"}


def test_a_file_where_the_site_or_a_folder_should_be_is_a_usage_error(tmp_path: Path):
    (tmp_path / "site").write_text("x")
    result = run_cli("init", tmp_path / "site")
    assert result.returncode == 2 and "is a file" in result.stderr
    (tmp_path / "other").mkdir()
    (tmp_path / "other/content").write_text("x")
    with pytest.raises(UsageError, match="in the way"):
        init_site(tmp_path / "other", force=True, today=DAY)


def test_init_ends_with_the_next_three_commands(tmp_path: Path):
    elsewhere = run_cli("init", "my site", cwd=tmp_path)
    assert elsewhere.returncode == 0, elsewhere.stderr
    commands = [line.split("#")[0].strip() for line in elsewhere.stderr.splitlines()[-3:]]
    assert commands == ["cd 'my site'", "site-builder build", "site-builder serve"]
    (tmp_path / "here").mkdir()
    here = run_cli("init", cwd=tmp_path / "here")
    commands = [line.split("#")[0].strip() for line in here.stderr.splitlines()[-3:]]
    assert commands == ["site-builder check", "site-builder build", "site-builder serve"]
    assert (tmp_path / "here/site.toml").is_file() and (tmp_path / "my site/site.toml").is_file()


def test_the_gitignore_leaves_only_the_sources_to_commit(tmp_path: Path):
    site = tmp_path / "site"
    init_site(site, today=DAY)
    assert run_cli("build", "--site", site).returncode == 0
    (site / "content/briefings/2025/2025-06-02.md").write_text(
        (site / DAY_FILE).read_text().replace("Body of the story.", "Another body."))
    assert run_cli("build", "--site", site).returncode == 0  # leaves .output.spare beside
    assert (site / ".output.spare").is_dir() and (site / ".site-builder-cache").is_dir()
    git = subprocess.run(["git", "init", "-q", str(site)], capture_output=True, check=False)
    if git.returncode != 0:
        pytest.skip("git is not installed")
    status = subprocess.run(["git", "-C", str(site), "status", "--porcelain", "-uall",
                             "--ignored=no"], capture_output=True, text=True, check=True)
    assert {line[3:] for line in status.stdout.splitlines()} == SITE_FILES


def test_the_gitignore_follows_a_nested_output_folder():
    text = gitignore_text(SiteConfig(output_dir="public/site"))
    assert "/public/site/\n/public/.site.*/\n/.site-builder-cache/\n" in text
    assert "/../" not in gitignore_text(SiteConfig(output_dir="../elsewhere"))
