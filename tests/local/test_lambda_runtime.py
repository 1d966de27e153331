"""The in-process Lambda runtime: isolation, environment, context, limits, errors and logs."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

import pytest

from sluice.asl import Engine
from sluice.local.lambda_.catalog import FunctionCatalog
from sluice.local.lambda_.logs import LogCapture
from sluice.local.lambda_.runtime import FunctionNotFound, FunctionNotRunnable, LambdaRuntime, Throttled
from sluice.local.lambda_.spec import function_specs
from sluice.local.template.model import SamTemplate

from .conftest import FIXTURES

TEMPLATE = FIXTURES / "functions" / "template.yaml"


@pytest.fixture
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaRuntime]:
    template = SamTemplate.load(TEMPLATE, use_config=False, stack_name="fns", region="eu-west-1")
    specs = function_specs(template, inline_dir=tmp_path_factory.mktemp("inline"))
    with LogCapture() as capture:
        catalog = FunctionCatalog.from_template(template, specs, last_modified=0.0)
        yield LambdaRuntime(specs, catalog=catalog, region="eu-west-1", account="123456789012", log_capture=capture)


def test_functions_sharing_a_module_name_keep_separate_state(runtime: LambdaRuntime) -> None:
    alpha = [runtime.call("Alpha", {}).result for _ in range(2)]
    beta = runtime.call("Beta", {}).result
    assert [result["count"] for result in alpha] == [1, 2]
    assert beta["count"] == 1
    # The layer is imported once per function too: beta never sees alpha's appends.
    assert alpha[1]["layer_seen"] == ["alpha", "alpha"] and beta["layer_seen"] == ["beta"]
    assert "app" not in sys.modules and "shared_state" not in sys.modules


def test_environment_applies_only_during_the_call(runtime: LambdaRuntime) -> None:
    before = dict(os.environ)
    result = runtime.call("Alpha", {}).result
    assert (result["who"], result["shared"], result["region"]) == ("alpha", "from-globals", "eu-west-1")
    assert result["lambda_name"] == runtime.function("Alpha").spec.name
    assert dict(os.environ) == before


def test_context_describes_the_function(runtime: LambdaRuntime) -> None:
    invocation = runtime.call("Alpha", {}, request_id="req-42")
    result = invocation.result
    assert result["name"].startswith("fns-Alpha-")
    assert result["arn"] == f"arn:aws:lambda:eu-west-1:123456789012:function:{result['name']}"
    assert (result["memory"], result["request_id"]) == (256, "req-42")
    assert 2000 < result["remaining_ms"] <= 3000


def test_functions_are_found_by_logical_id_name_or_arn(runtime: LambdaRuntime) -> None:
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:beta-function:$LATEST"
    assert runtime.function(arn).spec.logical_id == "Beta"
    assert runtime.function("beta-function").spec.logical_id == "Beta"
    with pytest.raises(FunctionNotFound, match="functions: Alpha, Beta"):
        runtime.function("Gamma")


def test_timeout_interrupts_the_handler_and_resets_the_environment(runtime: LambdaRuntime) -> None:
    assert runtime.call("Beta", {}).result["count"] == 1
    started = time.monotonic()
    timed_out = runtime.call("Beta", {"sleep": 30})
    assert time.monotonic() - started < 5
    assert timed_out.error is not None and timed_out.error.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in timed_out.error.message
    # Lambda reports the whole timeout as the duration, though the handler's sleep took no real time here.
    assert "\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\t" in timed_out.logs
    after = runtime.call("Beta", {})
    assert after.result["count"] == 1 and after.init_duration_ms is not None  # a cold start


def test_handler_exception_is_reported_like_lambda(runtime: LambdaRuntime) -> None:
    invocation = runtime.call("Misc", {"action": "raise", "id": 7})
    assert invocation.error is not None
    payload = invocation.response
    assert (payload["errorType"], payload["errorMessage"]) == ("Rejected", "rejected 7")
    # As Lambda's Python runtime shows it: the handler's frames, its code directory as /var/task.
    assert payload["stackTrace"][0].startswith('  File "/var/task/app.py", line ')
    assert "[ERROR] Rejected: rejected 7" in invocation.logs


@pytest.mark.parametrize(
    ("function", "event", "error_type", "message"),
    [
        ("Broken", {}, "Runtime.ImportModuleError", "No module named 'module_that_is_not_installed'"),
        ("MissingHandler", {}, "Runtime.HandlerNotFound", "Handler 'does_not_exist' missing on module 'app'"),
        ("Misc", {"action": "unserializable"}, "Runtime.MarshalError", "Unable to marshal response"),
    ],
)
def test_runtime_errors(runtime: LambdaRuntime, function: str, event: dict[str, str], error_type: str,
                        message: str) -> None:
    invocation = runtime.call(function, event)
    assert invocation.error is not None
    assert invocation.error.error_type == error_type
    assert message in invocation.error.message


def test_the_handler_gets_a_copy_of_the_event(runtime: LambdaRuntime) -> None:
    event = {"action": "mutate"}
    assert runtime.call("Misc", event).result == {"echo": {"action": "mutate", "mutated": True}}
    assert event == {"action": "mutate"}


def test_logs_are_captured_per_invocation(runtime: LambdaRuntime) -> None:
    first = runtime.call("Beta", {"id": "one"})
    second = runtime.call("Alpha", {})
    assert first.logs.startswith(f"START RequestId: {first.request_id} Version: $LATEST\n")
    assert f"\t{first.request_id}\tbeta handling one" in first.logs
    assert "alpha sees WHO=alpha" in second.logs and "beta handling" not in second.logs
    assert f"REPORT RequestId: {second.request_id}\tDuration:" in second.logs


def test_reserved_concurrency_zero_throttles(runtime: LambdaRuntime) -> None:
    with pytest.raises(Throttled, match="ReservedConcurrentExecutions 0"):
        runtime.call("Paused", {})


def test_inline_code_runs(runtime: LambdaRuntime) -> None:
    assert runtime.call("Inline", {"a": 1}).result == {"inline": {"a": 1}}


def test_functions_that_cannot_run_locally_say_why(runtime: LambdaRuntime) -> None:
    with pytest.raises(FunctionNotRunnable, match=r"Runtime java21: sluice runs Python handlers in-process and "
                                                   r"Node\.js handlers in a node process"):
        runtime.call("JavaFunction", {})


def test_engine_runs_task_states_on_the_handlers(runtime: LambdaRuntime) -> None:
    misc_arn = runtime.function("Misc").spec.arn
    definition = {
        "StartAt": "Echo",
        "States": {
            "Echo": {"Type": "Task", "Resource": misc_arn, "Next": "Reject"},
            "Reject": {"Type": "Task", "Resource": misc_arn, "Parameters": {"action": "raise", "id": 9}, "Next": "Done",
                       "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.error", "Next": "Done"}]},
            "Done": {"Type": "Succeed"},
        },
    }
    with Engine(lambdas=runtime) as engine:
        execution = engine.run(definition, {"n": 1})
    assert execution.status == "SUCCEEDED"
    assert execution.output["echo"] == {"n": 1}
    assert execution.output["error"]["Error"] == "Rejected"
    # A function ARN Task's cause is the runtime's error payload as the runtime wrote it.
    assert '"errorMessage": "rejected 9"' in execution.output["error"]["Cause"]
