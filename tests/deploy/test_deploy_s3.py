"""Deploys to an S3 API server on 127.0.0.1 (moto's server mode, started here): every file
arrives with its type and caching, only changes are sent, deletes are guarded, a deploy killed
anywhere converges on the next run, and failures are clear errors."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import signal
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import ONE_DAY, write_site
from deploying import (
    changed_between,
    clean_env,
    cli,
    expected_type,
    free_port,
    running_hub,
    sample_site,
    site_files,
)
from moto.server import ThreadedMotoServer

from site_builder.deploy.s3 import MANIFEST, PENDING
from site_builder.faults import DEPLOY_POINTS

BASE = "https://briefing.example.org/"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3(endpoint: str) -> Any:
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                 region_name="us-east-1").client("s3", endpoint_url=endpoint)


@pytest.fixture
def bucket(endpoint: str) -> str:
    name = f"site-{uuid.uuid4().hex[:12]}"
    s3(endpoint).create_bucket(Bucket=name)
    return name


def target(endpoint: str, bucket: str, extra: str = "") -> str:
    return (f'[deploy.cloud]\nurl = "s3://{bucket}/www"\nendpoint = "{endpoint}"\n'
            f'region = "us-east-1"\n{extra}')


def objects(endpoint: str, bucket: str) -> dict[str, dict[str, Any]]:
    """Every object under www/ with its bytes and headers, the deploy's own state left out."""
    client = s3(endpoint)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="www/"):
        for item in page.get("Contents", []):
            key = item["Key"].removeprefix("www/")
            if key.startswith(".site-builder-deploy/"):
                continue
            answer = client.get_object(Bucket=bucket, Key=item["Key"])
            found[key] = {"data": answer["Body"].read(), "type": answer["ContentType"],
                          "cache": answer.get("CacheControl", "")}
    return found


def state_of(endpoint: str, bucket: str) -> tuple[dict[str, str] | None, list[str] | None]:
    """The target's manifest and pending list, None where absent."""
    client = s3(endpoint)

    def get(key: str) -> bytes | None:
        try:
            body: bytes = client.get_object(Bucket=bucket, Key=f"www/{key}")["Body"].read()
            return body
        except client.exceptions.NoSuchKey:
            return None

    manifest, pending = get(MANIFEST), get(PENDING)
    return (json.loads(gzip.decompress(manifest))["files"] if manifest else None,
            json.loads(pending) if pending else None)


def deployed(result: Any) -> int:
    """The count a deploy reports uploading."""
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith("deployed to"))
    return int(line.split(": ", 1)[1].split(" uploaded")[0])


def test_first_deploy_sends_every_file_with_its_headers_and_a_second_sends_nothing(
        endpoint: str, bucket: str, tmp_path: Path):
    env = clean_env(tmp_path)
    site = sample_site(tmp_path / "site", BASE, target(endpoint, bucket))
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    files = site_files(site / "output")

    assert deployed(cli("deploy", "--site", site, env=env)) == len(files)
    sent = objects(endpoint, bucket)
    assert {key: item["data"] for key, item in sent.items()} == files
    for key, item in sent.items():
        assert item["type"] == expected_type(key), key
        if key.startswith("static/") or key.endswith((".pf_fragment", ".pf_index", ".pf_meta",
                                                       ".pf_filter")):
            assert item["cache"] == "public, max-age=31536000, immutable", key
        else:
            assert "stale-while-revalidate=" in item["cache"] and "immutable" not in \
                item["cache"], key
    assert {"feed.xml", "atom.xml", "feed.json", "404.html", "sitemap.xml"} <= set(sent)
    manifest, pending = state_of(endpoint, bucket)
    assert manifest == {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    assert pending is None

    again = cli("deploy", "--site", site, env=env)
    assert deployed(again) == 0 and ", 0 deleted," in again.stderr
    assert objects(endpoint, bucket) == sent


def test_a_one_story_edit_sends_only_the_files_the_build_changed(
        endpoint: str, bucket: str, tmp_path: Path):
    env = clean_env(tmp_path)
    site = sample_site(tmp_path / "site", BASE, target(endpoint, bucket))
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
    before = site_files(site / "output")
    day = site / "content/briefings/2025/2025-03-27.md"
    day.write_text(day.read_text(encoding="utf-8").replace(
        "at $300 billion.", "at $300 billion, people familiar with it said."), encoding="utf-8")
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    after = site_files(site / "output")
    changed, gone = changed_between(before, after)
    assert changed and len(changed) < len(after) // 4

    urls = tmp_path / "purge.txt"
    result = cli("deploy", "--site", site, "--changed-urls", urls, env=env)
    assert deployed(result) == len(changed)
    assert f", {len(gone)} deleted," in result.stderr
    assert {key: item["data"] for key, item in objects(endpoint, bucket).items()} == after
    purged = urls.read_text(encoding="utf-8").splitlines()
    assert len(purged) == len(changed | gone)
    assert BASE in purged or "index.html" not in changed  # the home page by its folder URL
    assert all(url.startswith(BASE) and not url.endswith("/index.html") for url in purged)
    story = next(path for path in changed if path.count("/") == 4)
    assert BASE + story.removesuffix("index.html") in purged


def test_dry_run_prints_the_plan_and_changes_nothing(endpoint: str, bucket: str,
                                                     tmp_path: Path):
    env = clean_env(tmp_path)
    site = sample_site(tmp_path / "site", BASE, target(endpoint, bucket))
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    urls = tmp_path / "purge.txt"
    result = cli("deploy", "--site", site, "--dry-run", "--changed-urls", urls, env=env)
    assert result.returncode == 0, result.stderr
    planned = result.stdout.splitlines()
    assert len(planned) == len(site_files(site / "output"))
    assert planned[0].split()[:2] == ["upload", "asset"]
    assert planned[-1].split()[1] in ("feed", "sitemap")
    ranks = ["asset", "story", "other", "day", "page"]
    kinds = [line.split()[1] for line in planned]
    assert [k for k in kinds if k in ranks] == sorted((k for k in kinds if k in ranks),
                                                      key=ranks.index)
    assert "nothing was changed" in result.stderr
    assert objects(endpoint, bucket) == {} and state_of(endpoint, bucket) == (None, None)
    assert not urls.exists()


def test_deletes_beyond_max_deletes_are_refused_before_anything_changes(
        endpoint: str, bucket: str, tmp_path: Path):
    env = clean_env(tmp_path)
    site = mini_site(tmp_path, target(endpoint, bucket, "max_deletes = 3\n"))
    assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
    sent = objects(endpoint, bucket)
    (site / "content/briefings/2025/2025-03-28.md").unlink()
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    _, gone = changed_between({k: v["data"] for k, v in sent.items()},
                              site_files(site / "output"))
    assert len(gone) > 3

    refused = cli("deploy", "--site", site, env=env)
    assert refused.returncode == 1
    assert f"deletes {len(gone)} files, more than max_deletes (3)" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert objects(endpoint, bucket) == sent

    allowed = cli("deploy", "--site", site, "--max-deletes", str(len(gone)), env=env)
    assert allowed.returncode == 0, allowed.stderr
    assert {k: v["data"] for k, v in objects(endpoint, bucket).items()} == \
        site_files(site / "output")


def test_a_changed_cache_control_setting_sends_every_file_again(endpoint: str, bucket: str,
                                                                tmp_path: Path):
    env = clean_env(tmp_path)
    site = mini_site(tmp_path, target(endpoint, bucket))
    assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
    with (site / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write('[deploy.cloud.cache_control]\nfeed = "public, max-age=60"\n')
    count = len(site_files(site / "output"))
    assert deployed(cli("deploy", "--site", site, env=env)) == count
    assert objects(endpoint, bucket)["atom.xml"]["cache"] == "public, max-age=60"


# --- a deploy killed midway -------------------------------------------------------------------

OLD = {"content/briefings/2025/2025-03-27.md": ONE_DAY,
       "content/briefings/2025/2025-03-28.md": ONE_DAY.replace("2025-03-27", "2025-03-28")}
NEW = {"content/briefings/2025/2025-03-27.md": ONE_DAY.replace(
           "Body of the second story.", "An edited body: Xiaomi (01810.HK) joins in."),
       "content/briefings/2025/2025-03-31.md": ONE_DAY.replace("2025-03-27", "2025-03-31")
       .replace("Goertek: Net profit", "CATL: Net profit")
       .replace("Goertek (002241.SZ)", "CATL (300750.SZ)")}


def set_content(site: Path, files: dict[str, str]) -> None:
    for path in (site / "content").rglob("*.md"):
        path.unlink()
    write_site(site, files)


KILLS = [("mid-upload:3", "the new site"), ("mid-upload:3", "the old site again"),
         ("before-manifest", "the old site again"), ("mid-delete", "the new site")]


def test_every_point_of_a_deploy_is_killed_once():
    assert sorted({fault.partition(":")[0] for fault, _ in KILLS}) == sorted(DEPLOY_POINTS)


@pytest.mark.parametrize(("fault", "then"), KILLS)
def test_a_killed_deploy_converges_on_the_next_run(fault: str, then: str, endpoint: str,
                                                   bucket: str, tmp_path: Path):
    env = clean_env(tmp_path)
    site = write_site(tmp_path / "site", {**OLD, "site.toml": f'base_url = "{BASE}"\n'
                                          + target(endpoint, bucket, "workers = 2\n")})
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
    old = site_files(site / "output")
    set_content(site, NEW)
    assert cli("build", "-q", "--site", site, env=env).returncode == 0
    new = site_files(site / "output")

    killed = cli("deploy", "-q", "--site", site, env=env, fault=fault)
    assert killed.returncode == -signal.SIGKILL, f"{fault} never reached: {killed.stderr}"
    manifest, pending = state_of(endpoint, bucket)
    held = {key: item["data"] for key, item in objects(endpoint, bucket).items()}
    assert manifest is not None and pending  # the pending list names what it was doing
    for path, digest in manifest.items():  # the manifest claims nothing that is not there,
        assert path in held, path  # and a file with other bytes is one pending names
        assert hashlib.sha256(held[path]).hexdigest() == digest or path in pending, path
    assert set(held) <= set(manifest) | set(pending)  # nothing unaccounted for

    if then == "the old site again":
        set_content(site, OLD)
        assert cli("build", "-q", "--site", site, env=env).returncode == 0
    again = cli("deploy", "-q", "--site", site, env=env)
    assert again.returncode == 0, again.stderr
    wanted = new if then == "the new site" else old
    assert {key: item["data"] for key, item in objects(endpoint, bucket).items()} == wanted
    manifest, pending = state_of(endpoint, bucket)
    assert manifest == {p: hashlib.sha256(d).hexdigest() for p, d in wanted.items()}
    assert pending is None


# --- failures -------------------------------------------------------------------------------

def mini_site(tmp_path: Path, targets: str) -> Path:
    site = write_site(tmp_path / "site", {**OLD, "site.toml": f'base_url = "{BASE}"\n'
                                          + targets})
    assert cli("build", "-q", "--site", site, env=clean_env(tmp_path)).returncode == 0
    return site


def failed(result: Any) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    return str(result.stderr)


def test_a_missing_bucket_is_a_clear_error(endpoint: str, tmp_path: Path):
    site = mini_site(tmp_path, target(endpoint, "no-such-bucket"))
    message = failed(cli("deploy", "--site", site, env=clean_env(tmp_path)))
    assert "the bucket 'no-such-bucket' does not exist" in message


def test_an_unreachable_endpoint_is_a_clear_error(tmp_path: Path):
    site = mini_site(tmp_path, target(f"http://127.0.0.1:{free_port()}", "site"))
    message = failed(cli("deploy", "--site", site, env=clean_env(tmp_path)))
    assert "the endpoint cannot be reached" in message


def test_missing_credentials_are_a_clear_error(endpoint: str, bucket: str, tmp_path: Path):
    site = mini_site(tmp_path, target(endpoint, bucket))
    message = failed(cli("deploy", "--site", site, env=clean_env(tmp_path, credentials=False)))
    assert "no credentials found" in message and "AWS_ACCESS_KEY_ID" in message


def test_refused_credentials_are_a_clear_error(endpoint: str, bucket: str, tmp_path: Path):
    site = mini_site(tmp_path, target(endpoint, bucket))

    def require_auth(count: str) -> None:  # moto's switch for checking credentials
        urllib.request.urlopen(urllib.request.Request(
            f"{endpoint}/moto-api/reset-auth", data=count.encode(), method="POST",
            headers={"Content-Type": "text/plain"})).read()

    require_auth("0")
    try:
        result = cli("deploy", "--site", site, env=clean_env(tmp_path))
    finally:
        require_auth("inf")
    message = failed(result)
    assert "the credentials were refused" in message
    assert objects(endpoint, bucket) == {}


def test_credentials_in_site_toml_are_refused(endpoint: str, bucket: str, tmp_path: Path):
    site = mini_site(tmp_path, target(endpoint, bucket, 'secret_access_key = "abc"\n'))
    message = failed(cli("deploy", "--site", site, env=clean_env(tmp_path)))
    assert "site.toml:" in message and "credentials are never read from site.toml" in message


# --- WebSub ---------------------------------------------------------------------------------

def test_the_hub_hears_of_the_feeds_a_deploy_changed(endpoint: str, bucket: str,
                                                     tmp_path: Path):
    env = clean_env(tmp_path)
    with running_hub() as hub:
        site = write_site(tmp_path / "site", {**OLD, "site.toml": f'base_url = "{BASE}"\n'
                                              f'hub = "{hub.url}"\n' + target(endpoint, bucket)})
        assert cli("build", "-q", "--site", site, env=env).returncode == 0
        assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
        feeds = sorted(BASE + path for path in site_files(site / "output")
                       if path.endswith(("feed.xml", "atom.xml", "feed.json")))
        assert hub.feeds() == feeds
        assert all(notice["hub.mode"] == ["publish"] for notice in hub.notices)

        hub.notices.clear()
        before = site_files(site / "output")
        set_content(site, {**OLD, "content/briefings/2025/2025-03-28.md": OLD[
            "content/briefings/2025/2025-03-28.md"].replace("Body of the first story.",
                                                             "A longer first story.")})
        assert cli("build", "-q", "--site", site, env=env).returncode == 0
        changed, _ = changed_between(before, site_files(site / "output"))
        assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
        assert hub.feeds() == sorted(BASE + path for path in changed
                                     if path.endswith(("feed.xml", "atom.xml", "feed.json")))
        assert 0 < len(hub.feeds()) < len(feeds)

        hub.notices.clear()
        assert cli("deploy", "-q", "--site", site, env=env).returncode == 0
        assert hub.notices == []  # nothing changed, nothing to tell


def test_a_damaged_manifest_is_a_clear_error(endpoint: str, bucket: str, tmp_path: Path):
    site = mini_site(tmp_path, target(endpoint, bucket))
    s3(endpoint).put_object(Bucket=bucket, Key=f"www/{MANIFEST}", Body=b"not gzip")
    message = failed(cli("deploy", "--site", site, env=clean_env(tmp_path)))
    assert "is damaged; delete both and deploy again" in message
