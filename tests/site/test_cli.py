"""The command line as a user meets it: exit codes, messages, and an untouched output/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ONE_DAY, run_cli, tree_bytes, write_site

from site_builder import __version__


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", {"content/briefings/2025/2025-03-27.md": ONE_DAY})


def test_version_names_the_builder_pagefind_and_the_bundled_themes():
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"site-builder {__version__}"
    # pagefind[bin] is a dependency: the binary a build runs, and its own version
    assert re.fullmatch(r"Pagefind \d+\.\d+\.\d+ \(/.+\)", lines[1]), lines
    themes = Path(lines[3].removeprefix("bundled themes: "))
    assert (themes / "default/templates/base.html").is_file()


def test_build_writes_output_and_check_writes_nothing(site: Path):
    check = run_cli("check", "--site", site)
    assert check.returncode == 0, check.stderr
    assert "3 stories" in check.stderr and not (site / "output").exists()
    result = run_cli("build", "--site", site)
    assert result.returncode == 0, result.stderr
    assert (site / "output/2025/03/27/index.html").is_file()


BROKEN_FILES = {
    "no front matter": ("# Just a title\n", 1, "no front matter"),
    "invalid front matter": ("---\ntitle: [oops\ndate: 2025-03-28\n---\n", 3, "not valid YAML"),
    "impossible date": ("---\ndate: 2025-02-30\n---\n", 2, "not a real date"),
    "story before section": ("---\ndate: 2025-03-29\n---\n\n### Early\n\nx\n", 5,
                             "before any section"),
    "empty file": ("", 1, "empty"),
}


def test_every_broken_file_is_reported_and_output_is_untouched(site: Path):
    assert run_cli("build", "--site", site).returncode == 0
    before = tree_bytes(site / "output")
    for number, (text, _, _) in enumerate(BROKEN_FILES.values()):
        (site / f"content/briefings/2025/broken-{number}.md").write_text(text, encoding="utf-8")
    (site / "content/briefings/2025/gbk.md").write_bytes(
        "---\ndate: 2025-03-30\n---\n\n## 市场\n".encode("gbk"))
    result = run_cli("build", "--site", site)
    assert result.returncode == 1
    for number, (_, line, words) in enumerate(BROKEN_FILES.values()):
        expected = f"content/briefings/2025/broken-{number}.md:{line}: "
        lines = [x for x in result.stderr.splitlines() if expected in x]
        assert lines and words in lines[0], result.stderr
    assert "content/briefings/2025/gbk.md:5: the file is not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_bytes(site / "output") == before
    assert sorted(p.name for p in site.iterdir()) == [".site-builder-cache", "content", "output"]


def test_two_files_for_one_day_name_both(site: Path):
    (site / "content/briefings/2025/copy.md").write_text(
        (site / "content/briefings/2025/2025-03-27.md").read_text())
    result = run_cli("check", "--site", site)
    assert result.returncode == 1
    assert "2025-03-27 already exists in content/briefings/2025/2025-03-27.md" in result.stderr


def test_drafts_only_with_the_flag(site: Path):
    write_site(site, {"content/briefings/2025/2025-03-28.md": ONE_DAY.replace(
        "date: 2025-03-27", "date: 2025-03-28\n    draft: true")})
    assert run_cli("build", "--site", site).returncode == 0
    assert not (site / "output/2025/03/28").exists()
    assert run_cli("build", "--site", site, "--drafts").returncode == 0
    assert (site / "output/2025/03/28/index.html").is_file()


def test_base_url_override_reaches_canonical_links(site: Path):
    assert run_cli("build", "--site", site, "--base-url", "https://news.example/").returncode == 0
    page = (site / "output/2025/03/27/index.html").read_text()
    assert '<link rel="canonical" href="https://news.example/2025/03/27/">' in page


def test_new_creates_a_skeleton_and_never_overwrites(site: Path):
    result = run_cli("new", "2025-04-01", "--site", site)
    path = site / "content/briefings/2025/2025-04-01.md"
    assert result.returncode == 0 and path.is_file()
    assert "date: 2025-04-01" in path.read_text() and "draft: true" in path.read_text()
    assert run_cli("check", "--site", site, "--drafts").returncode == 0
    path.write_text("mine")
    again = run_cli("new", "2025-04-01", "--site", site)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert path.read_text() == "mine"


@pytest.mark.parametrize("args,words", [
    (["build", "--site", "/no/such/folder"], "no such folder"),
    (["new", "2025-13-40"], "not a date"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_2(args: list[str], words: str):
    result = run_cli(*args)
    assert result.returncode == 2 and words in result.stderr


def test_output_with_foreign_files_is_refused(site: Path, tmp_path: Path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious")
    result = run_cli("build", "--site", site, "--output", foreign)
    assert result.returncode == 2 and "did not write" in result.stderr
    assert (foreign / "thesis.docx").read_text() == "precious"
    for target in (site, site / "content", Path("/")):
        assert run_cli("build", "--site", site, "--output", target).returncode == 2


def test_config_errors_are_content_errors_with_exit_1(site: Path):
    (site / "site.toml").write_text("per_page = \"many\"\n")
    result = run_cli("build", "--site", site)
    assert result.returncode == 1 and "per_page must be a int" in result.stderr


def test_unknown_config_key_warns(site: Path):
    (site / "site.toml").write_text("colour = \"blue\"\n")
    result = run_cli("check", "--site", site)
    assert result.returncode == 0 and "unknown key 'colour'" in result.stderr


def test_quiet_prints_nothing_on_success(site: Path):
    result = run_cli("build", "-q", "--site", site)
    assert result.returncode == 0 and result.stderr == "" and result.stdout == ""
