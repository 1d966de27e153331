"""Node.js functions run on this machine's `node`, as Lambda's Node.js runtime runs them
(`sluice.local.lambda_.nodejs`): most public SAM applications are written for Node.js.

What is asserted is what Lambda's runtime documents and does (AWS Lambda developer guide: "Define
Lambda function handler in Node.js", "Lambda context object in Node.js", "Log and monitor Node.js
Lambda functions", "AWS Lambda function errors in Node.js"): handler resolution for CommonJS and ES
modules, async and callback handlers, the context, console lines, error payloads, the environment
replaced after a crash or a timeout, and AWS calls answered by the local stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.local.lambda_.catalog import FunctionCatalog
from sluice.local.lambda_.logs import LogCapture
from sluice.local.lambda_.nodejs.runtime_modules import RuntimeModules, provided_package
from sluice.local.lambda_.runtime import FunctionNotRunnable, LambdaRuntime
from sluice.local.lambda_.spec import function_specs
from sluice.local.stack import LocalStack
from sluice.local.template.model import SamTemplate

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: nodejs20.x, CodeUri: src/, Timeout: 3}
Resources:
  Orders:
    Type: AWS::Serverless::SimpleTable
  Inbox:
    Type: AWS::SQS::Queue
  Greet:
    Type: AWS::Serverless::Function
    Properties:
      Handler: greet.handler
      Environment: {Variables: {TABLE: !Ref Orders}}
  Legacy:
    Type: AWS::Serverless::Function
    Properties: {Handler: handlers/legacy.routes.double}
  Fail:
    Type: AWS::Serverless::Function
    Properties: {Handler: greet.fail}
  Crash:
    Type: AWS::Serverless::Function
    Properties: {Handler: greet.crash}
  Slow:
    Type: AWS::Serverless::Function
    Properties: {Handler: greet.slow, Timeout: 1}
  Store:
    Type: AWS::Serverless::Function
    Properties:
      Handler: store.handler
      Environment: {Variables: {TABLE: !Ref Orders, QUEUE: !Ref Inbox}}
  Missing:
    Type: AWS::Serverless::Function
    Properties: {Handler: greet.nothing}
"""

GREET = """\
let started = 0;
export const handler = async (event, context) => {
  started += 1;
  console.log("hello %s", event.name, {nested: true});
  return {
    greeting: `hello ${event.name}`, warm: started, name: context.functionName, id: context.awsRequestId,
    memory: context.memoryLimitInMB, remaining: context.getRemainingTimeInMillis(), table: process.env.TABLE,
    tz: process.env.TZ, region: process.env.AWS_REGION,
  };
};
export const fail = async () => { throw new RangeError("out of stock"); };
export const crash = async () => {
  setTimeout(() => { throw new Error("late failure"); }, 0);
  await new Promise(() => {});
};
export const slow = async () => new Promise(() => {});
"""

LEGACY = """\
exports.routes = {
  double: function (event, context, callback) {
    console.error("doubling", event.n);
    callback(null, {n: event.n * 2, waits: context.callbackWaitsForEmptyEventLoop});
  },
};
"""

# A handler that calls AWS without the SDK (so the test needs no npm install): DynamoDB's JSON
# protocol on AWS_ENDPOINT_URL, and SQS at the queue URL AWS hands out, as the SDK follows it.
STORE = """\
import https from "node:https";

const auth = (service) => `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/${service}/aws4_request, ` +
  "SignedHeaders=host, Signature=0";

function post(url, target, service, body) {
  return new Promise((resolve, reject) => {
    const request = https.request(url, {method: "POST", headers: {
      "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target, Authorization: auth(service)}},
      (response) => {
        let text = "";
        response.on("data", (chunk) => { text += chunk; });
        response.on("end", () => resolve({status: response.statusCode, body: JSON.parse(text || "{}")}));
      });
    request.on("error", reject);
    request.end(JSON.stringify(body));
  });
}

export const handler = async (event) => {
  const put = await fetch(process.env.AWS_ENDPOINT_URL, {method: "POST", headers: {
    "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem",
    Authorization: auth("dynamodb")}, body: JSON.stringify({TableName: process.env.TABLE,
    Item: {id: {S: event.id}}})});
  const sent = await post(process.env.QUEUE, "AmazonSQS.SendMessage", "sqs",
                          {QueueUrl: process.env.QUEUE, MessageBody: event.id});
  return {put: put.status, sent: sent.status, messageId: typeof sent.body.MessageId};
};
"""

FILES = {"src/greet.mjs": GREET, "src/handlers/legacy.js": LEGACY, "src/store.mjs": STORE}


@pytest.fixture
def stack(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, FILES)


def test_an_es_module_handler_gets_lambdas_context_environment_and_console(stack: LocalStack) -> None:
    first = stack.invoke("Greet", {"name": "ada"})
    second = stack.invoke("Greet", {"name": "grace"})
    assert first.result["greeting"] == "hello ada"
    # The same execution environment serves both (module state survives); only the first has an init phase.
    assert (first.result["warm"], second.result["warm"]) == (1, 2)
    assert first.init_duration_ms is not None and second.init_duration_ms is None
    assert first.result["name"] == stack.name("Greet") and first.result["id"] == first.request_id
    assert first.result["memory"] == "128"  # a string, as Lambda's context gives it
    assert 0 < first.result["remaining"] <= 3000
    assert first.result["table"] == stack.name("Orders")
    assert (first.result["tz"], first.result["region"]) == (":UTC", "us-east-1")
    # Lambda's console format: time, request id, level, the message formatted by util.format.
    assert re.search(rf"\d{{4}}-\d\d-\d\dT[\d:.]+Z\t{first.request_id}\tINFO\thello ada {{ nested: true }}\n",
                     first.logs)


def test_a_commonjs_callback_handler_under_a_folder_with_a_nested_property(stack: LocalStack) -> None:
    """`handlers/legacy.routes.double`: file `handlers/legacy.js`, property `routes.double` (Lambda's
    UserFunction resolves the rest of the name as a property path)."""
    invocation = stack.invoke("Legacy", {"n": 21})
    assert invocation.result == {"n": 42, "waits": True}
    assert f"{invocation.request_id}\tERROR\tdoubling 21" in invocation.logs


def test_a_thrown_error_is_the_nodejs_runtimes_error_payload(stack: LocalStack) -> None:
    invocation = stack.invoke("Fail")
    assert invocation.error is not None
    payload = invocation.response
    assert set(payload) == {"errorType", "errorMessage", "trace"}
    assert (payload["errorType"], payload["errorMessage"]) == ("RangeError", "out of stock")
    # The trace names the function's file as Lambda does (/var/task), and none of sluice's own frames.
    assert payload["trace"][0] == "RangeError: out of stock"
    assert payload["trace"][1].startswith("    at fail (file:///var/task/greet.mjs:")
    assert "Invoke Error" in invocation.logs


def test_an_uncaught_exception_fails_the_invocation_and_replaces_the_environment(stack: LocalStack) -> None:
    crashed = stack.invoke("Crash")
    again = stack.invoke("Crash")
    assert crashed.error is not None and (crashed.error.error_type, crashed.error.message) == ("Error", "late failure")
    assert again.init_duration_ms is not None  # a new process: Lambda's runtime exits after an uncaught exception


def test_a_timeout_ends_the_invocation_and_the_next_one_starts_cold(stack: LocalStack) -> None:
    timed_out = stack.invoke("Slow")
    assert timed_out.error is not None and timed_out.error.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in timed_out.error.message
    assert stack.invoke("Slow").init_duration_ms is not None


def test_a_handler_the_module_does_not_export_is_runtime_handler_not_found(stack: LocalStack) -> None:
    invocation = stack.invoke("Missing")
    assert invocation.error is not None
    assert (invocation.error.error_type, invocation.error.message) == (
        "Runtime.HandlerNotFound", "greet.nothing is undefined or not exported")


def test_aws_calls_reach_the_local_stack_at_aws_endpoint_url_and_at_urls_aws_hands_out(stack: LocalStack) -> None:
    invocation = stack.invoke("Store", {"id": "o-7"})
    assert invocation.result == {"put": 200, "sent": 200, "messageId": "string"}
    assert stack.items("Orders") == [{"id": "o-7"}]
    assert [message.body for message in stack.messages("Inbox")] == ["o-7"]
    # Each call is one more AWS call of the invocation, in the trace like a Python handler's.
    [activity] = [activity for activity in stack.trace.find("invoke") if activity.ref is invocation]
    assert [child.title for child in activity.children] == ["dynamodb PutItem Orders", "sqs SendMessage Inbox"]


def test_a_step_functions_task_gets_the_nodejs_payload_as_its_cause(start_stack: Callable[..., LocalStack]) -> None:
    machine = """\
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Policies: [{LambdaInvokePolicy: {FunctionName: !Ref Fail}}]
      Definition:
        StartAt: Call
        States:
          Call: {Type: Task, Resource: !GetAtt Fail.Arn, End: true}
"""
    stack = start_stack(TEMPLATE + machine, FILES)
    execution = stack.start_execution("Flow", {})
    stack.run_until_idle()
    assert execution.error == "RangeError" and execution.cause is not None
    cause = json.loads(execution.cause)
    assert (cause["errorType"], cause["errorMessage"]) == ("RangeError", "out of stock")
    assert "trace" in cause and "stackTrace" not in cause


@pytest.mark.parametrize(("handler", "message"), [
    ("nowhere.handler", "Handler nowhere.handler needs src/nowhere.js (or .mjs, .cjs), which does not exist"),
    ("greet", "Handler 'greet' must be file.function"),
    # TypeScript runs bundled, as SAM CLI's esbuild build (Metadata BuildMethod: esbuild) bundles it.
    ("typed/app.handler", "Handler typed/app.handler is TypeScript (src/typed/app.ts), which runs once bundled: "
                          "give the function `Metadata: BuildMethod: esbuild`"),
])
def test_a_handler_with_no_file_or_no_function_is_named_when_invoked(
        start_stack: Callable[..., LocalStack], handler: str, message: str) -> None:
    files = {**FILES, "src/typed/app.ts": "export const handler = async (): Promise<number> => 1;\n"}
    stack = start_stack(TEMPLATE.replace("Handler: greet.fail", f"Handler: {handler}"), files)
    with pytest.raises(FunctionNotRunnable, match=re.escape(message)):
        stack.invoke("Fail")


def test_a_layer_is_opt_for_a_nodejs_function(start_stack: Callable[..., LocalStack]) -> None:
    """A layer built with a `nodejs` BuildMethod is `/opt/nodejs` (serverless-patterns'
    `lambda-layer-ssm-parameters` imports `/opt/nodejs/config.mjs`), and its `node_modules` are on the
    require path (Lambda's NODE_PATH)."""
    layered = """\
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
    Metadata: {BuildMethod: nodejs20.x}
  Uses:
    Type: AWS::Serverless::Function
    Properties: {Handler: uses.handler, Layers: [!Ref Shared]}
"""
    files = {**FILES, "layer/config.mjs": "export const colour = 'teal';\n",
             "layer/node_modules/shout/index.js": "module.exports = (text) => text.toUpperCase();\n",
             "src/uses.mjs": "import { colour } from '/opt/nodejs/config.mjs';\n"
                             "import { createRequire } from 'node:module';\n"
                             "const shout = createRequire(import.meta.url)('shout');\n"
                             "export const handler = async () => shout(colour);\n"}
    stack = start_stack(TEMPLATE + layered, files)
    assert stack.invoke("Uses").result == "TEAL"


def test_without_node_a_nodejs_function_is_named_as_not_runnable(
        write_template: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from sluice.local.lambda_.nodejs import executable  # noqa: PLC0415

    monkeypatch.setattr(executable, "find_node", lambda: None)
    monkeypatch.setattr("sluice.local.lambda_.spec.find_node", lambda: None)
    path = write_template(TEMPLATE, FILES)
    with LocalStack.from_template(path, use_config=False) as stack, pytest.raises(
            FunctionNotRunnable, match=re.escape("Node.js functions run on this machine's node, and there is no")):
        stack.invoke("Greet")


STREAMING = """\
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {statusCode: 201, headers: {"x-kind": "stream"}});
  for (const word of ["streamed", " ", event.rawPath ?? "direct"]) stream.write(word);
  stream.end();
});
export const plain = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write("part one, ");
  responseStream.end("part two");
});
"""


def test_a_response_streaming_handler_answers_what_it_wrote(start_stack: Callable[..., LocalStack]) -> None:
    """`awslambda.streamifyResponse` (Lambda's global in its Node.js runtime): the handler writes to a
    stream; `HttpResponseStream.from` puts a function URL's status and headers ahead of the body."""
    streamed = """\
  Streamed:
    Type: AWS::Serverless::Function
    Properties:
      Handler: stream.handler
      FunctionUrlConfig: {AuthType: NONE, InvokeMode: RESPONSE_STREAM}
  Plain:
    Type: AWS::Serverless::Function
    Properties: {Handler: stream.plain}
"""
    stack = start_stack(TEMPLATE + streamed, {**FILES, "src/stream.mjs": STREAMING})
    response = stack.api_request("GET", "/words", api="Streamed")
    assert (response.status, response.headers.get("x-kind"), response.body) == (201, "stream", b"streamed /words")
    assert stack.invoke("Plain").result == "part one, part two"



RUNTIME_SDK = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Modern:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs20.x, CodeUri: src/, Handler: sdk.handler}
  Vintage:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs16.x, CodeUri: src/, Handler: sdk.handler}
"""
USES_SDK = """\
import { hello } from "@aws-sdk/client-fake";
export const handler = async () => hello();
"""


def _runtime_with_modules(path: Path, modules: RuntimeModules, inline: Path, capture: LogCapture) -> LambdaRuntime:
    template = SamTemplate.load(path, use_config=False)
    specs = function_specs(template, inline_dir=inline)
    catalog = FunctionCatalog.from_template(template, specs, last_modified=0.0)
    return LambdaRuntime(specs, catalog=catalog, region="us-east-1", account="123456789012", log_capture=capture,
                         node_modules=modules)


def test_the_aws_sdk_lambdas_runtime_provides_is_installed_once_when_a_function_imports_it(
        write_template: Callable[..., Path], tmp_path: Path) -> None:
    """Lambda's nodejs18.x and later runtimes include the AWS SDK v3 (`@aws-sdk/*`), which applications
    import without shipping it; nodejs16.x and earlier include only v2 (`aws-sdk`)."""
    installed: list[str] = []

    def install(directory: Path, package: str) -> str | None:
        installed.append(package)
        target = directory / "node_modules" / package
        target.mkdir(parents=True)
        (target / "package.json").write_text(json.dumps({"name": package, "main": "index.js"}))
        (target / "index.js").write_text("exports.hello = () => 'from the runtime';\n")
        return None

    path = write_template(RUNTIME_SDK, {"src/sdk.mjs": USES_SDK})
    modules = RuntimeModules(tmp_path / "runtime", install=install)
    with LogCapture() as capture:
        runtime = _runtime_with_modules(path, modules, tmp_path / "inline", capture)
        modern = runtime.call("Modern", {})
        vintage = runtime.call("Vintage", {})
        second = _runtime_with_modules(path, modules, tmp_path / "inline2", capture)
        again = second.call("Modern", {})
        runtime.close()
        second.close()
    assert modern.result == again.result == "from the runtime"
    assert installed == ["@aws-sdk/client-fake"]  # once, then found by every later process
    assert "installing @aws-sdk/client-fake" in modern.logs
    assert vintage.result == "from the runtime"  # (installed already: the runtime modules are shared)


def test_a_runtime_package_that_cannot_be_installed_says_why(write_template: Callable[..., Path],
                                                             tmp_path: Path) -> None:
    path = write_template(RUNTIME_SDK, {"src/sdk.mjs": USES_SDK})
    modules = RuntimeModules(tmp_path / "runtime", install=lambda directory, package: "404 Not Found")
    with LogCapture() as capture:
        runtime = _runtime_with_modules(path, modules, tmp_path / "inline", capture)
        invocation = runtime.call("Modern", {})
        runtime.close()
    assert invocation.error is not None
    assert "Cannot find package '@aws-sdk/client-fake'" in invocation.error.message
    assert "(installing it failed: 404 Not Found)" in invocation.error.message


@pytest.mark.parametrize(("message", "runtime", "package"), [
    ("Cannot find package '@aws-sdk/client-s3' imported from /var/task/app.mjs", "nodejs20.x", "@aws-sdk/client-s3"),
    ("Error: Cannot find module '@aws-sdk/lib-dynamodb/dist'", "nodejs22.x", "@aws-sdk/lib-dynamodb"),
    ("Cannot find package '@smithy/protocol-http' imported from /var/task/sign.mjs", "nodejs20.x",
     "@smithy/protocol-http"),
    ("Error: Cannot find module 'aws-sdk'", "nodejs16.x", "aws-sdk"),
    ("Error: Cannot find module 'aws-sdk'", "nodejs20.x", None),  # v2 left Lambda's runtime with nodejs18.x
    ("Cannot find package '@aws-sdk/client-s3'", "nodejs16.x", None),
    ("Cannot find package 'axios' imported from /var/task/app.mjs", "nodejs20.x", None),
])
def test_only_what_the_functions_runtime_provides_is_installed(message: str, runtime: str,
                                                               package: str | None) -> None:
    assert provided_package(message, runtime) == package


# A stand-in for the application's esbuild (its `npm install` puts the real one in node_modules/.bin): it
# records its arguments and writes each entry point's bundle, as esbuild lays them out in --outdir.
FAKE_ESBUILD = """\
#!/usr/bin/env node
const fs = require("fs"), path = require("path");
const args = process.argv.slice(2);
fs.writeFileSync(path.join(process.cwd(), "esbuild-args.json"), JSON.stringify(args));
const outdir = args.find((arg) => arg.startsWith("--outdir=")).slice("--outdir=".length);
for (const entry of args.filter((arg) => !arg.startsWith("--"))) {
  const name = path.basename(entry).replace(/\\.[cm]?ts$/, ".js");
  fs.writeFileSync(path.join(outdir, name), "exports.handler = async (event) => ({typed: true, got: event});\\n");
}
"""
TYPESCRIPT = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Typed:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs20.x, CodeUri: functions/, Handler: app.handler}
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Minify: false
        Target: es2022
        Sourcemap: true
        External: ['@aws-sdk/*']
        EntryPoints: [app.ts]
"""


def test_a_typescript_function_is_bundled_with_the_applications_esbuild_as_sam_build_does(
        start_stack: Callable[..., LocalStack], tmp_path: Path) -> None:
    """`Metadata: BuildMethod: esbuild` (AWS SAM developer guide: "Building Node.js Lambda functions with
    esbuild"): the entry points bundled with `BuildProperties` as esbuild's options, then run."""
    files = {"functions/app.ts": "export const handler = async (event: unknown) => ({typed: true, got: event});\n"}
    (tmp_path / "functions" / "node_modules" / ".bin").mkdir(parents=True)
    fake = tmp_path / "functions" / "node_modules" / ".bin" / "esbuild"
    fake.write_text(FAKE_ESBUILD, encoding="utf-8")
    fake.chmod(0o755)
    stack = start_stack(TYPESCRIPT, files)
    assert stack.invoke("Typed", {"n": 1}).result == {"typed": True, "got": {"n": 1}}
    args = json.loads((tmp_path / "functions" / "esbuild-args.json").read_text())
    assert args[0] == "app.ts"
    assert {"--bundle", "--platform=node", "--format=cjs", "--target=es2022", "--sourcemap",
            "--external:@aws-sdk/*"} <= set(args)
    assert "--minify" not in args  # Minify: false (SAM's default is true)
    assert (tmp_path / ".aws-sam" / "sluice-esbuild" / "Typed" / "app.js").is_file()


def test_a_typescript_function_without_esbuild_installed_says_what_to_install(
        start_stack: Callable[..., LocalStack], monkeypatch: pytest.MonkeyPatch) -> None:
    from sluice.local.lambda_.nodejs import esbuild  # noqa: PLC0415

    monkeypatch.setattr(esbuild, "find_esbuild", lambda source, stop: None)  # none in node_modules, none on PATH
    stack = start_stack(TYPESCRIPT, {"functions/app.ts": "export const handler = async () => 1;\n"})
    with pytest.raises(FunctionNotRunnable, match="esbuild is not installed for it: run `npm install`"):
        stack.invoke("Typed")


HOSTILE_HANDLERS = {
    "exit": "async () => { process.exit(3); }",
    "throwObject": "async () => { throw {code: 42}; }",
    "rejectNull": "async () => Promise.reject(null)",
    "bigint": "async () => ({n: 10n})",
    "circular": "async () => { const loop = {}; loop.self = loop; return loop; }",
    "undefined": "async () => undefined",
    "hugeLog": "async () => { console.log('x'.repeat(1 << 20)); return 'logged'; }",
    "binaryStdout": "async () => { process.stdout.write(Buffer.from([0xff, 0xfe, 0x00, 0x0a])); return 'wrote'; }",
    "spin": "async () => { for (;;) {} }",
    "twice": "(event, context, callback) => { callback(null, 'first'); callback(null, 'second'); }",
    "closeStdin": "async () => { process.stdin.destroy(); return 'closed'; }",
}
HOSTILE_OUTCOMES = {
    "exit": "Runtime.ExitError", "throwObject": "object",
    # A rejection with null is Lambda's `fail()` with nothing: reported as the string "handled".
    "rejectNull": "string", "bigint": "Error",
    "circular": "Error", "undefined": None, "hugeLog": "logged", "binaryStdout": "wrote",
    "spin": "Sandbox.Timedout", "twice": "first", "closeStdin": "closed",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_HANDLERS))
def test_a_hostile_handler_fails_its_invocation_and_the_next_one_runs(
        start_stack: Callable[..., LocalStack], name: str) -> None:
    """Whatever a Node.js handler does to its process (exits, spins, throws a non-error, returns what JSON
    cannot hold, floods or corrupts its output), the invocation ends with a result or Lambda's error, never
    an exception out of sluice, and the function answers again."""
    template = TEMPLATE.replace("Handler: greet.fail", "Handler: hostile.handler").replace("Timeout: 3", "Timeout: 1")
    source = f"exports.handler = {HOSTILE_HANDLERS[name]};\nexports.ok = async () => 'ok';\n"
    stack = start_stack(template, {**FILES, "src/hostile.js": source})
    invocation = stack.invoke("Fail")
    expected = HOSTILE_OUTCOMES[name]
    if invocation.error is None:
        assert invocation.result == expected
    else:
        assert invocation.error.error_type == expected, invocation.error
    assert stack.invoke("Greet", {"name": "after"}).result["greeting"] == "hello after"
    assert stack.invoke("Fail").error is not None or invocation.error is None


def test_json_log_format_writes_one_object_per_line_above_the_application_log_level(
        start_stack: Callable[..., LocalStack]) -> None:
    """`LoggingConfig: {LogFormat: JSON, ApplicationLogLevel: WARN}` (Lambda's advanced logging controls for
    Node.js): each console call is a JSON object with `timestamp`, `level`, `requestId` and `message`, and
    calls below the application log level are dropped."""
    leveled = """\
  Leveled:
    Type: AWS::Serverless::Function
    Properties:
      Handler: levels.handler
      LoggingConfig: {LogFormat: JSON, ApplicationLogLevel: WARN}
"""
    source = ("export const handler = async () => { console.debug('quiet'); console.info('also quiet');\n"
              "  console.warn('careful %d', 2); console.error(new TypeError('broke')); return 'done'; };\n")
    stack = start_stack(TEMPLATE + leveled, {**FILES, "src/levels.mjs": source})
    invocation = stack.invoke("Leveled")
    records = [json.loads(line) for line in invocation.logs.splitlines() if line.startswith("{")]
    assert [(record["level"], record["message"].split("\n")[0]) for record in records] == [
        ("WARN", "careful 2"), ("ERROR", "TypeError: broke")]
    assert all(record["requestId"] == invocation.request_id for record in records)
    assert records[1]["errorType"] == "TypeError" and records[1]["errorMessage"] == "broke"


def test_a_streamed_response_is_held_to_the_streaming_limit_not_invokes_6_mb(
        start_stack: Callable[..., LocalStack]) -> None:
    """Lambda's response streaming allows 20 MB by default where a buffered response allows 6 MB."""
    big = """\
export const streamed = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.end("x".repeat(event.megabytes * 1024 * 1024));
});
export const buffered = async (event) => "x".repeat(event.megabytes * 1024 * 1024);
"""
    functions = """\
  Streamed:
    Type: AWS::Serverless::Function
    Properties: {Handler: big.streamed}
  Buffered:
    Type: AWS::Serverless::Function
    Properties: {Handler: big.buffered}
"""
    stack = start_stack(TEMPLATE + functions, {**FILES, "src/big.mjs": big})
    streamed = stack.invoke("Streamed", {"megabytes": 8})
    too_big = stack.invoke("Streamed", {"megabytes": 21})
    buffered = stack.invoke("Buffered", {"megabytes": 8})
    assert streamed.error is None and len(streamed.result) == 8 * 1024 * 1024
    assert too_big.error is not None and too_big.error.error_type == "Function.ResponseSizeTooLarge"
    assert "(20971520 bytes)" in too_big.error.message
    assert buffered.error is not None and "(6291456 bytes)" in buffered.error.message
