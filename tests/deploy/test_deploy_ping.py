"""`site-builder ping`: the hub hears of the feeds the last build changed (every feed after a
first build), a hub that is down is a warning, and a site without a hub is told to name one."""

from __future__ import annotations

from pathlib import Path

from conftest import ONE_DAY, write_site
from deploying import build, changed_between, clean_env, cli, free_port, running_hub, site_files

BASE = "https://briefing.example.org/"
DAYS = {"content/briefings/2025/2025-03-27.md": ONE_DAY,
        "content/briefings/2025/2025-03-28.md": ONE_DAY.replace("2025-03-27", "2025-03-28")}


def feeds_of(paths: set[str] | dict[str, bytes]) -> list[str]:
    return sorted(BASE + path for path in paths
                  if path.rsplit("/", 1)[-1] in ("feed.xml", "atom.xml", "feed.json"))


def test_ping_announces_the_feeds_the_last_build_changed(tmp_path: Path):
    env = clean_env(tmp_path)
    with running_hub() as hub:
        site = write_site(tmp_path / "site", {**DAYS, "site.toml":
                                              f'base_url = "{BASE}"\nhub = "{hub.url}"\n'})
        build(site)
        first = site_files(site / "output")
        result = cli("ping", "--site", site, env=env)
        assert result.returncode == 0, result.stderr
        assert hub.feeds() == feeds_of(first)  # a first build: every feed is new
        assert f"about {len(hub.feeds())} of {len(hub.feeds())} changed feed(s)" in result.stderr

        hub.notices.clear()
        day = site / "content/briefings/2025/2025-03-28.md"
        day.write_text(day.read_text().replace("Goertek (002241.SZ) announced",
                                               "Goertek (002241.SZ) said today"))
        build(site)
        changed, _ = changed_between(first, site_files(site / "output"))
        assert cli("ping", "--site", site, env=env).returncode == 0
        assert hub.feeds() == feeds_of(changed)
        assert 0 < len(hub.feeds()) < len(feeds_of(first))


def test_a_hub_that_is_down_is_a_warning_not_a_failure(tmp_path: Path):
    hub = f"http://127.0.0.1:{free_port()}/hub"
    site = write_site(tmp_path / "site", {**DAYS, "site.toml":
                                          f'base_url = "{BASE}"\nhub = "{hub}"\n'})
    build(site)
    result = cli("ping", "--site", site, env=clean_env(tmp_path))
    assert result.returncode == 0
    assert f"warning: WebSub hub {hub} cannot be reached" in result.stderr


def test_ping_without_a_hub_or_a_build_says_what_to_do(tmp_path: Path):
    site = write_site(tmp_path / "site", {**DAYS, "site.toml": f'base_url = "{BASE}"\n'})
    result = cli("ping", "--site", site, env=clean_env(tmp_path))
    assert result.returncode == 2 and "names no WebSub hub" in result.stderr
    (site / "site.toml").write_text(f'base_url = "{BASE}"\nhub = "https://hub.example.org/"\n')
    result = cli("ping", "--site", site, env=clean_env(tmp_path))
    assert result.returncode == 2 and "run site-builder build first" in result.stderr
    assert "Traceback" not in result.stderr
