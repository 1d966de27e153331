"""Run a template's Python handlers in this process, with Lambda's semantics.

Each call gets: the function's own import namespace (`CodeSandbox`), its environment variables
applied only for the duration of the call, a `LambdaContext`, a per-invocation log (the runtime's
`START`/`END`/`REPORT` lines included), its `Timeout` enforced, its `ReservedConcurrentExecutions`
respected, and a JSON round trip of event and result (as the real runtime serializes both).

`LambdaRuntime` implements the engine's `LambdaInvoker` protocol, so
`Engine(lambdas=runtime)` runs Task states on the real handlers.

A function is named by logical id, name or ARN, optionally qualified by a version or alias
(`orders-api:live`, an alias ARN): the `FunctionCatalog` resolves the qualifier, so whoever holds a
reference — a rule target, an event source mapping, a destination, a state machine — runs the
version it names and the handler sees that version (`context.function_version`,
`AWS_LAMBDA_FUNCTION_VERSION`, the `START` line).

Example:
    >>> specs = function_specs(template)
    >>> catalog = FunctionCatalog.from_template(template, specs, last_modified=clock.now())
    >>> runtime = LambdaRuntime(specs, catalog=catalog, region="us-east-1", account="123456789012")
    >>> invocation = runtime.call("IngestFunction:live", {"detail": {}})
    >>> invocation.ok, invocation.version, invocation.logs
    (True, '1', 'START RequestId: … Version: 1 … END RequestId: …')
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TextIO

from sluice import json_text
from sluice.asl.errors import StatesError
from sluice.asl.tasks.lambda_ import Invoked, LambdaFunctionError, function_not_found, lambda_api_error
from sluice.asl.tasks.lambda_runtime import (
    RUNTIME_EXIT,
    SANDBOX_TIMEOUT,
    TASK_ROOT,
    HandlerInterrupt,
    ends_the_runtime,
    error_payload,
    runtime_exit_message,
)
from sluice.local.errors import EventError, StackError
from sluice.local.lambda_.catalog import FunctionCatalog, LambdaApiError, Target
from sluice.local.lambda_.context import LambdaContext
from sluice.local.lambda_.handler_time import handler_clock
from sluice.local.lambda_.invocation import (
    MAX_STREAMED_RESPONSE,
    SYNC,
    FunctionError,
    Invocation,
    ReportedError,
    StreamedResponse,
)
from sluice.local.lambda_.logs import InvocationLog, LogCapture
from sluice.local.lambda_.nodejs.executable import find_node
from sluice.local.lambda_.process_state import ProcessState
from sluice.local.lambda_.sandbox import CodeSandbox, HandlerLoadError
from sluice.local.lambda_.spec import FunctionSpec
from sluice.local.lambda_.timeouts import FunctionTimeout, limit

if TYPE_CHECKING:
    from sluice.local.lambda_.nodejs.handler import NodeHandler, Services
    from sluice.local.lambda_.nodejs.runtime_modules import RuntimeModules

# Lambda's synchronous request and response payload limit.
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
# Credentials a Lambda function gets from its role; the local backend accepts any.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "ASIASLUICELOCAL00000", "AWS_SECRET_ACCESS_KEY": "sluice-local-secret",
                     "AWS_SESSION_TOKEN": "sluice-local-session-token"}


class FunctionNotFound(StackError):
    """No function of the stack has that logical id, name or ARN."""


class FunctionNotRunnable(StackError):
    """The function exists but cannot run locally (another runtime, code in S3…)."""


class Throttled(StackError):
    """`ReservedConcurrentExecutions` is exhausted (Lambda's TooManyRequestsException)."""


class InvocationAborted(HandlerInterrupt):
    """Raised inside a handler (by fault injection) to end the invocation with `error`, as a process
    exit or a timeout would: a `BaseException`, so the handler's `except Exception` cannot catch it.
    `cold` resets the execution environment (Lambda does after a crash or a timeout)."""

    def __init__(self, error: FunctionError, *, cold: bool) -> None:
        super().__init__(f"{error.error_type}: {error.message}")
        self.error = error
        self.cold = cold


class LocalFunction:
    """A function of the stack and its warm state."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str]) -> None:
        self.spec = spec
        self.environment = dict(environment)
        self.sandbox = CodeSandbox([spec.code_dir, *spec.layer_dirs])
        self.process = ProcessState(spec.code_dir)
        self.handler: Callable[[Any, Any], Any] | None = None
        #: A Node.js function's execution environment (its process), once started.
        self.node: NodeHandler | None = None
        self.in_flight = 0
        self.invocations = 0
        self._instance = uuid.uuid5(uuid.NAMESPACE_URL, spec.arn).hex

    def log_stream(self, version: str) -> str:
        """`YYYY/MM/DD/[version]instance`, as Lambda names an execution environment's log stream."""
        return f"{datetime.now(tz=UTC):%Y/%m/%d}/[{version}]{self._instance}"

    def cold_start(self) -> None:
        """Forget the loaded handler and its modules (as after a timeout on Lambda); a Node.js function's
        process ends."""
        if self.node is not None:
            self.node.close()
            self.node = None
        self.handler = None
        self.sandbox.reset()
        self.process.reset()


class LambdaRuntime:
    """The functions of one stack, invoked in-process."""

    def __init__(
        self,
        specs: Mapping[str, FunctionSpec],
        *,
        catalog: FunctionCatalog,
        region: str,
        account: str,
        log_capture: LogCapture | None = None,
        echo_logs: TextIO | None = None,
        observer: Callable[[Invocation], AbstractContextManager[Any]] | None = None,
        clock: Callable[[], float] = time.time,
        seed: int | str = 0,
        guard: Callable[[Invocation], AbstractContextManager[Any]] | None = None,
        virtual_sleep: bool = True,
        services: Services | None = None,
        node_modules: RuntimeModules | None = None,
    ) -> None:
        self.catalog = catalog
        self.region = region
        self.account = account
        self.log_capture = log_capture or LogCapture()
        self.echo_logs = echo_logs
        self.observer = observer or (lambda _invocation: nullcontext())
        # Around each handler call, inside its Timeout: may raise InvocationAborted (fault injection).
        self.guard = guard or (lambda _invocation: nullcontext())
        self.clock = clock
        # A handler's time.sleep costs no real time (`timeouts`) unless the stack runs in real time.
        self.virtual_sleep = virtual_sleep
        # What answers a Node.js function's AWS calls (the local stack's edge gateway), when it has one,
        # and the packages Lambda's Node.js runtime provides.
        self.services = services
        self.node_modules = node_modules
        self._random = random.Random(f"{seed}:lambda")
        self.functions = {logical_id: LocalFunction(spec, self._environment(spec))
                          for logical_id, spec in specs.items()}
        self.history: list[Invocation] = []

    # -- lookup -----------------------------------------------------------------------------

    def function(self, reference: str) -> LocalFunction:
        """By logical id, function name, or (partial or qualified) ARN."""
        return self.target(reference)[0]

    def target(self, reference: str) -> tuple[LocalFunction, Target]:
        """The function a reference names and the version it runs (`FunctionCatalog.target`): a
        version or alias qualifier is kept, and one the function does not have is refused (as
        Lambda refuses it: "Cannot find alias arn").

        SAM CLI also names a function of a nested stack (merged into its parent as `AppFunction`,
        `sluice.local.template.nested`) by its stack path, `App/Function`, or by its own logical id
        (`sam local invoke Function`), the shallowest stack's when several stacks have one.
        """
        try:
            target = self.catalog.target(reference)
        except LambdaApiError as error:
            nested = self._by_stack_path(reference)
            if nested is not None:
                return self.functions[nested], self.catalog.target(nested)
            known = ", ".join(sorted(self.functions)) or "none"
            # A name the template does not declare is said in the template's terms; a qualifier the
            # function lacks keeps Lambda's own wording ("Cannot find alias arn: ...").
            missing = str(error).startswith("Function not found") and ":" not in reference
            reason = "is not in the template" if missing else f"cannot be invoked: {error}"
            raise FunctionNotFound(f"function {reference!r} {reason} (functions: {known})") from None
        return self.functions[target.entry.spec.logical_id], target

    def _by_stack_path(self, reference: str) -> str | None:
        paths = {function.spec.stack_path or logical_id: logical_id for logical_id, function in self.functions.items()}
        if reference in paths:
            return paths[reference]
        # The shallowest stack's, as SAM CLI picks (its `TestInvokeWithFunctionFullPathToAvoidAmbiguity`).
        own = sorted((path.count("/"), logical_id) for path, logical_id in paths.items()
                     if path.rsplit("/", 1)[-1] == reference)
        if not own or (len(own) > 1 and own[0][0] == own[1][0]):
            return None
        return own[0][1]

    def close(self) -> None:
        """End the functions' execution environments that are processes (Node.js)."""
        for local in self.functions.values():
            if local.node is not None:
                local.cold_start()

    def new_request_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    # -- the engine's LambdaInvoker protocol --------------------------------------------------

    def invoke(self, function: str, payload: Any, *, request_id: str, qualifier: str | None = None) -> Invoked:
        """Synchronous invoke for Step Functions: the result and the version that ran (an alias's
        version, not `$LATEST`), or `LambdaFunctionError`. A separate `qualifier` is resolved as
        Lambda's Invoke resolves `Qualifier`, refusing one that contradicts the name's own."""
        try:
            version = invoked_arn = None
            if qualifier is not None:
                target = self.catalog.target(function, qualifier)
                version, invoked_arn = target.version, target.arn
            invocation = self.call(function, payload, request_id=request_id, version=version,
                                   invoked_arn=invoked_arn)
        except LambdaApiError as error:
            raise lambda_api_error(error.code, error.status, str(error), request_id) from error
        except FunctionNotFound as error:
            raise function_not_found(function, self.region, self.account, request_id) from error
        except Throttled as error:
            raise StatesError("Lambda.TooManyRequestsException", f"Rate Exceeded. {error}") from error
        except FunctionNotRunnable as error:
            raise StatesError("Lambda.ServiceException", str(error)) from error
        if invocation.error is not None:
            # Node.js's runtime sends its own payload shape, which becomes the state's Cause as it is.
            body = json.dumps(invocation.error.payload(request_id)) if invocation.error.style == "nodejs" else None
            raise LambdaFunctionError(invocation.error.error_type, invocation.error.message,
                                      invocation.error.stack_trace, body)
        return Invoked(invocation.result, invocation.version)

    # -- invoking -------------------------------------------------------------------------------

    def call(self, function: str, event: Any, *, request_id: str | None = None,
             invocation_type: str = SYNC, attempt: int = 1, version: str | None = None,
             invoked_arn: str | None = None) -> Invocation:
        """Run the handler once. Handler failures are in the returned `Invocation`; a missing,
        unrunnable or throttled function raises. The version that runs and the ARN the handler
        sees (`context.function_version`, `invoked_function_arn`) are those `function` names, unless
        `version` and `invoked_arn` say (a caller that resolved `FunctionName` + `Qualifier`)."""
        local, target = self.target(function)
        spec = local.spec
        if spec.problem is not None:
            raise FunctionNotRunnable(f"function {spec.logical_id} cannot run locally: {spec.problem}")
        if spec.reserved_concurrency is not None and local.in_flight >= spec.reserved_concurrency:
            raise Throttled(f"function {spec.logical_id} has ReservedConcurrentExecutions "
                            f"{spec.reserved_concurrency} and {local.in_flight} running")
        payload = _json_round_trip(event, "event")
        if invocation_type == SYNC and len(json.dumps(payload)) > MAX_SYNC_PAYLOAD:
            raise EventError(f"the event is larger than Lambda's {MAX_SYNC_PAYLOAD} byte request limit")
        invocation = Invocation(
            function=spec.logical_id, function_name=spec.name, request_id=request_id or self.new_request_id(),
            event=payload, invocation_type=invocation_type, attempt=attempt, started_at=self.clock(),
            version=version or target.version, invoked_arn=invoked_arn or target.arn,
        )
        local.in_flight += 1
        local.invocations += 1
        try:
            with self.observer(invocation):
                self._run(local, invocation)
        finally:
            local.in_flight -= 1
        self.history.append(invocation)
        return invocation

    def _run(self, local: LocalFunction, invocation: Invocation) -> None:
        spec = local.spec
        log = InvocationLog(invocation.request_id, log_format=spec.log_format, echo=self.echo_logs)
        started = time.perf_counter()
        environment = {**local.environment, "AWS_LAMBDA_FUNCTION_VERSION": invocation.version}
        with self.log_capture.recording(log), local.process.applied(environment), local.sandbox.active():
            if local.handler is None:
                self._load(local, invocation)
            log.write(f"START RequestId: {invocation.request_id} Version: {invocation.version}\n")
            if local.handler is not None:
                self._execute(local, invocation, log)
        invocation.duration_ms = (time.perf_counter() - started) * 1000 - (invocation.init_duration_ms or 0.0)
        if invocation.error is not None and invocation.error.error_type == SANDBOX_TIMEOUT:
            # Lambda reports (and bills) the whole timeout, however little of it the handler spent computing
            # here: its sleeps ran on the virtual clock.
            invocation.duration_ms = max(invocation.duration_ms, spec.timeout * 1000)
        log.write(f"END RequestId: {invocation.request_id}\n")
        report = (f"REPORT RequestId: {invocation.request_id}\tDuration: {invocation.duration_ms:.2f} ms\t"
                  f"Billed Duration: {max(1, round(invocation.duration_ms + 0.5))} ms\tMemory Size: {spec.memory} MB")
        if invocation.init_duration_ms is not None:
            report += f"\tInit Duration: {invocation.init_duration_ms:.2f} ms"
        log.write(report + "\n")
        invocation.logs = log.text

    def _load(self, local: LocalFunction, invocation: Invocation) -> None:
        started = time.perf_counter()
        try:
            if local.spec.nodejs:
                local.handler = self._start_node(local, invocation)
            else:
                with limit(local.spec.timeout, virtual_sleep=self.virtual_sleep):
                    local.handler = local.sandbox.load(local.spec.module, local.spec.attribute)
        except HandlerLoadError as error:
            message = error.message + _requirements_hint(local.spec, error)
            style: Literal["python", "nodejs"] = "nodejs" if local.spec.nodejs else "python"
            invocation.error = FunctionError(error.error_type, message, style=style)
            print(f"[ERROR] {error.error_type}: {message}")
            local.cold_start()
        except FunctionTimeout:
            invocation.error = FunctionError("Runtime.InitTimeout",
                                             f"Init phase timed out after {local.spec.timeout:.2f} seconds")
            local.cold_start()
        except Exception as error:
            invocation.error = FunctionError(type(error).__name__, str(error),
                                             traceback.format_tb(error.__traceback__))
            print(f"[ERROR] {type(error).__name__}: {error}")
            local.cold_start()
        except BaseException as error:  # the module ended the runtime process (sys.exit), or Ctrl-C
            if not ends_the_runtime(error):
                raise
            invocation.error = FunctionError(RUNTIME_EXIT, runtime_exit_message(invocation.request_id, error))
            print(f"[ERROR] {invocation.error.error_type}: {invocation.error.message}")
            local.cold_start()
        invocation.init_duration_ms = (time.perf_counter() - started) * 1000

    def _start_node(self, local: LocalFunction, invocation: Invocation) -> NodeHandler:
        """Start a Node.js function's process; a package Lambda's runtime provides (the AWS SDK) that the
        function imports without shipping is installed into the runtime modules, and the start retried."""
        from sluice.local.lambda_.nodejs.handler import NodeHandler  # noqa: PLC0415 - Node.js functions only
        from sluice.local.lambda_.nodejs.runtime_modules import provided_package  # noqa: PLC0415

        node = find_node()
        if node is None:  # (the spec said so: `spec.problem`)
            raise HandlerLoadError("Runtime.Unknown", "no Node.js on PATH")
        environment = {**local.environment, "AWS_LAMBDA_FUNCTION_VERSION": invocation.version,
                       "AWS_LAMBDA_LOG_STREAM_NAME": local.log_stream(invocation.version)}
        modules = self.node_modules
        while True:
            try:
                with limit(local.spec.timeout, virtual_sleep=self.virtual_sleep):  # the init phase
                    local.node = NodeHandler.start(local.spec, environment, node=node.path, services=self.services,
                                                   write_log=_write_line,
                                                   runtime_modules=modules.node_modules if modules else None)
                return local.node
            except HandlerLoadError as error:
                package = provided_package(error.message, local.spec.runtime) if modules else None
                if modules is None or package is None or modules.has(package):
                    raise
                print(f"sluice: installing {package} into {modules.directory}: Lambda's {local.spec.runtime} runtime "
                      "provides it")
                if not modules.provide(package):
                    raise HandlerLoadError(error.error_type, f"{error.message} (installing it failed: "
                                           f"{modules.failures[package]})") from None

    def _execute(self, local: LocalFunction, invocation: Invocation, log: InvocationLog) -> None:
        spec = local.spec
        handler = local.handler
        assert handler is not None
        try:
            with limit(spec.timeout, virtual_sleep=self.virtual_sleep) as deadline:
                context = LambdaContext(
                    function_name=spec.name, function_version=invocation.version,
                    invoked_function_arn=invocation.invoked_arn or spec.arn,
                    memory_limit_in_mb=spec.memory, aws_request_id=invocation.request_id,
                    log_group_name=f"/aws/lambda/{spec.name}", log_stream_name=local.log_stream(invocation.version),
                    deadline=deadline,
                )
                with self.guard(invocation), handler_clock(self.clock()):
                    result = handler(invocation.event, context)
        except InvocationAborted as aborted:
            invocation.error = aborted.error
            log.write(f"{_now_iso()} {invocation.request_id} {aborted.error.message}\n")
            if aborted.cold:
                local.cold_start()
            return
        except ReportedError as failed:  # logged by the runtime itself ("Invoke Error")
            invocation.error = failed.error
            if failed.ends_environment:
                local.cold_start()
            return
        except FunctionTimeout as timeout:
            if timeout.deadline is not deadline:
                raise  # an outer invocation's time is up, not ours
            message = f"RequestId: {invocation.request_id} Error: Task timed out after {spec.timeout:.2f} seconds"
            invocation.error = FunctionError(SANDBOX_TIMEOUT, message)
            log.write(f"{_now_iso()} {invocation.request_id} Task timed out after {spec.timeout:.2f} seconds\n")
            local.cold_start()  # Lambda resets the execution environment after a timeout
            return
        except Exception as error:
            # The handler's frames only (skip ours), its code directory shown as /var/task.
            frames = error_payload(error, invocation.request_id, roots={str(spec.code_dir): TASK_ROOT},
                                   skip=1)["stackTrace"]
            invocation.error = FunctionError(type(error).__name__, str(error), frames)
            log.write(f"[ERROR] {type(error).__name__}: {error}\nTraceback (most recent call last):\n"
                      + "".join(frames))
            return
        except BaseException as error:  # the handler ended the runtime process (sys.exit), or Ctrl-C
            if not ends_the_runtime(error):
                raise
            invocation.error = FunctionError(RUNTIME_EXIT, runtime_exit_message(invocation.request_id, error))
            log.write(f"{_now_iso()} {invocation.request_id} {invocation.error.message}\n")
            local.cold_start()  # the runtime process is gone: the next invocation starts a new one
            return
        size_limit = MAX_SYNC_PAYLOAD
        if isinstance(result, StreamedResponse):
            result, size_limit = result.value, MAX_STREAMED_RESPONSE
        try:
            invocation.result = _json_round_trip(result, "response")
        except EventError as error:
            invocation.error = FunctionError("Runtime.MarshalError", str(error))
            return
        if len(json.dumps(invocation.result)) > size_limit and invocation.invocation_type == SYNC:
            invocation.error = FunctionError(
                "Function.ResponseSizeTooLarge",
                f"Response payload size exceeded maximum allowed payload size ({size_limit} bytes).")
            invocation.result = None

    def _environment(self, spec: FunctionSpec) -> dict[str, str]:
        """Lambda's reserved variables, then the function's own (template + overrides)."""
        return {
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_LOG_FORMAT": spec.log_format,
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "_HANDLER": spec.handler,
            # What `sam local` sets: Powertools Tracer (and others) turn X-Ray off under it.
            "AWS_SAM_LOCAL": "true",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            **LOCAL_CREDENTIALS,
            **({"AWS_LAMBDA_LOG_LEVEL": spec.application_log_level} if spec.application_log_level else {}),
            **spec.environment,
        }


def _json_round_trip(value: Any, what: str) -> Any:
    try:
        return json_text.loads(json.dumps(value))
    except (TypeError, ValueError) as error:
        prefix = "Unable to marshal response" if what == "response" else "The event is not JSON"
        raise EventError(f"{prefix}: {error}") from error


def _write_line(line: str) -> None:
    """A line of a Node.js function's output, into its invocation's log (`LogCapture` routes stdout)."""
    sys.stdout.write(line + "\n")


def _requirements_hint(spec: FunctionSpec, error: HandlerLoadError) -> str:
    if spec.nodejs:
        return _node_packages_hint(spec, error)
    if error.error_type != "Runtime.ImportModuleError" or "No module named" not in error.message:
        return ""
    requirements = spec.code_dir / "requirements.txt"
    hint = f" (install it: pip install -r {requirements})" if requirements.is_file() else ""
    return f"{hint} — sluice imports a function's dependencies from this Python environment"


def _node_packages_hint(spec: FunctionSpec, error: HandlerLoadError) -> str:
    if "Cannot find" not in error.message:
        return ""
    hint = f" (install them: npm install --prefix {spec.code_dir})" if (spec.code_dir / "package.json").is_file() \
        else ""
    sdk = " Lambda's Node.js runtime provides the AWS SDK for JavaScript v3 (@aws-sdk/*); here it must be " \
          "installed too." if "@aws-sdk/" in error.message else ""
    return f"{hint} — sluice runs the function's node_modules as they are on disk.{sdk}"


def _now_iso() -> str:
    moment = datetime.now(tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
