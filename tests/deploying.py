"""Helpers of the deploy tests: a site to publish, the CLI with a clean environment, a WebSub
hub that records what it is told, and what each kind of file must be sent as."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import REPO_ROOT

from site_builder.cli import main
from site_builder.faults import FAULT_ENV

AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true"}
"""Credentials as the standard chain finds them (moto takes any unless told otherwise)."""


def clean_env(tmp_path: Path, *, credentials: bool = True) -> dict[str, str]:
    """The environment a deploy runs in: no real AWS settings of this machine leak in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k != FAULT_ENV}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
               AWS_EC2_METADATA_DISABLED="true")
    if credentials:
        env.update(AWS_ENV)
    return env


def sample_site(root: Path, base_url: str, targets: str) -> Path:
    """The repository's sample content under root, with its base_url and deploy targets."""
    shutil.copytree(REPO_ROOT / "content", root / "content")
    (root / "site.toml").write_text(f'base_url = "{base_url}"\n{targets}', encoding="utf-8")
    return root


def cli(*args: str | Path, env: dict[str, str], fault: str = ""
        ) -> subprocess.CompletedProcess[str]:
    """The command line in a child process (a fault may kill it), in env."""
    env = dict(env)
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.run([sys.executable, "-m", "site_builder", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)


def build(site: Path) -> None:
    assert main(["build", "-q", "--jobs", "1", "--site", str(site)]) == 0


def site_files(output: Path) -> dict[str, bytes]:
    """What a deploy publishes of a built folder: every file but the build's dot files."""
    return {p.relative_to(output).as_posix(): p.read_bytes()
            for p in sorted(output.rglob("*")) if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(output).parts)}


def changed_between(before: dict[str, bytes], after: dict[str, bytes]) -> tuple[set[str],
                                                                                set[str]]:
    """(files new or with other bytes, files gone) from one build to the next."""
    return ({path for path, data in after.items() if before.get(path) != data},
            set(before) - set(after))


def expected_type(path: str) -> str:
    """The Content-Type a file must arrive with, written out here, not read from the code."""
    name = path.rsplit("/", 1)[-1]
    named = {"feed.xml": "application/rss+xml; charset=utf-8",
             "atom.xml": "application/atom+xml; charset=utf-8",
             "feed.json": "application/feed+json; charset=utf-8"}
    by_extension = {"html": "text/html; charset=utf-8", "xml": "application/xml; charset=utf-8",
                    "json": "application/json; charset=utf-8",
                    "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
                    "txt": "text/plain; charset=utf-8", "svg": "image/svg+xml",
                    "png": "image/png"}
    return named.get(name) or by_extension.get(name.rsplit(".", 1)[-1],
                                               "application/octet-stream")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Hub:
    """A WebSub hub on 127.0.0.1 that records each publish notice's form fields."""

    url: str
    notices: list[dict[str, list[str]]] = field(default_factory=list)
    status: int = 204

    def feeds(self) -> list[str]:
        return sorted(url for notice in self.notices for url in notice.get("hub.url", []))


@contextmanager
def running_hub() -> Iterator[Hub]:
    hub = Hub("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            assert self.headers.get("Content-Type") == "application/x-www-form-urlencoded"
            hub.notices.append(urllib.parse.parse_qs(self.rfile.read(length).decode()))
            self.send_response(hub.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hub.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
