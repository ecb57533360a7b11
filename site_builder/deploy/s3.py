"""An S3-compatible bucket as a deploy target (AWS S3, Cloudflare R2, MinIO, Aliyun OSS...).

The bucket holds the site's files under the target's prefix, and beside them, under
``.site-builder-deploy/``, the manifest (every file the bucket holds with its hash) and,
while a deploy runs, the pending list. The order of a deploy keeps both honest:

1. pending: every path this deploy may touch, on top of any left by a deploy killed before;
2. the uploads, rank by rank (headers.RANKS);
3. the manifest of the new site: every file in it is there by now;
4. the deletes; 5. pending removed.

A deploy killed anywhere leaves a manifest that claims no file that is not there with those
bytes, and a pending list naming everything else it may have touched: the next deploy
sends or deletes those again, and the bucket converges on the site.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from site_builder.deploy.headers import RANKS, Headers
from site_builder.deploy.manifest import read_verified
from site_builder.deploy.plan import Plan, TargetState, Upload
from site_builder.deploy.settings import DeployTarget
from site_builder.errors import DeployError
from site_builder.faults import fault_point

STATE_FOLDER = ".site-builder-deploy/"
MANIFEST = STATE_FOLDER + "manifest.json.gz"
PENDING = STATE_FOLDER + "pending.json"
DELETE_BATCH = 1000  # the most one DeleteObjects request takes
_REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403",
            "InvalidToken", "ExpiredToken", "AuthorizationHeaderMalformed"}


class S3Target:
    """One bucket and prefix, through boto3 and the standard credential chain."""

    def __init__(self, target: DeployTarget, headers: Headers) -> None:
        self.target = target
        self.headers = headers
        self.bucket = target.bucket
        self.prefix = target.prefix
        where = target.endpoint or "AWS S3"
        self.where = f"s3://{self.bucket}/{self.prefix} at {where}"
        # Checksums only where the API requires them: boto3's newer default (a CRC header
        # on every upload) is refused by several S3-compatible stores.
        config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10,
                        read_timeout=60, max_pool_connections=max(10, target.workers),
                        request_checksum_calculation="when_required",
                        response_checksum_validation="when_required",
                        s3={"addressing_style": target.addressing_style})
        with self._errors("connect"):
            self.client: Any = boto3.session.Session().client(
                "s3", endpoint_url=target.endpoint or None, region_name=target.region or None,
                config=config)

    def read_state(self) -> TargetState:
        with self._errors("reach the bucket"):
            self.client.head_bucket(Bucket=self.bucket)
        manifest = self._get(MANIFEST)
        pending = self._get(PENDING)
        try:
            data = json.loads(gzip.decompress(manifest)) if manifest is not None else {}
            listed = json.loads(pending) if pending is not None else []
            files = data.get("files", {})
            if not isinstance(files, dict) or not isinstance(listed, list):
                raise TypeError("not a manifest")
        except (ValueError, TypeError, OSError, AttributeError):
            raise DeployError(f"{self.where}: {MANIFEST} or {PENDING} is damaged; delete "
                              "both and deploy again (every file is sent again)") from None
        return TargetState(files, frozenset(map(str, listed)), str(data.get("headers", "")))

    def apply(self, plan: Plan, state: TargetState, output: Path,
              progress: Callable[[int, int], None]) -> None:
        headers = self.headers
        if plan.empty and not state.pending:
            return
        touched = sorted(state.pending | {u.path for u in plan.uploads} | set(plan.deletes))
        self._put(PENDING, json.dumps(touched).encode(), "application/json")
        self._upload_all(plan, output, headers, progress)
        fault_point("before-manifest")
        manifest = {"version": 1, "headers": headers.key(), "files": dict(plan.files)}
        self._put(MANIFEST, gzip.compress(json.dumps(manifest, sort_keys=True).encode(),
                                          mtime=0), "application/gzip")
        for start in range(0, len(plan.deletes), DELETE_BATCH):
            batch = plan.deletes[start:start + DELETE_BATCH]
            with self._errors("delete files"):
                answer = self.client.delete_objects(Bucket=self.bucket, Delete={
                    "Objects": [{"Key": self.prefix + path} for path in batch],
                    "Quiet": True})
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise DeployError(f"{self.where}: cannot delete {first.get('Key')}: "
                                  f"{first.get('Code')} {first.get('Message', '')}")
            fault_point("mid-delete", start + len(batch))
        with self._errors("finish"):
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + PENDING)

    def _upload_all(self, plan: Plan, output: Path, headers: Headers,
                    progress: Callable[[int, int], None]) -> None:
        """Rank by rank; within a rank, target.workers uploads at once."""
        ranks: dict[int, list[Upload]] = {}
        for upload in plan.uploads:
            ranks.setdefault(RANKS[upload.kind], []).append(upload)

        def send(upload: Upload) -> None:
            found = headers.for_path(upload.path)
            self._put(upload.path, read_verified(output, upload.path, upload.digest),
                      found.content_type, found.cache_control)

        done = 0
        pool = ThreadPoolExecutor(self.target.workers)
        try:
            for rank in sorted(ranks):
                for future in [pool.submit(send, upload) for upload in ranks[rank]]:
                    future.result()
                    done += 1
                    progress(done, len(plan.uploads))
                    fault_point("mid-upload", done)
        finally:
            pool.shutdown(cancel_futures=True)  # after an error, send nothing more

    def _get(self, key: str) -> bytes | None:
        try:
            with self._errors(f"read {key}"):
                body: bytes = self.client.get_object(Bucket=self.bucket,
                                                     Key=self.prefix + key)["Body"].read()
                return body
        except _Missing:
            return None

    def _put(self, key: str, data: bytes, content_type: str,
             cache_control: str = "no-cache") -> None:
        with self._errors(f"upload {key}"):
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                                   ContentType=content_type, CacheControl=cache_control)

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """boto3's exceptions as errors a user can act on, naming the target."""
        try:
            yield
        except botocore.exceptions.NoCredentialsError:
            raise DeployError(f"{self.where}: no credentials found; set AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment, or "
                              "use ~/.aws/credentials (never site.toml)") from None
        except (botocore.exceptions.EndpointConnectionError,
                botocore.exceptions.ConnectTimeoutError,
                botocore.exceptions.ReadTimeoutError,
                botocore.exceptions.ConnectionClosedError) as error:
            raise DeployError(f"{self.where}: cannot {doing}: the endpoint cannot be reached "
                              f"({error}); check endpoint in site.toml and the network"
                              ) from None
        except botocore.exceptions.ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey",):
                raise _Missing() from None
            if code in ("NoSuchBucket", "404"):
                raise DeployError(f"{self.where}: the bucket {self.bucket!r} does not exist; "
                                  "create it, or fix url in site.toml") from None
            if code in _REFUSED:
                raise DeployError(f"{self.where}: cannot {doing}: the credentials were refused "
                                  f"({code}); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY "
                                  "or AWS_PROFILE, and that they may write this bucket"
                                  ) from None
            message = error.response.get("Error", {}).get("Message", "")
            raise DeployError(f"{self.where}: cannot {doing}: {code} {message}") from None
        except botocore.exceptions.BotoCoreError as error:
            raise DeployError(f"{self.where}: cannot {doing}: {error}") from None


class _Missing(Exception):
    """A key that is not in the bucket (a first deploy has no manifest)."""

