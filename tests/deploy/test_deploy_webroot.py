"""Deploys to a web root (file://), served by Debian's nginx on 127.0.0.1 under a sub-path
with the snippet the deploy writes: pretty URLs, feeds with their types, the 404 page; the
switch to a new version is one step, only changes are copied, and a killed deploy or a full
disk leaves the live site whole."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from conftest import ONE_DAY, mounted_tmpfs, write_site
from deploying import changed_between, clean_env, cli, expected_type, free_port, site_files

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
needs_nginx = pytest.mark.skipif(not Path(NGINX).exists() and not os.environ.get("CI"),
                                 reason="needs Debian's nginx (apt-get install nginx)")
OLD = {"content/briefings/2025/2025-03-27.md": ONE_DAY,
       "content/briefings/2025/2025-03-28.md": ONE_DAY.replace("2025-03-27", "2025-03-28")}


def webroot_site(root: Path, files: dict[str, str], base_url: str, web: Path) -> Path:
    return write_site(root, {**files, "site.toml": f'base_url = "{base_url}"\n'
                             f'[deploy.web]\nurl = "file://{web}"\n'})


def served(web: Path) -> dict[str, bytes]:
    """What the web root's link shows (its hidden state folder is beside it, not in it)."""
    return site_files(web.resolve())


def start_nginx(port: int, snippet: Path, prefix: Path) -> subprocess.Popen[bytes]:
    """nginx in the foreground on 127.0.0.1:port, its files under prefix, serving what the
    deploy's snippet says (the file:// target at /briefing/)."""
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "temp").mkdir(exist_ok=True)
    config = prefix / "nginx.conf"
    temp = prefix / "temp"
    config.write_text(f"""
error_log {prefix}/error.log;
pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        include {snippet};
    }}
}}
""", encoding="utf-8")
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(config),
                                "-g", "daemon off; master_process off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):  # until it listens (bounded: 10 s)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except urllib.error.HTTPError:
            return process  # it answered (404 outside /briefing/)
        except OSError:
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode() if process.stderr
                                     else "nginx exited") from None
            time.sleep(0.05)
    process.kill()
    raise AssertionError("nginx did not start listening")


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value and value.startswith("/"):
                self.links.append(value)


@needs_nginx
def test_nginx_serves_the_deployed_site_under_a_sub_path(tmp_path: Path):
    port, web = free_port(), tmp_path / "www" / "briefing"
    base = f"http://127.0.0.1:{port}/briefing/"
    site = webroot_site(tmp_path / "site", OLD, base, web)
    env = clean_env(tmp_path)
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    result = cli("deploy", "--site", site, env=env)
    assert result.returncode == 0, result.stderr
    assert web.is_symlink() and served(web) == site_files(site / "output")
    server = start_nginx(port, web.with_name(".briefing.deploy") / "nginx.conf",
                         tmp_path / "nginx")
    try:
        status, headers, body = fetch(base)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert "stale-while-revalidate" in headers["Cache-Control"]
        links = Links()
        links.feed(body.decode())
        pages = sorted({link.split("?")[0] for link in links.links})
        assert "/briefing/2025/03/28/" in pages and "/briefing/static/style.css" in pages
        for link in pages:  # every site link of the home page works through nginx
            status, headers, _ = fetch(f"http://127.0.0.1:{port}{link}")
            assert status == 200, link
            path = link.removeprefix("/briefing/")
            assert headers["Content-Type"] == expected_type(
                path + "index.html" if path.endswith("/") or not path else path), link
        status, headers, _ = fetch(base + "static/style.css")
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"

        for name in ("feed.xml", "atom.xml", "feed.json"):
            status, headers, body = fetch(base + name)
            assert status == 200 and headers["Content-Type"] == expected_type(name)
            if name != "feed.json":
                parsed = feedparser.parse(body)
                assert not parsed.bozo and len(parsed.entries) == 6
                assert all(entry.link.startswith(base) for entry in parsed.entries)
                story = parsed.entries[0].link
                assert fetch(story)[0] == 200 and story.endswith("/")

        status, headers, body = fetch(base + "2025/03/29/no-such-story/")
        assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert body == (site / "output/404.html").read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_each_deploy_is_a_new_version_switched_in_one_step_and_copies_only_changes(
        tmp_path: Path):
    web = tmp_path / "www" / "briefing"
    site = webroot_site(tmp_path / "site", OLD, "https://example.org/briefing/", web)
    env = clean_env(tmp_path)
    state = web.with_name(".briefing.deploy")
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
    first = site_files(site / "output")
    assert os.readlink(web) == ".briefing.deploy/v000001"

    again = cli("deploy", "--site", site, env=env)
    assert "0 uploaded" in again.stderr and os.readlink(web) == ".briefing.deploy/v000001"

    day = site / "content/briefings/2025/2025-03-28.md"
    day.write_text(day.read_text().replace("Body of the first story.", "A new body."))
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    second = site_files(site / "output")
    changed, _ = changed_between(first, second)
    result = cli("deploy", "--site", site, env=env)
    assert f"deployed to web (file://{web}): {len(changed)} uploaded" in result.stderr
    assert os.readlink(web) == ".briefing.deploy/v000002"
    assert served(web) == second
    assert site_files(state / "v000001") == first  # the rollback, kept whole
    kept = next(path for path in second if path not in changed)
    assert (state / "v000001" / kept).stat().st_ino == (state / "v000002" / kept).stat().st_ino

    day.write_text(day.read_text().replace("A new body.", "A third body."))
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    third = site_files(site / "output")
    assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
    assert os.readlink(web) == ".briefing.deploy/v000003"  # v000001 recycled into it
    assert sorted(p.name for p in state.iterdir()) == ["nginx.conf", "v000002", "v000002.json",
                                                      "v000003", "v000003.json"]
    assert served(web) == third and site_files(state / "v000002") == second


def test_a_killed_deploy_leaves_the_live_site_whole_and_the_next_one_finishes(tmp_path: Path):
    web = tmp_path / "www" / "briefing"
    site = webroot_site(tmp_path / "site", OLD, "https://example.org/", web)
    env = clean_env(tmp_path)
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
    old = served(web)
    write_site(site, {"content/briefings/2025/2025-03-31.md":
                      ONE_DAY.replace("2025-03-27", "2025-03-31")})
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    for fault in ("mid-upload:3", "before-manifest"):
        killed = cli("deploy", "-q", "--site", site, env=env, fault=fault)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert served(web) == old
    assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
    assert served(web) == site_files(site / "output")
    state = web.with_name(".briefing.deploy")
    assert sorted(p.name for p in state.iterdir()) == ["nginx.conf", "v000001", "v000001.json",
                                                      "v000002", "v000002.json"]


def test_a_folder_of_other_files_is_not_replaced(tmp_path: Path):
    web = tmp_path / "www" / "briefing"
    web.mkdir(parents=True)
    (web / "index.html").write_text("someone else's site")
    site = webroot_site(tmp_path / "site", OLD, "https://example.org/", web)
    env = clean_env(tmp_path)
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    result = cli("deploy", "--site", site, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "site-builder did not put there" in result.stderr
    assert (web / "index.html").read_text() == "someone else's site"


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A small file system of its own (root only), unmounted afterwards."""
    with mounted_tmpfs(tmp_path / "disk") as folder:
        yield folder


def test_a_full_web_root_disk_is_a_clear_error_and_the_live_site_stays(tmpfs: Path,
                                                                      tmp_path: Path):
    web = tmpfs / "briefing"
    site = webroot_site(tmp_path / "site", OLD, "https://example.org/", web)
    env = clean_env(tmp_path)
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
    old = served(web)
    free = os.statvfs(tmpfs)
    (tmpfs / "filler").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 16 * 1024))
    paragraph = "Goertek (002241.SZ) shipped more headsets than ever this quarter. " * 40
    write_site(site, {"content/briefings/2025/2025-04-01.md": ONE_DAY.replace(
        "2025-03-27", "2025-04-01").replace("Body of the first story.",
                                            "\n\n    ".join([paragraph] * 12))})
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    result = cli("deploy", "--site", site, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is full" in result.stderr and "readers still get version v000001" in result.stderr
    assert served(web) == old
    assert not (web.with_name(".briefing.deploy") / ".building").exists()
