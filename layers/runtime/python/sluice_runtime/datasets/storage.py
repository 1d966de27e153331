"""S3 access for the pipeline steps, with the runtime's AWS error policy (`aws_errors`): transient
failures become `TransientError`, which every Task of the pipelines retries with exponential backoff
and full jitter; everything else (403, a missing bucket, a bug) propagates and is *not* retried.

Conditional writes (`If-Match` / `If-None-Match: *`, S3's compare-and-swap) that lose a race raise
`PreconditionFailed`; the caller decides what a lost race means.

Example:
    >>> store = ObjectStore(clients.s3())                                        # doctest: +SKIP
    >>> marker = store.read_json("curated", "orders/dt=2024-06-11/_SUCCESS")     # doctest: +SKIP
    >>> store.write_json("curated", key, document, if_match=marker.etag)         # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sluice_runtime import strict_json
from sluice_runtime.aws_errors import TRANSIENT_CODES, error_code, transient_errors
from sluice_runtime.errors import ObjectNotFound, TransientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchVersion"})
_PRECONDITION = frozenset({"412", "PreconditionFailed", "ConditionalRequestConflict"})
BLOCK_SIZE = 1024 * 1024
DELETE_BATCH = 1000  # DeleteObjects accepts at most 1000 keys per request


class PreconditionFailed(Exception):
    """A conditional write or read found another version than the one it was conditioned on."""


@dataclass(frozen=True)
class StoredJson:
    value: Any
    etag: str


class ObjectStore:
    """The S3 operations the steps use; `version_id="null"` means an object of an unversioned bucket."""

    def __init__(self, client: S3Client) -> None:
        self._s3 = client

    def head(self, bucket: str, key: str, version_id: str | None = None) -> dict[str, Any] | None:
        """HeadObject (of one version), or None when it does not exist."""
        with transient_errors(f"HeadObject s3://{bucket}/{key}"):
            try:
                return dict(self._s3.head_object(Bucket=bucket, Key=key, **_version(version_id)))
            except ClientError as error:
                if error_code(error) in _NOT_FOUND:
                    return None
                raise

    def blocks(
        self, bucket: str, key: str, *, version_id: str | None = None, if_match: str | None = None
    ) -> Iterator[bytes]:
        """The object's bytes as a stream of blocks (never all in memory)."""
        conditions = _version(version_id) | ({"IfMatch": quoted(if_match)} if if_match else {})
        with transient_errors(f"GetObject s3://{bucket}/{key}"):
            try:
                body = self._s3.get_object(Bucket=bucket, Key=key, **conditions)["Body"]
            except ClientError as error:
                _raise_precondition(error, f"s3://{bucket}/{key} changed")
                _raise_missing(error, f"s3://{bucket}/{key}")
                raise
            yield from body.iter_chunks(BLOCK_SIZE)

    def read_range(
        self, bucket: str, key: str, start: int, end: int, *, version_id: str | None = None,
        if_match: str | None = None,
    ) -> bytes:
        """Bytes [start, end) of the object (HTTP ranges are inclusive, hence `end - 1`)."""
        if end <= start:
            return b""
        conditions = _version(version_id) | ({"IfMatch": quoted(if_match)} if if_match else {})
        with transient_errors(f"GetObject s3://{bucket}/{key} bytes {start}-{end - 1}"):
            try:
                response = self._s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end - 1}", **conditions)
            except ClientError as error:
                _raise_precondition(error, f"s3://{bucket}/{key} changed")
                _raise_missing(error, f"s3://{bucket}/{key}")
                raise
            return response["Body"].read()

    def read_json(self, bucket: str, key: str) -> StoredJson | None:
        """A JSON document and its ETag, or None when the key does not exist."""
        with transient_errors(f"GetObject s3://{bucket}/{key}"):
            try:
                response = self._s3.get_object(Bucket=bucket, Key=key)
            except ClientError as error:
                if error_code(error) in _NOT_FOUND:
                    return None
                raise
            body = response["Body"].read()
        return StoredJson(strict_json.loads(body), response["ETag"])

    def read_bytes(self, bucket: str, key: str) -> bytes:
        with transient_errors(f"GetObject s3://{bucket}/{key}"):
            try:
                return self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            except ClientError as error:
                _raise_missing(error, f"s3://{bucket}/{key}")
                raise

    def write(
        self, bucket: str, key: str, body: bytes, content_type: str, *, if_match: str | None = None,
        if_absent: bool = False,
    ) -> str:
        """PutObject; with `if_match` / `if_absent` it is a compare-and-swap. Returns the new ETag."""
        conditions: dict[str, Any] = {}
        if if_match is not None:
            conditions["IfMatch"] = quoted(if_match)
        elif if_absent:
            conditions["IfNoneMatch"] = "*"
        with transient_errors(f"PutObject s3://{bucket}/{key}"):
            try:
                response = self._s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type,
                                               **conditions)
            except ClientError as error:
                _raise_precondition(error, f"s3://{bucket}/{key} was changed by someone else")
                if if_match is not None and error_code(error) in _NOT_FOUND:
                    raise PreconditionFailed(f"s3://{bucket}/{key} was deleted by someone else") from error
                raise
        return response["ETag"]

    def write_json(self, bucket: str, key: str, document: Any, **conditions: Any) -> str:
        """A JSON document, canonical (sorted keys): the same document always has the same bytes."""
        return self.write(bucket, key, canonical(document).encode(), "application/json", **conditions)

    def copy(
        self, source_bucket: str, source_key: str, bucket: str, key: str, *, source_version: str | None = None,
        source_if_match: str | None = None,
    ) -> None:
        """Server-side copy (the bytes never pass through the function)."""
        source: dict[str, str] = {"Bucket": source_bucket, "Key": source_key}
        if source_version and source_version != "null":
            source["VersionId"] = source_version
        extra = {"CopySourceIfMatch": quoted(source_if_match)} if source_if_match else {}
        with transient_errors(f"CopyObject s3://{source_bucket}/{source_key} -> s3://{bucket}/{key}"):
            try:
                self._s3.copy_object(CopySource=source, Bucket=bucket, Key=key, **extra)  # type: ignore[arg-type]
            except ClientError as error:
                _raise_precondition(error, f"s3://{source_bucket}/{source_key} changed")
                raise

    def version_ids(self, bucket: str, key: str) -> list[str]:
        """The version ids of `key`, newest first: S3's own order of an object's versions
        (ListObjectVersions returns them "in the order they were stored, most recent first")."""
        found: list[str] = []
        with transient_errors(f"ListObjectVersions s3://{bucket}/{key}"):
            for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
                found.extend(str(v["VersionId"]) for v in page.get("Versions", []) if v["Key"] == key)
        return found

    def keys(self, bucket: str, prefix: str) -> list[str]:
        """Every key under `prefix`, in S3's (lexicographic) order."""
        found: list[str] = []
        with transient_errors(f"ListObjectsV2 s3://{bucket}/{prefix}"):
            for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                found.extend(entry["Key"] for entry in page.get("Contents", []))
        return found

    def folders(self, bucket: str, prefix: str) -> list[str]:
        """The `prefix/<name>/` folders directly under `prefix`."""
        found: list[str] = []
        with transient_errors(f"ListObjectsV2 s3://{bucket}/{prefix}"):
            paginator = self._s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
                found.extend(entry["Prefix"] for entry in page.get("CommonPrefixes", []))
        return found

    def delete_keys(self, bucket: str, keys: Sequence[str]) -> int:
        """Delete `keys` (in batches); returns how many were asked for. Missing keys are fine."""
        for start in range(0, len(keys), DELETE_BATCH):
            batch: list[ObjectIdentifierTypeDef] = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            with transient_errors(f"DeleteObjects s3://{bucket} ({len(batch)} keys)"):
                response = self._s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            errors = response.get("Errors", [])
            if errors:
                first = errors[0]
                message = f"DeleteObjects s3://{bucket}: {len(errors)} key(s) not deleted, e.g. {first.get('Key')}: " \
                          f"{first.get('Code')} {first.get('Message')}"
                if all(error.get("Code") in TRANSIENT_CODES for error in errors):
                    raise TransientError(message)
                raise RuntimeError(message)
        return len(keys)

    def delete_prefix(self, bucket: str, prefix: str) -> int:
        """Delete every key under `prefix`; returns how many there were."""
        return self.delete_keys(bucket, self.keys(bucket, prefix))

    def delete(self, bucket: str, key: str, *, if_match: str | None = None) -> None:
        """DeleteObject; with `if_match` only if the object is still that version."""
        extra: dict[str, Any] = {"IfMatch": quoted(if_match)} if if_match else {}
        with transient_errors(f"DeleteObject s3://{bucket}/{key}"):
            try:
                self._s3.delete_object(Bucket=bucket, Key=key, **extra)
            except ClientError as error:
                _raise_precondition(error, f"s3://{bucket}/{key} was changed by someone else")
                raise


def quoted(etag: str) -> str:
    """An ETag as HTTP conditions carry it (`"..."`); S3 events and our documents store it bare."""
    return etag if etag.startswith('"') else f'"{etag}"'


def canonical(value: Any) -> str:
    """Compact JSON with sorted keys: equal documents are equal bytes (deterministic objects)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _version(version_id: str | None) -> dict[str, Any]:
    return {"VersionId": version_id} if version_id and version_id != "null" else {}


def _raise_missing(error: ClientError, uri: str) -> None:
    """A version that is gone will not come back on a retry: `ObjectNotFound` (permanent)."""
    if error_code(error) in _NOT_FOUND:
        raise ObjectNotFound(f"{uri} does not exist ({error_code(error)})", uri=uri) from error


def _raise_precondition(error: ClientError, message: str) -> None:
    if error_code(error) in _PRECONDITION:
        raise PreconditionFailed(message) from error
