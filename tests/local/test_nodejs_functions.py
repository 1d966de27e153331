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

from sluice.local.lambda_.runtime import FunctionNotRunnable
from sluice.local.stack import LocalStack

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
])
def test_a_handler_with_no_file_or_no_function_is_named_when_invoked(
        start_stack: Callable[..., LocalStack], handler: str, message: str) -> None:
    stack = start_stack(TEMPLATE.replace("Handler: greet.fail", f"Handler: {handler}"), FILES)
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
