"""S3 event notifications, in both of S3's shapes, from the writes the stack observes.

- **EventBridge** (bucket `NotificationConfiguration.EventBridgeConfiguration`): every write or
  delete sends an "Object Created" / "Object Deleted" event to the default bus, shaped as in
  "EventBridge event message structure" of the S3 user guide: `detail.object` has `key`, `size`,
  `etag`, `version-id` (versioned buckets), `sequencer`; `reason` is the API (`PutObject`,
  `CopyObject`, `CompleteMultipartUpload`, `DeleteObject`); deletes carry `deletion-type`
  (`Delete Marker Created` / `Permanently Deleted`). The key is the object's key as stored, not
  URL-encoded (real events show keys such as `raw/2023-08-08T14:03:40.532432.zip` verbatim).
- **Classic notifications** (SAM `Events: Type: S3`, or `LambdaConfigurations` /
  `QueueConfigurations` / `TopicConfigurations`): `{"Records": [...]}` with event names such as
  `ObjectCreated:Put`, prefix/suffix key filters, and the key URL-encoded (`quote_plus`), as the
  "Event message structure" page documents ("red flower.jpg" becomes "red+flower.jpg").

Sequencers increase with every write, so consumers can order events per key as on AWS.

Example:
    >>> wiring = S3Wiring(buckets, clock=clock.now, account="123456789012", region="us-east-1")
    >>> wiring.events_for(call)      # an observed PutObject
    [S3Event(bucket=…, eventbridge={…"detail-type": "Object Created"…}, classic=[…])]
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from sluice.local.hooks import ApiCall

EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e"  # MD5 of nothing: a delete marker's ETag
_CREATE_REASONS = {"PutObject": "Put", "CopyObject": "Copy", "CompleteMultipartUpload": "CompleteMultipartUpload"}


@dataclass(frozen=True)
class Notification:
    """One classic notification configuration of a bucket."""

    id: str
    events: tuple[str, ...]
    target_kind: str  # lambda | sqs | sns
    target_arn: str
    prefix: str | None = None
    suffix: str | None = None

    def matches(self, event_name: str, key: str) -> bool:
        full = f"s3:{event_name}"
        wanted = any(full == pattern or (pattern.endswith(":*") and full.startswith(pattern[:-1]))
                     for pattern in self.events)
        return wanted and (self.prefix is None or key.startswith(self.prefix)) and \
            (self.suffix is None or key.endswith(self.suffix))


@dataclass
class BucketWiring:
    """What a bucket of the template notifies."""

    logical_id: str
    name: str
    eventbridge: bool = False
    notifications: list[Notification] = field(default_factory=list)


@dataclass
class ObjectChange:
    """One created or deleted object, as S3 reports it."""

    bucket: BucketWiring
    key: str
    created: bool
    reason: str
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    delete_marker: bool = False
    sequencer: str = ""
    request_id: str = ""
    time: float = 0.0

    @property
    def classic_name(self) -> str:
        if self.created:
            return f"ObjectCreated:{_CREATE_REASONS.get(self.reason, 'Put')}"
        return "ObjectRemoved:DeleteMarkerCreated" if self.delete_marker else "ObjectRemoved:Delete"


class S3Wiring:
    """Turns observed S3 calls into `ObjectChange`s and renders their events."""

    def __init__(self, buckets: list[BucketWiring], *, clock: Callable[[], float], account: str, region: str,
                 size_of: Callable[[str, str, str | None], int | None], seed: int | str = 0) -> None:
        self.buckets = {bucket.name: bucket for bucket in buckets}
        self.clock = clock
        self.account = account
        self.region = region
        self.size_of = size_of
        self._random = random.Random(f"{seed}:s3")
        self._sequencer = 0  # the last one issued

    def changes(self, call: ApiCall) -> list[ObjectChange]:
        """The object changes a successful S3 call made in a bucket of the template."""
        if call.service != "s3" or not call.ok:
            return []
        bucket = self.buckets.get(str(call.params.get("Bucket", "")))
        if bucket is None:
            return []
        return list(self._changes(bucket, call))

    def _changes(self, bucket: BucketWiring, call: ApiCall) -> Iterator[ObjectChange]:
        response, params = call.response, call.params
        if call.operation in _CREATE_REASONS:
            key = str(params.get("Key") or response.get("Key"))
            version = response.get("VersionId")
            etag = response.get("ETag") or (response.get("CopyObjectResult") or {}).get("ETag") or ""
            yield self._change(bucket, key, True, call.operation, etag=etag.strip('"'), version_id=version,
                               size=self.size_of(bucket.name, key, version))
        elif call.operation == "DeleteObject":
            yield self._deleted(bucket, str(params.get("Key")), response)
        elif call.operation == "DeleteObjects":
            for deleted in response.get("Deleted", []):
                yield self._deleted(bucket, str(deleted.get("Key")), deleted)

    def _deleted(self, bucket: BucketWiring, key: str, response: dict[str, Any]) -> ObjectChange:
        marker = bool(response.get("DeleteMarker"))
        version = response.get("DeleteMarkerVersionId") or response.get("VersionId")
        return self._change(bucket, key, False, "DeleteObject", version_id=version, delete_marker=marker,
                            etag=EMPTY_ETAG if marker else None)

    def _change(self, bucket: BucketWiring, key: str, created: bool, reason: str, **fields: Any) -> ObjectChange:
        now = self.clock()
        # Time-based like S3's, and strictly increasing even when many writes share one virtual instant
        # (a counter modulo 1000 wrapped after 1000 of them, ordering a newer version of a key first).
        self._sequencer = max(int(now * 1_000_000) * 1000, self._sequencer + 1)
        return ObjectChange(
            bucket=bucket, key=key, created=created, reason=reason, time=now,
            sequencer=f"{self._sequencer:018X}",
            request_id="".join(self._random.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=16)),
            **fields,
        )

    # -- event shapes -------------------------------------------------------------------------

    def eventbridge_event(self, change: ObjectChange) -> dict[str, Any]:
        obj: dict[str, Any] = {"key": change.key}
        if change.created:
            obj |= {"size": change.size, "etag": change.etag}
        elif change.etag:
            obj["etag"] = change.etag
        if change.version_id and change.version_id != "null":
            obj["version-id"] = change.version_id
        obj["sequencer"] = change.sequencer
        detail: dict[str, Any] = {
            "version": "0",
            "bucket": {"name": change.bucket.name},
            "object": obj,
            "request-id": change.request_id,
            "requester": self.account,
            "source-ip-address": "127.0.0.1",
            "reason": change.reason,
        }
        if not change.created:
            detail["deletion-type"] = "Delete Marker Created" if change.delete_marker else "Permanently Deleted"
        return {
            "version": "0",
            "id": str(uuid.UUID(int=self._random.getrandbits(128), version=4)),
            "detail-type": "Object Created" if change.created else "Object Deleted",
            "source": "aws.s3",
            "account": self.account,
            "time": _iso_seconds(change.time),
            "region": self.region,
            "resources": [f"arn:aws:s3:::{change.bucket.name}"],
            "detail": detail,
        }

    def classic_event(self, change: ObjectChange, notification: Notification) -> dict[str, Any]:
        obj: dict[str, Any] = {"key": quote_plus(change.key, safe="/")}
        if change.created:
            obj |= {"size": change.size, "eTag": change.etag}
        if change.version_id and change.version_id != "null":
            obj["versionId"] = change.version_id
        obj["sequencer"] = change.sequencer
        principal = f"AWS:AIDA{change.request_id}"
        return {"Records": [{
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": self.region,
            "eventTime": _iso_millis(change.time),
            "eventName": change.classic_name,
            "userIdentity": {"principalId": principal},
            "requestParameters": {"sourceIPAddress": "127.0.0.1"},
            "responseElements": {"x-amz-request-id": change.request_id,
                                 "x-amz-id-2": f"{change.request_id}/sluice/local"},
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": notification.id,
                "bucket": {"name": change.bucket.name, "ownerIdentity": {"principalId": principal},
                           "arn": f"arn:aws:s3:::{change.bucket.name}"},
                "object": obj,
            },
        }]}


def _iso_seconds(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_millis(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
