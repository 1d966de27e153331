"""The one adapter to moto's internals: what sluice reads of, and changes in, moto's backends.

moto's public surface (`mock_aws`, the boto3 API it answers) is used everywhere; everything below
it is here, so that a moto upgrade that moves an internal breaks this module only. Tested with
moto 5.2 (5.2.5); `pyproject.toml` asks for `>=5.1`:

- `sqs_backends[account][region]`: `queues`, `Queue.attributes`, `get_queue_attributes` — the
  queues' configuration (`MotoQueueStore`); message state never comes from moto;
- `s3_backends[account]["aws"].get_object`: an object version's size (`object_size`);
- `pipes_backends[account][region]`: `pipes` (`Pipe`: the definition's attributes, `arn`, `tags`,
  `creation_time`, `last_modified_time`), `create_pipe`, `update_pipe`, `delete_pipe` — the pipes'
  definitions and tags (`MotoPipeStore`); their states are sluice's (`sluice.local.eventbridge.pipes`);
- `moto.sqs.models.unix_time`/`unix_time_millis`, `moto.kinesis.models.utcnow`,
  `moto.scheduler.models.unix_time`/`utcnow` and `moto.pipes.models.utcnow`: the time functions those modules imported,
  replaced by the stack's virtual clock while it is open
  (`virtual_time`);
- `moto.core.utils.create_loader`: the model loader moto makes per service, one for all of them
  while the stack is open (`one_model_loader`);
- `moto.kms.models.generate_private_key`: the key pair moto gives every KMS key when it is
  created, made on first use instead (`lazy_kms_key_pairs`);
- `moto.dynamodb.models.table.StreamShard` (`add`, `items`, `starting_sequence_number`) and
  `moto.dynamodb.responses.DynamoHandler.call_action`: a table's stream records are sluice's
  (`dynamodb_stream_writes`), read back by `stream_shard`;
- `moto.events.models.Rule.send_to_targets` and `Rule.targets`: moto's own delivery of `PutEvents`,
  kept only for the targets sluice's router does not deliver (`rule_targets_left_to_moto`);
- `moto.s3.models.S3Backend.list_object_versions` and `FakeBucket.keys` (a `_VersionedKeyStore`):
  the listing sees only the keys under its `Prefix` (`prefix_filtered_version_listing`).
- `moto.s3.models.S3Backend._url_module` (a property returning a module with `url_bases` and
  `url_paths`): read once per value of `MOTO_S3_CUSTOM_ENDPOINTS`, not reloaded on every request
  (`s3_urls_read_once`).
- `logs_backends[account][region]`: `create_log_group`, `put_retention_policy` — the template's log
  groups, written straight to the store (`create_log_group`).
- `scheduler_backends[account][region].schedule_groups` (`ScheduleGroup.schedules`): whether any
  schedule is stored at all (`has_schedules`).
- `ssm_backends[account][region].get_parameter`: AWS's public parameters moto ships, for template
  parameters of an `AWS::SSM::Parameter::Value<…>` type that name one (`public_ssm_parameter`).
- `cognitoidp_backends[account][region].user_pools[pool id].json_web_key`: the key moto signs a pool's
  tokens with, which API authorizers verify them with (`cognito_token_claims`).

Example:
    >>> with virtual_time(clock.now):
    ...     MotoQueueStore("123456789012", "us-east-1").settings("orders.fifo").fifo
    True
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sluice import json_text
from sluice.local.dynamodb.records import ItemChange
from sluice.local.sqs.queues import QueueSettings


class MotoQueueStore:
    """The queues (names, ARNs, attributes) moto's SQS backend keeps for `sluice.local.sqs`."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region

    def settings(self, name: str) -> QueueSettings | None:
        """The queue's configuration, or None if moto has no such queue."""
        queue = self._queue(name)
        if queue is None:
            return None
        attributes: dict[str, Any] = dict(queue.attributes)
        redrive = attributes.get("RedrivePolicy")
        policy = json_text.loads(redrive) if isinstance(redrive, str) else redrive or {}
        return QueueSettings(
            name=name,
            arn=str(attributes["QueueArn"]),
            fifo=str(attributes.get("FifoQueue", "false")).lower() == "true",
            content_based_deduplication=str(attributes.get("ContentBasedDeduplication", "false")).lower() == "true",
            per_group_deduplication=attributes.get("DeduplicationScope") == "messageGroup",
            visibility_timeout=float(attributes.get("VisibilityTimeout", 30)),
            delay_seconds=float(attributes.get("DelaySeconds", 0)),
            maximum_message_size=int(attributes.get("MaximumMessageSize", 262144)),
            dead_letter_arn=policy.get("deadLetterTargetArn"),
            max_receive_count=int(policy["maxReceiveCount"]) if "maxReceiveCount" in policy else None,
        )

    def names(self) -> list[str]:
        """Every queue moto has, by name."""
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        return list(sqs_backends[self.account][self.region].queues)

    def attributes(self, name: str, names: list[str]) -> dict[str, str] | None:
        """`GetQueueAttributes` as moto answers it (its message counts are replaced by the caller),
        or None when moto rejects the request (then moto's own error response is the answer)."""
        from moto.core.exceptions import ServiceException  # noqa: PLC0415 - moto is loaded by the stack already
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        try:
            found = sqs_backends[self.account][self.region].get_queue_attributes(name, names)
        except ServiceException:
            return None
        return {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in found.items()
                if value is not None}

    def _queue(self, name: str) -> Any:
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        return sqs_backends[self.account][self.region].queues.get(name)


#: `DescribePipe`'s members, by the attribute of moto's `Pipe` that holds each.
_PIPE_MEMBERS = {"Name": "name", "Arn": "arn", "Description": "description", "DesiredState": "desired_state",
                 "Source": "source", "SourceParameters": "source_parameters", "Enrichment": "enrichment",
                 "EnrichmentParameters": "enrichment_parameters", "Target": "target",
                 "TargetParameters": "target_parameters", "RoleArn": "role_arn", "Tags": "tags",
                 "LogConfiguration": "log_configuration", "KmsKeyIdentifier": "kms_key_identifier",
                 "CreationTime": "creation_time", "LastModifiedTime": "last_modified_time"}


class MotoPipeStore:
    """The pipes' definitions and tags, kept in moto's `pipes` backend (so that its
    `TagResource`/`ListTagsForResource` and the template's provisioned pipes share one store)."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region

    def names(self) -> list[str]:
        return sorted(self._backend().pipes)

    def get(self, name: str) -> dict[str, Any] | None:
        """The pipe's definition with `DescribePipe`'s names (no state), or None."""
        pipe = self._backend().pipes.get(name)
        if pipe is None:
            return None
        members = {member: getattr(pipe, attribute) for member, attribute in _PIPE_MEMBERS.items()}
        return {member: value for member, value in members.items() if value is not None}

    def put(self, definition: dict[str, Any]) -> None:
        """Create the pipe, or replace the definition of the one of that name (`Source` is kept)."""
        backend = self._backend()
        fields = {attribute: definition.get(member) for member, attribute in _PIPE_MEMBERS.items()
                  if attribute not in ("arn", "creation_time", "last_modified_time")}
        name = fields.pop("name")
        if name not in backend.pipes:
            backend.create_pipe(name=name, **fields)
            return
        fields.pop("source")
        fields.pop("tags")
        backend.update_pipe(name=name, **fields)
        pipe = backend.pipes[name]
        # moto's update keeps what is None; an update that removes an enrichment or a description stores nothing.
        for attribute in ("description", "enrichment", "enrichment_parameters", "source_parameters",
                          "target_parameters", "log_configuration", "kms_key_identifier"):
            setattr(pipe, attribute, fields[attribute])

    def delete(self, name: str) -> None:
        self._backend().pipes.pop(name, None)

    def _backend(self) -> Any:
        from moto.pipes.models import pipes_backends  # noqa: PLC0415 - moto is loaded by the stack already

        return pipes_backends[self.account][self.region]


@contextmanager
def rule_targets_left_to_moto(routed: Callable[[str], bool]) -> Iterator[None]:
    """Stop moto delivering `PutEvents` to the targets whose ARN `routed` says sluice's router
    delivers: the template's rules are stored in moto (so ListRules shows them), and moto's
    `PutEvents` would otherwise send each matching event to their SQS or bus targets a second
    time. Targets sluice does not deliver keep moto's delivery where moto has one (archives, log groups,
    API destinations: `logs` and `events` ARNs); moto raises `NotImplementedError` out of `PutEvents` for
    any other (an AppSync API, a Batch queue), which the template's warnings already name as not delivered."""
    from moto.events.models import Rule  # noqa: PLC0415 - moto is loaded by the stack already

    original = Rule.send_to_targets

    def moto_delivers(arn: str) -> bool:
        return not routed(arn) and arn.split(":")[2:3] in (["logs"], ["events"])

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        every = self.targets
        self.targets = [target for target in every if moto_delivers(str(target["Arn"]))]
        try:
            if self.targets:
                original(self, original_event, transform_input)
        finally:
            self.targets = every

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
    try:
        yield
    finally:
        Rule.send_to_targets = original  # type: ignore[method-assign]


def object_size(account: str) -> Callable[[str, str, str | None], int | None]:
    """`size_of(bucket, key, version)`: the size of an object version moto's S3 holds, or None."""

    def size_of(bucket: str, key: str, version: str | None) -> int | None:
        from moto.s3.models import s3_backends  # noqa: PLC0415

        try:
            found = s3_backends[account]["aws"].get_object(bucket, key, version_id=version)
        except Exception:
            return None
        return None if found is None else int(found.size)

    return size_of


def create_log_group(account: str, region: str, name: str, retention_in_days: int | None) -> None:
    """Create a log group (and its retention) in moto's CloudWatch Logs backend, as `CreateLogGroup`
    and `PutRetentionPolicy` would. Why not through boto3: a stack declares a log group per function,
    and nothing reads them until a Logs call is made; two serialised requests each cost a stack's
    start-up more than the store's write. moto's refusals become the `ClientError` the API gives."""
    from botocore.exceptions import ClientError  # noqa: PLC0415
    from moto.core.exceptions import JsonRESTError  # noqa: PLC0415 - moto is loaded by the stack already
    from moto.logs.models import logs_backends  # noqa: PLC0415

    backend = logs_backends[account][region]
    try:
        backend.create_log_group(name, {})
        if retention_in_days is not None:
            # moto's annotation says str; its API handler passes the request's JSON number, as here
            backend.put_retention_policy(name, retention_in_days)  # type: ignore[arg-type]
    except JsonRESTError as error:
        raise ClientError({"Error": {"Code": error.error_type, "Message": error.message}}, "CreateLogGroup") from None


def cognito_token_claims(account: str) -> Callable[[str, str], dict[str, Any] | None]:
    """`verify(token, issuer)`: the claims of a token whose signature holds for the moto user pool its
    issuer names (`https://cognito-idp.<region>.amazonaws.com/<pool id>`: moto signs each pool's tokens with
    the pool's `json_web_key`), None when it does not hold. A pool moto does not hold (another stack's, or
    not Cognito) has no local keys: its tokens' signatures are not checked ({} is returned)."""
    from joserfc import jwt  # noqa: PLC0415 - moto's own JWT library, loaded only for APIs with such authorizers
    from joserfc.errors import JoseError  # noqa: PLC0415
    from moto.cognitoidp.models import cognitoidp_backends  # noqa: PLC0415

    def verify(token: str, issuer: str) -> dict[str, Any] | None:
        host, _, pool_id = issuer.removeprefix("https://").partition("/")
        region = host.removeprefix("cognito-idp.").split(".", 1)[0]
        pool = cognitoidp_backends[account][region].user_pools.get(pool_id) if host.startswith("cognito-idp.") \
            else None
        if pool is None:
            return {}
        try:
            return dict(jwt.decode(token, pool.json_web_key).claims)
        except (JoseError, ValueError):
            return None

    return verify


def public_ssm_parameter(account: str, region: str, name: str) -> str | None:
    """The value of one of AWS's public SSM parameters (`/aws/service/…`: latest AMI ids, regions), which
    moto's SSM backend ships; None when it does not have it."""
    from moto.ssm.models import ssm_backends  # noqa: PLC0415 - only for a template naming such a parameter

    found = ssm_backends[account][region].get_parameter(name)
    return None if found is None else str(found.value)


def has_schedules(account: str, region: str) -> bool:
    """Whether moto's EventBridge Scheduler holds any schedule (in any group): most stacks have none,
    and then nothing needs a Scheduler client to list them."""
    from moto.scheduler.models import scheduler_backends  # noqa: PLC0415 - moto is loaded by the stack already

    return any(group.schedules for group in scheduler_backends[account][region].schedule_groups.values())


@contextmanager
def virtual_time(now: Callable[[], float]) -> Iterator[None]:
    """Put the clocks of moto's SQS, Kinesis, Scheduler and Pipes models on the stack's virtual clock
    while the block runs.

    moto's SQS reads wall-clock time for visibility timeouts, delays, retention and timestamps: a
    failed batch must become visible again after `VisibilityTimeout` *virtual* seconds — at once
    when the clock jumps. moto's Kinesis takes `ApproximateArrivalTimestamp` from the wall clock,
    but record ages (`MaximumRecordAgeInSeconds`, retention) are measured on virtual time: a record
    must be as old as the virtual seconds that passed since it was put, however far the clock jumped.
    moto's Scheduler stamps `CreationDate` and refuses a cron schedule's `StartDate` more than 5
    minutes before *its* now; moto's Pipes stamp `CreationTime`/`LastModifiedTime`: all on the
    stack's clock, as every other time.
    """

    def utcnow() -> datetime:
        return datetime.fromtimestamp(now(), tz=UTC).replace(tzinfo=None)

    def unix_time(dt: object = None) -> float:
        return now()

    def unix_time_millis(dt: object = None) -> float:
        return now() * 1000.0

    clocks: dict[str, Callable[..., Any]] = {"utcnow": utcnow, "unix_time": unix_time,
                                             "unix_time_millis": unix_time_millis}
    # The module-level names each moto model module imported and calls for "now".
    patched = {"moto.sqs.models": ("unix_time", "unix_time_millis"), "moto.kinesis.models": ("utcnow",),
               "moto.scheduler.models": ("unix_time", "utcnow"), "moto.pipes.models": ("utcnow",)}
    saved: list[tuple[dict[str, Any], str, Any]] = []
    try:
        for module_name, names in patched.items():
            namespace = vars(importlib.import_module(module_name))  # moto's imports, not a typed interface
            for name in names:
                if name not in namespace:  # loud: a moto outside the tested range keeps time its own way
                    raise RuntimeError(f"{module_name} has no {name}: this moto is outside sluice's tested range")
                saved.append((namespace, name, namespace[name]))
                namespace[name] = clocks[name]
        yield
    finally:
        for namespace, name, original in reversed(saved):
            namespace[name] = original


@contextmanager
def one_model_loader() -> Iterator[None]:
    """moto reads each service's model (for parsing requests, serialising responses and errors)
    with a new `Loader` per service, each listing botocore's data directory again; inside the block
    they all use one (moto's own kind: botocore's models plus moto's extras, read faster:
    `sluice.local.adapters.botocore_loader`)."""
    from moto.core import utils  # noqa: PLC0415

    from sluice.local.adapters.botocore_loader import model_cache, moto_loader  # noqa: PLC0415

    original = vars(utils)["create_loader"]  # moto's own import of it, not a public name
    shared = moto_loader(model_cache())
    setattr(utils, "create_loader", lambda: shared)  # noqa: B010 - not a public attribute
    try:
        yield
    finally:
        setattr(utils, "create_loader", original)  # noqa: B010


@contextmanager
def lazy_kms_key_pairs() -> Iterator[None]:
    """While the block runs, moto makes a KMS key's key pair when it is first used, not when the key
    is created.

    moto generates an RSA-2048 (or EC) key pair in every `Key` it creates, symmetric keys included,
    though only `Sign`, `Verify` and `GetPublicKey` of an asymmetric key ever use it (AWS refuses
    them on a symmetric key). Generating one costs 0.1-0.25 s, and a stack creates keys as it starts:
    the template's `AWS::KMS::Key`s, and the AWS managed key moto makes for a table with
    `SSESpecification`. The pair is the same kind either way; only when it is made changes.
    """
    from moto.kms import models  # noqa: PLC0415 - 0.04 s once moto is loaded

    namespace = vars(models)  # `generate_private_key` is moto's import, not part of its typed interface
    generate = namespace["generate_private_key"]
    namespace["generate_private_key"] = lambda key_spec: _LazyKeyPair(lambda: generate(key_spec))
    try:
        yield
    finally:
        namespace["generate_private_key"] = generate


class _LazyKeyPair:
    """Stands in for moto's `AbstractPrivateKey` (`sign`, `verify`, `public_key`), made on first use."""

    def __init__(self, generate: Callable[[], Any]) -> None:
        self._generate = generate
        self._pair: Any = None

    def _key(self) -> Any:
        if self._pair is None:
            self._pair = self._generate()
        return self._pair

    def sign(self, message: bytes, signing_algorithm: str) -> bytes:
        return bytes(self._key().sign(message, signing_algorithm))

    def verify(self, message: bytes, signature: bytes, signing_algorithm: str) -> bool:
        return bool(self._key().verify(message, signature, signing_algorithm))

    def public_key(self) -> bytes:
        return bytes(self._key().public_key())


#: Makes the stream record of a change at a sequence number (`sluice.local.dynamodb.streams`).
RecordMaker = Callable[[ItemChange, str], dict[str, Any]]


class _StoredRecord:
    """A record in moto's `StreamShard.items` (moto's DynamoDB Streams API calls `to_json`)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def to_json(self) -> dict[str, Any]:
        return self.record


@contextmanager
def dynamodb_stream_writes(make: RecordMaker) -> Iterator[None]:
    """Have moto's DynamoDB streams hold sluice's records while the block runs.

    moto appends a record to a table's `StreamShard` for every item write it performs — also for a
    write that changed nothing, twice for an UpdateItem that creates its item, with a fixed region
    and the wall-clock time. Here a request's writes (`StreamShard.add(old, new)`) are collected
    instead and, once `DynamoHandler.call_action` answered with success, coalesced per item (first
    old image, last new image) and appended in order as the records `make` returns; a write that
    changed nothing gets none, and so does a failed request (a cancelled transaction, which moto
    rolls back). moto's DynamoDB Streams API (`GetRecords`…) then serves sluice's records.
    """
    from moto.dynamodb.models.table import StreamShard  # noqa: PLC0415 - moto is loaded by the stack already
    from moto.dynamodb.responses import DynamoHandler  # noqa: PLC0415

    requests: list[list[tuple[Any, Any, Any]]] = []  # the writes of each request being answered
    original = DynamoHandler.call_action

    def add(shard: Any, old: Any, new: Any) -> None:
        writes = (shard, _image(old), _image(new))
        if requests:
            requests[-1].append(writes)
        else:  # a write made straight on the backend, outside any request
            _append_records([writes], make)

    def call_action(handler: Any) -> Any:
        requests.append([])
        try:
            answer = original(handler)
        finally:
            writes = requests.pop()
        if int(answer[0]) < 300:
            _append_records(writes, make)
        return answer

    saved_add = vars(StreamShard)["add"]
    StreamShard.add = add  # type: ignore[method-assign, assignment]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    try:
        yield
    finally:
        StreamShard.add = saved_add  # type: ignore[method-assign]
        DynamoHandler.call_action = original  # type: ignore[method-assign]


def stream_shard(account: str, region: str, table_name: str) -> tuple[str, list[dict[str, Any]]] | None:
    """`(shard id, records)` of the table's stream (its one shard in moto), or None without a stream."""
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415

    table = dynamodb_backends[account][region].tables.get(table_name)
    shard = None if table is None else table.stream_shard
    if shard is None:
        return None
    return str(shard.id), [item.to_json() for item in shard.items]


def _image(item: Any) -> dict[str, Any] | None:
    """A moto `Item` as the API shows it (a copy: moto changes items in place)."""
    from moto.dynamodb.models.utilities import dynamo_json_dump  # noqa: PLC0415

    return None if item is None else dict(json_text.loads(dynamo_json_dump(item.to_json()["Attributes"])))


def _append_records(writes: list[tuple[Any, Any, Any]], make: RecordMaker) -> None:
    changes: dict[tuple[int, str], list[Any]] = {}  # (shard, item key) -> [shard, first old, last new]
    for shard, old, new in writes:
        image = old if old is not None else new
        key = (id(shard), json.dumps([image.get(name) for name in _key_names(shard.table)], sort_keys=True))
        if key in changes:
            changes[key][2] = new
        else:
            changes[key] = [shard, old, new]
    for shard, old, new in changes.values():
        table = shard.table
        change = ItemChange(
            stream_arn=f"{table.table_arn}/stream/{table.latest_stream_label}", region=table.region_name,
            view_type=str(table.stream_specification["StreamViewType"]), key_names=_key_names(table), old=old,
            new=new)
        if change.event_name is not None:
            sequence = str(shard.starting_sequence_number + len(shard.items))
            shard.items.append(_StoredRecord(make(change, sequence)))


def _key_names(table: Any) -> tuple[str, ...]:
    return tuple(str(name) for name in (table.hash_key_attr, table.range_key_attr) if name)


@contextmanager
def prefix_filtered_version_listing() -> Iterator[None]:
    """ListObjectVersions at the cost of the keys under its `Prefix`, not of the whole bucket.

    moto 5.2 deep-copies every version of every key of the bucket on each call and only then drops
    the keys outside `Prefix`: the runtime's version-order check (one listing of one key per file)
    grew with the bucket, and a 100-file backfill spent a third of its time in `copy.deepcopy`.
    Showing moto only the keys under the prefix gives the same answer — the markers, `IsLatest` and
    common prefixes all concern names under it — at a cost that no longer grows with the bucket.
    """
    from moto.s3.models import S3Backend  # noqa: PLC0415

    original = S3Backend.list_object_versions

    def listing(self: Any, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        # moto's signature: (bucket_name, delimiter, key_marker, max_keys, prefix, version_id_marker)
        prefix = kwargs.get("prefix", args[3] if len(args) > 3 else "") or ""
        bucket = self.get_bucket(bucket_name)
        keys = bucket.keys
        if prefix:
            narrowed = type(keys)()
            for name, versions in keys.iterlists():
                if name.startswith(prefix):
                    dict.__setitem__(narrowed, name, versions)  # the store's own __setitem__ appends
            bucket.keys = narrowed
        try:
            return original(self, bucket_name, *args, **kwargs)
        finally:
            bucket.keys = keys

    S3Backend.list_object_versions = listing  # type: ignore[method-assign]
    try:
        yield
    finally:
        S3Backend.list_object_versions = original  # type: ignore[method-assign]


@contextmanager
def s3_urls_read_once() -> Iterator[None]:
    """moto's S3 request routing without reloading a module on every request.

    For every request it routes to S3, moto 5.2 asks the S3 backend for its URL patterns, and the
    backend answers by reloading `moto.s3.urls` (twice per request), because that module's
    `url_bases` include `MOTO_S3_CUSTOM_ENDPOINTS` as it was when the module ran. A reload finds,
    reads and executes the module again: a 100-file backfill took 24 s with the reloads and 19 s
    without. Inside the block the backend gets a copy of the module's two tables, made once for each
    value of that variable, so a changed value is still seen, as moto's reload sees it.
    """
    from moto.s3.models import S3Backend  # noqa: PLC0415

    original = vars(S3Backend)["_url_module"]
    tables: dict[str, SimpleNamespace] = {}

    def url_module(self: Any) -> SimpleNamespace:
        endpoints = os.environ.get("MOTO_S3_CUSTOM_ENDPOINTS", "")
        table = tables.get(endpoints)
        if table is None:
            module = original.fget(self)
            table = tables[endpoints] = SimpleNamespace(url_bases=list(module.url_bases),
                                                        url_paths=dict(module.url_paths))
        return table

    S3Backend._url_module = property(url_module)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        S3Backend._url_module = original  # type: ignore[method-assign]
