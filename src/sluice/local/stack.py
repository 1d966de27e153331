"""`LocalStack`: a SAM template running in this process — resources in an embedded moto backend,
functions imported in-process, state machines on the ASL engine, and the event wiring between
them, all on one virtual clock.

Example:
    >>> with LocalStack.from_template("template.yaml") as stack:
    ...     stack.put_object("RawBucket", "in/orders.csv", b"id,amount\\n1,9.5\\n")
    ...     stack.run_until_idle()
    ...     [execution.status for execution in stack.executions()]
    ['SUCCEEDED']
    ...     sorted(stack.objects("CuratedBucket"))
    ['curated/orders.json']

Everything that happens is recorded in `stack.trace` (see `sluice.local.trace`), which
`sluice drop` prints as a tree.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sluice import json_text
from sluice.asl.clock import VirtualClock
from sluice.asl.execution import Execution
from sluice.local.apigateway.resources import add_implicit_apis
from sluice.local.builder import World, build_world
from sluice.local.clients import Clients
from sluice.local.delivery import DeliveryError
from sluice.local.env_vars import load_env_vars
from sluice.local.errors import EventError, StackError
from sluice.local.faults import FaultPlan, Faults, load_plan
from sluice.local.lambda_.invocation import Invocation
from sluice.local.start_up_objects import held_out_of_collections
from sluice.local.template.model import SamTemplate
from sluice.local.trace import Activity, Trace
from sluice.quick_exit import arrange as arrange_quick_exit

if TYPE_CHECKING:
    from sluice.local.apigateway.gateway import Body
    from sluice.local.apigateway.responses import ApiResponse
    from sluice.local.apigateway.websocket.connections import Connection

_ACTIVE: list[LocalStack] = []
_NOT_STARTED = "the stack is not started: use `with LocalStack.from_template(...) as stack:`"


@dataclass
class QueueMessage:
    """A message waiting in a queue (seen without receiving it)."""

    message_id: str
    body: str
    attributes: dict[str, Any]
    group_id: str | None = None

    def json(self) -> Any:
        return json_text.loads(self.body)


class LocalStack:
    """A template's serverless application, running locally. Use as a context manager, or call
    `start()` and `close()`.

    A facade: `start()` has `sluice.local.builder` build the `world` (runtime, engine, wiring,
    pollers…), and the methods below act on it as a client or a test would."""

    def __init__(
        self,
        template: SamTemplate,
        *,
        env_vars: str | Path | Mapping[str, Any] | None = None,
        seed: int | str = 0,
        real_time: bool = False,
        start_time: float | None = None,
        echo_logs: TextIO | None = None,
        faults: str | Path | FaultPlan | None = None,
    ) -> None:
        self.template = template
        self.region = template.region
        self.account = template.account
        self.seed = seed
        self.clock = VirtualClock(start=start_time, real_time=real_time)
        self.trace = Trace(self.clock.now)
        self._names: dict[str, str] = {}
        # Fault injection (`stack.faults`), with the rules of a faults file or plan if given.
        self.faults = Faults(seed=seed, clock=self.clock.now, trace=self.trace, loop=self.clock.loop,
                             resources={logical: decl.type for logical, decl in template.resources.items()},
                             names=self.logical_id, plan=None if faults is None else load_plan(faults))
        self._env_vars = load_env_vars(env_vars) if env_vars is not None else {}
        self._echo_logs = echo_logs
        self._exit = ExitStack()
        self._clients = Clients(self.region)
        self._world: World | None = None
        self.started = False

    @classmethod
    def from_template(
        cls,
        path: str | Path = "template.yaml",
        *,
        parameters: Mapping[str, str] | None = None,
        env_vars: str | Path | Mapping[str, Any] | None = None,
        stack_name: str | None = None,
        region: str | None = None,
        config_file: str | Path | None = None,
        config_env: str = "default",
        use_config: bool = True,
        strict: bool = False,
        seed: int | str = 0,
        real_time: bool = False,
        start_time: float | None = None,
        echo_logs: TextIO | None = None,
        faults: str | Path | FaultPlan | None = None,
    ) -> LocalStack:
        """Load a template (with `samconfig.toml` next to it unless `use_config=False`).

        `seed` fixes generated ids (request ids, execution names); `start_time` (epoch seconds)
        fixes the virtual clock's starting point; `real_time=True` waits for real (demos); `faults`
        is a faults file or `FaultPlan` whose rules `stack.faults` starts with."""
        template = SamTemplate.load(path, parameters=parameters, stack_name=stack_name, region=region,
                                    config_file=config_file, config_env=config_env, use_config=use_config,
                                    strict=strict)
        return cls(template, env_vars=env_vars, seed=seed, real_time=real_time, start_time=start_time,
                   echo_logs=echo_logs, faults=faults)

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    def start(self) -> LocalStack:
        """Create the resources and wire everything up."""
        if self.started:
            return self
        if _ACTIVE:
            raise StackError("another LocalStack is open in this process; close it first (one moto world at a time)")
        try:
            self._start()
        except BaseException:
            self._exit.close()
            raise
        _ACTIVE.append(self)
        self.started = True
        arrange_quick_exit()  # a process that held a stack exits without the final collections (ADR 0011)
        return self

    def _start(self) -> None:
        add_implicit_apis(self.template)  # SAM's ServerlessRestApi/ServerlessHttpApi, before anything names them
        self._world = build_world(self.template, clock=self.clock, trace=self.trace, faults=self.faults,
                                  clients=self._clients, names=self.logical_id, exit=self._exit, seed=self.seed,
                                  env_vars=self._env_vars, echo_logs=self._echo_logs)
        # Last in, so first out: closing the stack returns its objects to the collector before its
        # world is torn down (ADR 0011).
        self._exit.enter_context(held_out_of_collections())

    def close(self) -> None:
        """Stop the world: the moto backend is discarded, streams and hooks restored."""
        if not self.started:
            self._exit.close()
            return
        self.started = False
        try:
            for source in self.world.sources:
                source.close()
            self._cancel_pending()
            self._exit.close()
        finally:
            _ACTIVE.remove(self)
            self.clock.close()

    # -- resources ---------------------------------------------------------------------------

    @property
    def world(self) -> World:
        """The collaborators of the running stack (runtime, engine, router, queues…)."""
        if self._world is None:
            raise StackError(_NOT_STARTED)
        return self._world

    @property
    def warnings(self) -> list[str]:
        return self.template.warnings

    def client(self, service: str) -> Any:
        """A boto3 client of this stack's region (served by the local backend while open)."""
        return self._clients.client(service)

    def name(self, logical_id: str) -> str:
        """The physical name of a resource (bucket name, function name, queue name…)."""
        return self.template.physical_name(logical_id)

    def arn(self, logical_id: str) -> str:
        decl = self.template.resource(logical_id)
        if decl.type in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine", "AWS::SNS::Topic"):
            return str(self.template.ref(logical_id))
        return str(self.template.get_att(logical_id, "Arn"))

    def logical_id(self, physical: str) -> str | None:
        """The logical id of a physical name, URL or ARN, if it belongs to the template."""
        if not self._names:
            for decl in self.template.resources.values():
                for value in _identities(self.template, decl.logical_id):
                    self._names.setdefault(value, decl.logical_id)
        return self._names.get(physical)

    def bucket(self, reference: str) -> str:
        return self._physical(reference, ("AWS::S3::Bucket",), "bucket")

    def table(self, reference: str) -> str:
        return self._physical(reference, ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"), "table")

    def queue_url(self, reference: str) -> str:
        if reference.startswith("https://"):
            return reference
        if reference.startswith("arn:"):
            return self.world.deliverer.queue_url(reference)
        logical = reference if reference in self.template.resources else self.logical_id(reference)
        if logical is None or self.template.resources[logical].type != "AWS::SQS::Queue":
            raise StackError(f"no queue {reference!r} in the template (queues: {self._listing('AWS::SQS::Queue')})")
        return str(self.template.ref(logical))

    # -- doing things ------------------------------------------------------------------------

    def put_object(self, bucket: str, key: str, body: bytes | str | Path = b"", **extra: Any) -> dict[str, Any]:
        """Write an object (as a client would); the wiring runs when the clock does."""
        data = body.read_bytes() if isinstance(body, Path) else body.encode() if isinstance(body, str) else body
        response: dict[str, Any] = self.client("s3").put_object(Bucket=self.bucket(bucket), Key=key, Body=data, **extra)
        return response

    def delete_object(self, bucket: str, key: str) -> dict[str, Any]:
        response: dict[str, Any] = self.client("s3").delete_object(Bucket=self.bucket(bucket), Key=key)
        return response

    def put_event(self, source: str, detail_type: str, detail: Mapping[str, Any], *, bus: str = "default",
                  resources: list[str] | None = None) -> str:
        """Publish one custom event; returns its id."""
        entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": bus,
                 "Resources": resources or []}
        response = self.client("events").put_events(Entries=[entry])
        result = response["Entries"][0]
        if "EventId" not in result:
            raise EventError(f"PutEvents rejected the event: {result.get('ErrorCode')}: {result.get('ErrorMessage')}")
        return str(result["EventId"])

    def send_message(self, queue: str, body: str | Mapping[str, Any], *, group_id: str | None = None,
                     deduplication_id: str | None = None, **extra: Any) -> str:
        request: dict[str, Any] = {"QueueUrl": self.queue_url(queue),
                                   "MessageBody": body if isinstance(body, str) else json.dumps(body), **extra}
        if group_id is not None:
            request["MessageGroupId"] = group_id
        if deduplication_id is not None:
            request["MessageDeduplicationId"] = deduplication_id
        return str(self.client("sqs").send_message(**request)["MessageId"])

    def put_record(self, stream: str, data: bytes | str | Mapping[str, Any], partition_key: str) -> dict[str, Any]:
        payload = data if isinstance(data, bytes) else (data if isinstance(data, str) else json.dumps(data)).encode()
        name = self._physical(stream, ("AWS::Kinesis::Stream",), "stream")
        response: dict[str, Any] = self.client("kinesis").put_record(StreamName=name, Data=payload,
                                                                     PartitionKey=partition_key)
        return response

    def invoke(self, function: str, event: Any = None) -> Invocation:
        """Invoke a function synchronously (like `sam local invoke`) and return the record.

        Work the handler starts (executions, events) is left for `run_until_idle()`."""
        self._require_open()
        # Work the handler starts is answered at once and left for the clock (`VirtualClock.hold`).
        with self.clock.hold():
            return self.world.runtime.call(function, {} if event is None else event)

    def invoke_async(self, function: str, event: Any = None) -> str:
        """Queue an asynchronous invocation (retries, destinations, DLQ); returns the request id."""
        self._require_open()
        activity = self.trace.record("event", f"asynchronous invoke of {function}", ref=event)
        with self.trace.within(activity):
            return self.world.invoker.submit(function, {} if event is None else event)

    def api_request(self, method: str, path_or_url: str, *, headers: Mapping[str, str] | None = None,
                    body: Body = None, api: str | None = None) -> ApiResponse:
        """Call one of the template's APIs (`Api`/`HttpApi` events, `DefinitionBody`) or function URLs
        (`FunctionUrlConfig`, `AWS::Lambda::Url`) as a client would: a URL from the Outputs, or a path
        under the stage of `api` (logical id or API id; optional with one API) or of the function URL
        `api` names (its logical id, or its function's; optional with one URL and no API). A mapping
        body is sent as JSON. Work the handler starts is left for `run_until_idle()`.

        Example: `stack.api_request("GET", "/hello").json()` → `{'message': 'hello world'}`."""
        from sluice.local.apigateway.gateway import split_target  # noqa: PLC0415 - only APIs' templates need it

        self._require_open()
        urls = self.world.function_urls
        if urls is not None and (self.world.apis is None or urls.addresses(path_or_url, api)):
            return urls.request(method, path_or_url, headers=headers, body=body, url=api)
        if ".lambda-url." in (split_target(path_or_url).hostname or ""):
            raise StackError(f"{path_or_url!r} is a Lambda function URL, and the template declares none "
                             "(FunctionUrlConfig, AWS::Lambda::Url)")
        if self.world.apis is None:
            raise StackError("the template declares no API: no Api or HttpApi event, no AWS::Serverless::Api or "
                             "AWS::Serverless::HttpApi")
        return self.world.apis.request(method, path_or_url, headers=headers, body=body, api=api)

    def websocket_connect(self, url: str = "", *, api: str | None = None, headers: Mapping[str, str] | None = None,
                          query: str = "") -> Connection:
        """Connect to one of the template's WebSocket APIs as a client would: its URL from the Outputs
        (`wss://<api-id>.execute-api.<region>.amazonaws.com/<stage>`), or the stage of `api` (logical id
        or API id; optional with one WebSocket API). `$connect` runs first; `ConnectionRefused` when it
        refuses. The connection's `send` and `close` run its routes; `received` is what the client was sent.

        Example: `stack.websocket_connect(api="ChatApi").send({"action": "sendmessage", "message": "hi"})`."""
        self._require_open()
        if self.world.websockets is None:
            raise StackError("the template declares no WebSocket API (AWS::ApiGatewayV2::Api with ProtocolType: "
                             "WEBSOCKET)")
        return self.world.websockets.connect(url, api=api, headers=headers, query=query)

    def start_execution(self, state_machine: str, payload: Any = None, *, name: str | None = None) -> Execution:
        """Start an execution (logical id, name or ARN); it runs when the clock does."""
        self._require_open()
        reference = self.arn(state_machine) if state_machine in self.template.resources else state_machine
        try:
            return self.world.deliverer.start_execution(reference, {} if payload is None else payload, name=name)
        except DeliveryError as error:
            raise StackError(str(error)) from None

    def drop(self, bucket: str, key: str, body: bytes | str | Path = b"") -> list[Activity]:
        """Put an object and run everything that follows; return what happened (trace roots).

        Example: `stack.tree(stack.drop("RawBucket", "in/orders.csv", Path("orders.csv")))`."""
        mark = self.trace.mark()
        self.put_object(bucket, key, body)
        self.run_until_idle()
        return self.trace.since(mark)

    def tree(self, activities: list[Activity] | None = None, *, logs: bool = False) -> Any:
        """A rich renderable of `activities` (default: everything so far), as `sluice drop` prints it."""
        from sluice.local.tree import render  # noqa: PLC0415 - rich only when rendering

        roots = self.trace.roots if activities is None else activities
        start = roots[0].at if roots else self.clock.now()
        return render(roots, start=start, logs=logs)

    def run_until_idle(self, *, fire_callback_timeouts: bool = False) -> None:
        """Run everything that is scheduled — invocations, retries, executions, deliveries — until
        no work is left. Virtual time jumps over every wait the stack controls, but not onto the
        deadline of a task waiting for its token: that is left waiting for an answer (ADR 0007)
        unless `fire_callback_timeouts=True` or `advance()` lets its time pass."""
        self._require_open()
        if self.clock.busy():
            raise StackError("run_until_idle() cannot be called from code the stack is running")
        self.world.engine.run_until_idle(fire_callback_timeouts=fire_callback_timeouts)
        self.world.deliverer.raise_failures()  # under --strict, nothing undelivered passes unnoticed

    def advance(self, seconds: float) -> None:
        """Let `seconds` of clock time pass, running whatever falls due (schedules included, and
        the timeouts of tasks waiting for their token)."""
        self._require_open()
        for source in self.world.sources:
            source.arm(seconds)
        try:
            self.clock.advance(seconds)
        finally:
            for source in self.world.sources:
                source.disarm()
        self.run_until_idle()

    # -- looking at the world ----------------------------------------------------------------

    def objects(self, bucket: str, prefix: str = "") -> dict[str, bytes]:
        """Every object of a bucket (optionally under `prefix`), key → content."""
        s3 = self.client("s3")
        name = self.bucket(bucket)
        found = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=prefix):
            for entry in page.get("Contents", []):
                found[entry["Key"]] = s3.get_object(Bucket=name, Key=entry["Key"])["Body"].read()
        return found

    def get_object(self, bucket: str, key: str) -> bytes:
        data: bytes = self.client("s3").get_object(Bucket=self.bucket(bucket), Key=key)["Body"].read()
        return data

    def items(self, table: str) -> list[dict[str, Any]]:
        """Every item of a table, as plain Python values."""
        from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415

        deserializer = TypeDeserializer()
        found = []
        for page in self.client("dynamodb").get_paginator("scan").paginate(TableName=self.table(table)):
            for item in page.get("Items", []):
                found.append({key: _plain(deserializer.deserialize(value)) for key, value in item.items()})
        return found

    def messages(self, queue: str) -> list[QueueMessage]:
        """Messages in a queue — visible, in flight or delayed — without receiving them (receive
        counts and visibility untouched), in send order."""
        name = self.queue_url(queue).rsplit("/", 1)[-1]
        return [QueueMessage(message.message_id, message.body, dict(message.attributes), message.group_id)
                for message in self.world.queues.peek(name)]

    def executions(self, state_machine: str | None = None) -> list[Execution]:
        """Executions of one state machine (logical id, name or ARN), or of all, oldest first."""
        engine = self.world.engine
        machines = engine.state_machines.values() if state_machine is None else \
            [engine.state_machine(self.arn(state_machine) if state_machine in self.template.resources
                                       else state_machine)]
        return sorted((execution for machine in machines for execution in machine.executions.values()),
                      key=lambda execution: execution.start_time)

    def invocations(self, function: str | None = None) -> list[Invocation]:
        """Invocations so far (of one function: logical id, name or ARN), oldest first."""
        runtime = self.world.runtime
        if function is None:
            return list(runtime.history)
        logical = runtime.function(function).spec.logical_id
        return [invocation for invocation in runtime.history if invocation.function == logical]

    # -- internals -----------------------------------------------------------------------------

    def _cancel_pending(self) -> None:
        """Work still scheduled when the stack closes (e.g. after a lone invoke) is cancelled."""
        loop = self.clock.loop
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending and not loop.is_running():
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))

    def _physical(self, reference: str, types: tuple[str, ...], what: str) -> str:
        decl = self.template.resources.get(reference)
        if decl is not None and decl.type in types:
            return self.template.physical_name(reference)
        logical = self.logical_id(reference)
        if logical is not None and self.template.resources[logical].type in types:
            return reference
        raise StackError(f"no {what} {reference!r} in the template ({what}s: {self._listing(*types)})")

    def _listing(self, *types: str) -> str:
        return ", ".join(decl.logical_id for decl in self.template.of_type(*types)) or "none"

    def _require_open(self) -> None:
        if not self.started:
            raise StackError(_NOT_STARTED)


def _identities(template: SamTemplate, logical_id: str) -> Iterator[str]:
    """Every string that names a resource: physical name, Ref value, ARN."""
    try:
        yield template.physical_name(logical_id)
        yield str(template.ref(logical_id))
        yield str(template.get_att(logical_id, "Arn"))
    except Exception:
        return


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | set):
        return [_plain(item) for item in value]
    return value
