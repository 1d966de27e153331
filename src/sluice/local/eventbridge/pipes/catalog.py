"""Every pipe of the stack — the template's `AWS::Pipes::Pipe`s and pipes created at run time
through the `pipes` API, by a handler, a test or the CLI through `sluice up` — and the source that
runs each.

moto's `pipes` backend stores the definitions and tags (`MotoPipeStore`; `TagResource`,
`UntagResource` and `ListTagsForResource` are moto's answers); the catalog answers the rest of the
API itself (`intercept`), because the semantics are sluice's ("Amazon EventBridge Pipes API
Reference"):

- `CreatePipe` refuses a name that is taken (`ConflictException`, 409) and an ARN that does not
  match the API's pattern (`ValidationException`, 400, in AWS's "1 validation error detected: Value
  … at 'source' failed to satisfy constraint" wording; patterns from botocore's model of the API),
  and a definition AWS would refuse (a `StartingPosition` missing, a batch size out of range, a
  filter that is not a pattern); it answers `CurrentState: CREATING`. `DesiredState: STOPPED`
  creates a pipe that does not poll ("Starting or stopping an Amazon EventBridge pipe");
- `StartPipe` answers `STARTING`, `StopPipe` `STOPPING`, `UpdatePipe` `UPDATING`, `DeletePipe`
  `DELETING` (with `DesiredState: DELETED`); a pipe's later `DescribePipe`/`ListPipes` show where
  the transition ends (`RUNNING`, `STOPPED`; a deleted pipe is gone: `NotFoundException`, 404). AWS
  takes a minute or two to get there; on the virtual clock the pipe polls (or stops) at once;
- `UpdatePipe` changes only what the request names — except that a service's parameter object
  (`SqsQueueParameters`, `KinesisStreamParameters`, `EventBridgeEventBusParameters`…) given in
  `SourceParameters`, `EnrichmentParameters` or `TargetParameters` replaces the stored one as a
  whole (UpdatePipe, API reference); `Source` and `StartingPosition` cannot change. Later batches
  go through the new filter, enrichment, target and batch settings;
- a stream source (Kinesis, DynamoDB Streams) stopped, updated or started again reads on from
  where it was (`pipes.resumable`); an SQS source's messages wait in the queue while it is stopped;
- `ListPipes` filters by `NamePrefix`, `SourcePrefix`, `TargetPrefix`, `DesiredState` and
  `CurrentState`, in name order, `Limit` (at most 100) at a time.

A pipe whose source is not in the stack (a queue that does not exist) is `CREATE_FAILED` (or
`UPDATE_FAILED`, `START_FAILED`) with the reason as `StateReason`; one sluice cannot run (a source
it does not emulate, a Standard workflow AWS would stop it for) keeps its state with the reason as
`StateReason` and a FAILED `delivery` in the trace. A template's pipe with such a problem is a
warning in `stack.warnings` (an error under `strict`), as before the stack runs.

Example:
    >>> pipes = stack.client("pipes")
    >>> pipes.create_pipe(Name="orders", Source=queue_arn, Target=function_arn, RoleArn=role_arn)["CurrentState"]
    'CREATING'
    >>> pipes.describe_pipe(Name="orders")["CurrentState"]
    'RUNNING'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sluice.local.errors import StackError, TemplateError
from sluice.local.hooks import Answer, ApiCall, answer
from sluice.local.sources import EventSource, SourceHost

if TYPE_CHECKING:
    from sluice.local.adapters.moto_backends import MotoPipeStore
    from sluice.local.dynamodb.streams import DynamoDBStreams
    from sluice.local.eventbridge.pipes.resumable import Positions
    from sluice.local.eventbridge.pipes.sources import PipeSource, Sources
    from sluice.local.eventbridge.pipes.spec import PipeSpec

RUNNING, STOPPED = "RUNNING", "STOPPED"
#: CreatePipe's members, as the store keeps them.
_CREATE_MEMBERS = ("Name", "Description", "DesiredState", "Source", "SourceParameters", "Enrichment",
                   "EnrichmentParameters", "Target", "TargetParameters", "RoleArn", "Tags", "LogConfiguration",
                   "KmsKeyIdentifier")
#: UpdatePipe's members replaced as given; the `*Parameters` objects are merged (`_updated`).
_UPDATE_MEMBERS = ("Description", "DesiredState", "Enrichment", "Target", "RoleArn", "LogConfiguration",
                   "KmsKeyIdentifier")
_PARAMETER_OBJECTS = ("SourceParameters", "EnrichmentParameters", "TargetParameters")
#: What a stream source keeps across updates (UpdatePipeSource…StreamParameters have no such member).
_FIXED_STREAM_SETTINGS = ("StartingPosition", "StartingPositionTimestamp")
#: The members whose values the API checks against its patterns, by the name its messages use.
_CHECKED = {"Name": "name", "Source": "source", "Target": "target", "Enrichment": "enrichment", "RoleArn": "roleArn"}
MAX_LIMIT = 100


class PipesError(Exception):
    """An error answer of the `pipes` API."""

    def __init__(self, code: str, message: str, status: int, **members: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.members = members


def not_found(name: str) -> PipesError:
    return PipesError("NotFoundException", f"Pipe {name} does not exist.", 404)


def invalid(message: str) -> PipesError:
    return PipesError("ValidationException", message, 400)


@dataclass
class _Pipe:
    """A pipe as sluice runs it: its state, and the source feeding it while it runs."""

    name: str
    logical_id: str
    state: str
    reason: str | None = None
    source: PipeSource | None = None
    #: Where a stopped stream source was (read on from there when the pipe starts again).
    positions: dict[str, list[str | None]] = field(default_factory=dict)


class PipeCatalog(EventSource):
    """The stack's pipes and the `pipes` API over them (see the module docstring)."""

    def __init__(self, host: SourceHost, streams: DynamoDBStreams, store: MotoPipeStore) -> None:
        self.host = host
        self.streams = streams
        self.store = store
        self._pipes: dict[str, _Pipe] = {}
        self._made: Sources | None = None
        self._operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "CreatePipe": self._create, "DescribePipe": self._describe, "ListPipes": self._list,
            "UpdatePipe": self._update, "StartPipe": self._start, "StopPipe": self._stop,
            "DeletePipe": self._delete,
        }
        template = host.template
        if any(template.of_type("AWS::Pipes::Pipe")):  # most templates have none: pipes cost 0.2 s to import
            from sluice.local.eventbridge.pipes.spec import pipe_specs  # noqa: PLC0415

            for spec in pipe_specs(template):
                self._template_pipe(spec)

    # -- EventSource ------------------------------------------------------------------------------

    def intercept(self, call: ApiCall) -> Answer | None:
        """The answer to a `pipes` call (None: tags, which moto answers)."""
        operation = self._operations.get(call.operation) if call.service == "pipes" else None
        if operation is None:
            return None
        try:
            return _answer(200, operation(call.params))
        except PipesError as error:
            return _answer(error.status, {"Error": {"Code": error.code, "Message": error.message},
                                          "message": error.message, **error.members})

    def observe(self, call: ApiCall) -> None:
        for source in self._running():
            source.observe(call)

    def close(self) -> None:
        for source in self._running():
            source.close()

    def _running(self) -> Iterator[PipeSource]:
        return (pipe.source for pipe in list(self._pipes.values()) if pipe.source is not None)

    # -- the template's pipes ---------------------------------------------------------------------

    def _template_pipe(self, spec: PipeSpec) -> None:
        template = self.host.template
        pipe = self._pipes[spec.name] = _Pipe(spec.name, spec.logical_id, RUNNING if spec.running else STOPPED)
        problem = self._sources().problem(spec)
        if problem is not None:
            pipe.reason = f"the pipe does not run locally: {problem}"
            template.unsupported(pipe.reason, resource=spec.logical_id)
        elif spec.running:
            try:
                self._start_source(pipe, spec)
            except StackError as error:
                raise TemplateError(f"Source: {error}", resource=spec.logical_id, property="Source",
                                    origin=template.origin) from None

    # -- the API ----------------------------------------------------------------------------------

    def _create(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_patterns(params)
        name = str(params["Name"])
        if self.store.get(name) is not None:
            raise PipesError("ConflictException", f"Pipe {name} already exists.", 409, resourceId=name,
                             resourceType="pipe")
        definition = {member: params[member] for member in _CREATE_MEMBERS if params.get(member) is not None}
        definition.setdefault("DesiredState", RUNNING)
        spec = self._spec(definition, logical_id=name)
        self.store.put(definition)
        pipe = self._pipes[name] = _Pipe(name, name, STOPPED)
        self._run(pipe, spec, failed="CREATE_FAILED")
        return self._summary(name, "CREATING")

    def _describe(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params["Name"])
        return {**self._stored(name), **self._states(name)}

    def _list(self, params: dict[str, Any]) -> dict[str, Any]:
        limit = int(params.get("Limit") or MAX_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            bound = f"less than or equal to {MAX_LIMIT}" if limit > MAX_LIMIT else "greater than or equal to 1"
            raise invalid(f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
                          f"Member must have value {bound}")
        wanted = {"Name": params.get("NamePrefix"), "Source": params.get("SourcePrefix"),
                  "Target": params.get("TargetPrefix")}
        states = {"DesiredState": params.get("DesiredState"), "CurrentState": params.get("CurrentState")}
        summaries = []
        for name in self.store.names():
            summary = {key: value for key, value in self._stored(name).items() if key in _SUMMARY_MEMBERS}
            summary |= self._states(name)
            if all(str(summary.get(key, "")).startswith(prefix) for key, prefix in wanted.items() if prefix) \
                    and all(summary.get(key) == state for key, state in states.items() if state):
                summaries.append(summary)
        token = params.get("NextToken")
        start = 0
        if token:
            start = next((index for index, summary in enumerate(summaries) if summary["Name"] == token), -1)
            if start < 0:
                raise invalid(f"The NextToken {token} is not valid.")
        page = summaries[start:start + limit]
        answer: dict[str, Any] = {"Pipes": page}
        if start + limit < len(summaries):
            answer["NextToken"] = summaries[start + limit]["Name"]
        return answer

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_patterns(params)
        name = str(params["Name"])
        definition = _updated(self._stored(name), params)
        pipe = self._pipe(name)
        spec = self._spec(definition, logical_id=pipe.logical_id)
        self.store.put(definition)
        self._halt(pipe)
        self._run(pipe, spec, failed="UPDATE_FAILED")
        return self._summary(name, "UPDATING")

    def _start(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._set_desired(str(params["Name"]), RUNNING, "STARTING", failed="START_FAILED")

    def _stop(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._set_desired(str(params["Name"]), STOPPED, "STOPPING", failed="STOP_FAILED")

    def _delete(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params["Name"])
        answer = self._summary(name, "DELETING") | {"DesiredState": "DELETED"}
        self._halt(self._pipe(name))
        del self._pipes[name]
        self.store.delete(name)
        return answer

    # -- running pipes ----------------------------------------------------------------------------

    def _set_desired(self, name: str, desired: str, transition: str, *, failed: str) -> dict[str, Any]:
        definition = self._stored(name)
        pipe = self._pipe(name)
        if definition.get("DesiredState") != desired or pipe.state != desired:
            definition["DesiredState"] = desired
            self.store.put(definition)
            self._halt(pipe)
            self._run(pipe, self._spec(definition, logical_id=pipe.logical_id), failed=failed)
        return self._summary(name, transition)

    def _run(self, pipe: _Pipe, spec: PipeSpec, *, failed: str) -> None:
        """Bring `pipe` to the state its definition asks for (a stopped pipe reads on from its positions)."""
        pipe.state, pipe.reason = (RUNNING if spec.running else STOPPED), None
        problem = self._sources().problem(spec)
        if problem is not None:
            pipe.reason = f"the pipe does not run locally: {problem}"
            self.host.deliverer.failed(f"pipe {pipe.name}: {pipe.reason}")
        elif spec.running:
            try:
                self._start_source(pipe, spec)
            except StackError as error:
                pipe.state, pipe.reason = failed, f"Source: {error}"
                self.host.deliverer.failed(f"pipe {pipe.name} is {failed}: {pipe.reason}")

    def _start_source(self, pipe: _Pipe, spec: PipeSpec) -> None:
        source = self._sources().make(spec, resume=pipe.positions)
        pipe.source = source
        source.start()

    def _halt(self, pipe: _Pipe) -> None:
        """Stop the pipe's source, keeping a stream source's positions."""
        source, pipe.source = pipe.source, None
        if source is not None:
            positions: Callable[[], Positions] | None = getattr(source, "positions", None)
            if positions is not None:
                pipe.positions = {shard: list(lanes) for shard, lanes in positions().items()}
            source.close()

    # -- helpers ----------------------------------------------------------------------------------

    def _sources(self) -> Sources:
        if self._made is None:
            from sluice.local.eventbridge.pipes.sources import Sources  # noqa: PLC0415 - see __init__

            self._made = Sources(self.host, self.streams)
        return self._made

    def _spec(self, definition: Mapping[str, Any], *, logical_id: str) -> PipeSpec:
        from sluice.local.eventbridge.pipes.spec import SpecError, definition_spec  # noqa: PLC0415 - see __init__

        name = str(definition["Name"])
        arn = f"arn:{self.host.template.partition}:pipes:{self.host.region}:{self.host.account}:pipe/{name}"
        try:
            return definition_spec(definition, logical_id=logical_id, name=name, arn=arn)
        except SpecError as error:
            where = f" at {error.property}" if error.property else ""
            raise invalid(f"Pipe {name}: {error.message}{where}") from None

    def _stored(self, name: str) -> dict[str, Any]:
        definition = self.store.get(name)
        if definition is None:
            raise not_found(name)
        return {key: _aware(value) for key, value in definition.items()}

    def _pipe(self, name: str) -> _Pipe:
        pipe = self._pipes.get(name)
        if pipe is None:  # stored by someone else (never by sluice's own stack): not running
            definition = self._stored(name)
            pipe = self._pipes[name] = _Pipe(name, name, STOPPED)
            pipe.state = str(definition.get("DesiredState") or STOPPED)
        return pipe

    def _states(self, name: str) -> dict[str, Any]:
        pipe = self._pipe(name)
        return {"CurrentState": pipe.state, **({"StateReason": pipe.reason} if pipe.reason else {})}

    def _summary(self, name: str, current: str) -> dict[str, Any]:
        """What the API's writes answer: the pipe, in the state its transition starts from."""
        stored = self._stored(name)
        return {key: stored[key] for key in ("Arn", "Name", "DesiredState", "CreationTime", "LastModifiedTime")
                if key in stored} | {"CurrentState": current}


#: The members of a pipe in `ListPipes` (`Pipe` of the API reference), besides its states.
_SUMMARY_MEMBERS = ("Name", "Arn", "DesiredState", "CreationTime", "LastModifiedTime", "Source", "Target",
                    "Enrichment")


def _updated(stored: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The definition after `UpdatePipe(**params)` (see the module docstring)."""
    definition = {key: value for key, value in stored.items() if key in _CREATE_MEMBERS}
    definition |= {member: params[member] for member in _UPDATE_MEMBERS if member in params}
    for member in _PARAMETER_OBJECTS:
        given = params.get(member)
        if given is None:
            continue
        merged = {**(definition.get(member) or {}), **given}
        if member == "SourceParameters":
            for key, settings in given.items():
                kept = (stored.get(member) or {}).get(key) or {}
                if isinstance(settings, dict):
                    merged[key] = {**{fixed: kept[fixed] for fixed in _FIXED_STREAM_SETTINGS if fixed in kept},
                                   **settings}
        definition[member] = merged
    return definition


def _check_patterns(params: Mapping[str, Any]) -> None:
    """AWS's validation of names and ARNs against the API's patterns (which botocore does not check)."""
    errors = []
    for member, label in _CHECKED.items():
        value = params.get(member)
        if value is None:
            continue
        pattern, longest = _constraints(member)
        if len(str(value)) > longest:
            errors.append(f"Value '{value}' at '{label}' failed to satisfy constraint: Member must have length less "
                          f"than or equal to {longest}")
        elif not re.fullmatch(pattern, str(value)):
            errors.append(f"Value '{value}' at '{label}' failed to satisfy constraint: Member must satisfy regular "
                          f"expression pattern: {pattern}")
    if errors:
        count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected"
        raise invalid(f"{count}: {'; '.join(errors)}")


@cache
def _constraints(member: str) -> tuple[str, int]:
    """The pattern and maximum length of a member of CreatePipe (botocore checks only the minimum)."""
    import botocore.session  # noqa: PLC0415 - only when a pipe is created or updated

    shape = botocore.session.get_session().get_service_model("pipes").operation_model("CreatePipe").input_shape
    assert shape is not None, "CreatePipe takes a request"
    metadata = shape.members[member].metadata
    return str(metadata["pattern"]), int(metadata["max"])


def _aware(value: Any) -> Any:
    """moto stamps naive UTC datetimes; botocore's parsed answers carry a time zone."""
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


def _answer(status: int, parsed: dict[str, Any]) -> Answer:
    return answer("pipes", parsed, status=status)
