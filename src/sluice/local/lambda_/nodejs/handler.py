"""A Node.js function's execution environment: a `node` process kept warm between invocations.

Python handlers run in sluice's own process; a Node.js handler cannot, so each Node.js function gets
one `node` process running `host.mjs` (Lambda's Node.js runtime semantics: handler resolution,
CommonJS and ES modules, async and callback handlers, `context`, console lines, error shapes). The
process lives as Lambda's execution environment does: started on the first invocation (its init
phase), reused after, and replaced after a timeout or a crash (`close()`).

The handler's AWS SDK calls are the local stack's: the process's `AWS_ENDPOINT_URL` is a loopback
endpoint (`ServiceBridge`) whose requests are answered on the invoking thread, between the
handler's own messages, by the same replay `sluice up` uses (`sluice.local.edge.gateway`). So the
world stays single-threaded: while the handler runs, the thread that invoked it serves its calls.

Example:
    >>> handler = NodeHandler.start(spec, environment, services=gateway.handle, write_log=print)
    >>> handler(event, context)      # the handler's result, or ReportedError
    >>> handler.close()
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from sluice import json_text
from sluice.local.edge.messages import HttpAnswer, HttpRequest
from sluice.local.lambda_.invocation import FunctionError, ReportedError, StreamedResponse
from sluice.local.lambda_.nodejs.bridge import ServiceBridge
from sluice.local.lambda_.sandbox import HandlerLoadError
from sluice.local.lambda_.spec import FunctionSpec

HOST = Path(__file__).with_name("host.mjs")
#: Lambda's longest invocation (15 minutes).
_LONGEST_INVOCATION = 900.0
#: How often a wait wakes to notice a process that died without a word.
_POLL_SECONDS = 0.25
#: Where Lambda puts a layer's Node.js packages (`/opt/nodejs/node_modules`, `/opt/nodejs/node20/node_modules`).
_LAYER_MODULES = ("nodejs/node_modules", "nodejs/node{major}/node_modules")

Services = Callable[[HttpRequest], HttpAnswer]


class NodeHandler:
    """One started `node` process for one function (create it with `start`)."""

    def __init__(self, process: subprocess.Popen[bytes], inbox: queue.Queue[tuple[str, Any]],
                 bridge: ServiceBridge, *, services: Services | None, write_log: Callable[[str], None]) -> None:
        self.process = process
        self.inbox = inbox
        self.bridge = bridge
        self.services = services
        self.write_log = write_log

    @classmethod
    def start(cls, spec: FunctionSpec, environment: Mapping[str, str], *, node: str, services: Services | None,
              write_log: Callable[[str], None], runtime_modules: Path | None = None) -> NodeHandler:
        """Start the process and load the handler (the init phase): `HandlerLoadError` when it cannot be.
        `runtime_modules` stands for the runtime's own `node_modules` (`runtime_modules.RuntimeModules`)."""
        inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
        bridge = ServiceBridge(lambda request: _ask(inbox, request))
        bridge.start()
        layers = [str(directory) for directory in spec.layer_dirs]
        read_end, write_end = os.pipe()
        try:
            process = subprocess.Popen(
                [node, str(HOST), str(spec.code_dir), spec.handler, json.dumps(layers), str(write_end)],
                cwd=spec.code_dir, env=_environment(spec, environment, bridge.url, runtime_modules),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(write_end,))
        except OSError as error:
            bridge.stop()
            raise HandlerLoadError("Runtime.Unknown", f"cannot start {node}: {error}") from None
        finally:
            os.close(write_end)
        handler = cls(process, inbox, bridge, services=services, write_log=write_log)
        for name, stream in (("stdout", process.stdout), ("stderr", process.stderr)):
            threading.Thread(target=_read_lines, args=(stream, inbox, "log"), name=f"node-{name}", daemon=True).start()
        channel = os.fdopen(read_end, "rb")
        threading.Thread(target=_read_channel, args=(channel, inbox, process), name="node-channel",
                         daemon=True).start()
        try:
            message = handler._wait()
        except BaseException:
            handler.close()
            raise
        if "ready" not in message:
            handler.close()
            shape = message.get("initError") or {}
            raise HandlerLoadError(str(shape.get("errorType", "Runtime.Unknown")),
                                   str(shape.get("errorMessage", message.get("exited", "the runtime exited"))))
        return handler

    def __call__(self, event: Any, context: Any) -> Any:
        deadline_ms = int(time.time() * 1000 + context.get_remaining_time_in_millis())
        request = {"event": event, "deadlineMs": deadline_ms, "context": {
            "functionName": context.function_name, "functionVersion": context.function_version,
            "invokedFunctionArn": context.invoked_function_arn, "memoryLimitInMB": str(context.memory_limit_in_mb),
            "awsRequestId": context.aws_request_id, "logGroupName": context.log_group_name,
            "logStreamName": context.log_stream_name}}
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except OSError:
            raise ReportedError(FunctionError("Runtime.ExitError", "the Node.js runtime exited",
                                                  style="nodejs"), ends_environment=True) from None
        message = self._wait()
        if "result" in message:
            return StreamedResponse(message["result"]) if message.get("streamed") else message["result"]
        shape = message.get("error")
        if not isinstance(shape, dict):
            raise ReportedError(FunctionError("Runtime.ExitError", f"RequestId: {context.aws_request_id} "
                                                  f"Error: Runtime exited with error: {message.get('exited')}",
                                                  style="nodejs"), ends_environment=True)
        raise ReportedError(FunctionError(str(shape.get("errorType")), str(shape.get("errorMessage")),
                                              [str(line) for line in shape.get("trace") or []], style="nodejs"),
                                ends_environment=bool(message.get("exit")))

    def close(self) -> None:
        """End the process (Lambda replaces an execution environment after a timeout or a crash)."""
        if self.process.poll() is None:
            self.process.kill()
        # An untimed wait: a timed one polls with time.sleep, which a handler's virtual clock counts as time
        # passing (`timeouts`), and would end the invocation it closes for.
        with contextlib.suppress(OSError):
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()
        self.bridge.stop()
        while True:  # a call still waiting for its answer gets one
            try:
                kind, item = self.inbox.get_nowait()
            except queue.Empty:
                break
            if kind == "request":
                item[1].put(_unavailable())

    def _wait(self) -> dict[str, Any]:
        """Serve the process's console lines and AWS calls until it says how the init or invocation ended."""
        while True:
            try:
                kind, item = self.inbox.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
            if kind == "log":
                self.write_log(item)
            elif kind == "request":
                request, reply = item
                reply.put(self.services(request) if self.services is not None else _unavailable())
            elif "log" in item:
                self.write_log(str(item["log"]))
            else:
                return dict(item)


def _ask(inbox: queue.Queue[tuple[str, Any]], request: HttpRequest) -> HttpAnswer:
    """On a bridge thread: hand the request to the invoking thread, and wait for its answer (no longer than
    Lambda's longest invocation: an invocation that timed out mid-call answers nothing)."""
    reply: queue.Queue[HttpAnswer] = queue.Queue(maxsize=1)
    inbox.put(("request", (request, reply)))
    try:
        return reply.get(timeout=_LONGEST_INVOCATION)
    except queue.Empty:
        return _unavailable()


def _unavailable() -> HttpAnswer:
    body = json.dumps({"__type": "ServiceUnavailable", "message": "no invocation of this function is running"})
    return HttpAnswer(503, {"Content-Type": "application/x-amz-json-1.0"}, body.encode())


def _read_lines(stream: IO[bytes] | None, inbox: queue.Queue[tuple[str, Any]], kind: str) -> None:
    for line in stream or ():
        inbox.put((kind, line.decode("utf-8", "replace").rstrip("\n")))


def _read_channel(channel: IO[bytes], inbox: queue.Queue[tuple[str, Any]], process: subprocess.Popen[bytes]) -> None:
    with channel:
        for line in channel:
            try:
                message = json_text.loads(line)
            except ValueError:
                continue
            inbox.put(("message", message if isinstance(message, dict) else {}))
    inbox.put(("message", {"exited": process.wait()}))


def _environment(spec: FunctionSpec, environment: Mapping[str, str], endpoint: str,
                 runtime_modules: Path | None) -> dict[str, str]:
    major = spec.runtime.removeprefix("nodejs").split(".")[0]
    modules = [str(layer / pattern.format(major=major)) for layer in spec.layer_dirs for pattern in _LAYER_MODULES]
    # Lambda's NODE_PATH: the layers' packages, then the runtime's own (`/var/runtime/node_modules`).
    searched = [str(path) for path in spec.node_paths] + [path for path in modules if Path(path).is_dir()] \
        + ([str(runtime_modules)] if runtime_modules else [])
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "TZ": ":UTC",  # as Lambda sets it
        "NODE_PATH": os.pathsep.join(searched),
        **environment,
        # The function's AWS SDK calls reach the local stack (SDK for JavaScript v3: AWS_ENDPOINT_URL).
        "AWS_ENDPOINT_URL": endpoint,
    }
