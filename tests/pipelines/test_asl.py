"""Static properties of the three ASL files and their template wiring."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sluice_runtime
from samtranslator.yaml_helper import yaml_parse
from sluice_runtime.errors import PermanentError

from sluice.cli import main
from tests.runtime.moto_stack import ROOT

from .conftest import FUNCTIONS, STATE_MACHINES, World
from .conftest import substitutions as engine_substitutions

FILES = sorted(STATE_MACHINES.glob("*.asl.json"))
TRANSIENT = {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
             "Lambda.TooManyRequestsException", "TransientError"}
CRASHES = {"Runtime.ExitError", "Sandbox.Timedout", "Lambda.Unknown"}
MACHINES = {"FilePipelineStateMachine": "file_pipeline", "StreamBatchStateMachine": "stream_batch",
            "BackfillStateMachine": "backfill"}


def permanent_error_types() -> set[str]:
    """The error types the runtime never retries: every `PermanentError` class (a Lambda error's type
    is its class name, which ASL matches exactly) and the poison-data errors `as_permanent` maps."""
    for module in pkgutil.walk_packages(sluice_runtime.__path__, "sluice_runtime."):
        importlib.import_module(module.name)

    def subclasses(cls: type) -> Iterator[type]:
        sub: type
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    poison = {"UnicodeEncodeError", "UnicodeDecodeError", "RecursionError", "JSONDecodeError", "ValidationError"}
    return {cls.__name__ for cls in subclasses(PermanentError)} | poison


def all_states(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in definition["States"].items():
        yield name, state
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from all_states(processor)
        for branch in state.get("Branches", []):
            yield from all_states(branch)


def definitions() -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, json.loads(path.read_text(encoding="utf-8"))) for path in FILES]


def template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse((ROOT / "template.yaml").read_text(encoding="utf-8"))
    return parsed


def test_every_state_machine_passes_sluice_validate(capsys: pytest.CaptureFixture[str]) -> None:
    assert [path.name for path in FILES] == ["backfill.asl.json", "file_pipeline.asl.json", "stream_batch.asl.json"]

    # The files still hold the template's `${...}` placeholders; apart from those, each is valid.
    assert main(["validate", *map(str, FILES), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [{d["code"] for d in file["diagnostics"]} for file in report["files"]] == [{"UNRESOLVED_SUBSTITUTION"}] * 3


@pytest.mark.parametrize(("file", "definition"), definitions())
def test_lambda_tasks_retry_transient_errors_with_capped_jittered_backoff_and_nothing_else(
    file: str, definition: dict[str, Any]
) -> None:
    for name, state in all_states(definition):
        if state["Type"] != "Task" or not state["Resource"].startswith("${"):
            continue
        rule, *rest = state["Retry"]
        assert set(rule["ErrorEquals"]) >= TRANSIENT, f"{file}: {name}"
        if rest:
            # An idempotent step also reruns a crashed or timed-out invocation and an unexpected error,
            # a couple of times at most; permanent errors are matched first and never retried.
            crashes, permanent, unexpected = rest
            assert (set(crashes["ErrorEquals"]), crashes["MaxAttempts"]) == (CRASHES, 2), f"{file}: {name}"
            assert (set(permanent["ErrorEquals"]), permanent["MaxAttempts"]) == (permanent_error_types(), 0), name
            assert (unexpected["ErrorEquals"], unexpected["MaxAttempts"]) == (["States.TaskFailed"], 2), name
        for retrier in state["Retry"]:
            assert "States.ALL" not in retrier["ErrorEquals"], f"{file}: {name}"
            if retrier["MaxAttempts"]:
                assert retrier["BackoffRate"] > 1 and retrier["JitterStrategy"] == "FULL"
                assert retrier["MaxDelaySeconds"] <= 60


@pytest.mark.parametrize(("file", "definition"), definitions())
def test_failures_end_in_typed_fail_states(file: str, definition: dict[str, Any]) -> None:
    fails = {name: state for name, state in all_states(definition) if state["Type"] == "Fail"}

    assert fails, file
    assert all(re.fullmatch(r"Sluice\.[A-Za-z]+", state["Error"]) for state in fails.values()), file


def test_the_chunk_map_is_capped_and_isolates_failed_chunks() -> None:
    definition = json.loads((STATE_MACHINES / "file_pipeline.asl.json").read_text(encoding="utf-8"))
    chunks = definition["States"]["ProcessChunks"]

    assert chunks["MaxConcurrencyPath"] == "$.plan.max_concurrency"
    [catch] = chunks["ItemProcessor"]["States"]["TransformChunk"]["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"] and catch["Next"] == "ChunkFailed"


def test_the_backfill_map_is_distributed_capped_and_tolerant() -> None:
    definition = json.loads((STATE_MACHINES / "backfill.asl.json").read_text(encoding="utf-8"))
    reprocess = definition["States"]["Reprocess"]

    assert reprocess["ItemReader"]["Resource"] == "arn:aws:states:::s3:listObjectsV2"
    assert reprocess["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert {"MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ResultWriter"} <= set(reprocess)
    run = reprocess["ItemProcessor"]["States"]["RunFilePipeline"]
    assert run["Resource"] == "arn:aws:states:::states:startExecution.sync:2"


def test_the_stream_batch_fits_the_time_the_ordered_function_waits_for_it() -> None:
    from sluice_runtime.registry import PACKAGED_PIPELINES  # noqa: PLC0415

    definition = json.loads((STATE_MACHINES / "stream_batch.asl.json").read_text(encoding="utf-8"))
    registry = json.loads(PACKAGED_PIPELINES.read_text(encoding="utf-8"))
    waits = [p.get("sync_timeout_seconds", 300) for p in registry["pipelines"]
             if p["state_machine"] == "${STREAM_BATCH_ARN}" and p["execution"] == "express_sync"]
    write = definition["States"]["WriteRecords"]
    [retry] = write["Retry"]
    worst = write["TimeoutSeconds"] * (retry["MaxAttempts"] + 1) + retry["MaxDelaySeconds"] * retry["MaxAttempts"]

    assert waits and definition["TimeoutSeconds"] <= min(waits)
    assert worst < definition["TimeoutSeconds"]  # a timed-out write is still caught, alerted and failed
    function = template()["Resources"]["StreamSinkFunction"]["Properties"]
    assert function["Timeout"] > write["TimeoutSeconds"]


def test_the_template_wires_each_machine_to_its_file_and_the_tests_use_the_same_names() -> None:
    resources = template()["Resources"]

    used = set()
    for logical_id, file in MACHINES.items():
        properties = resources[logical_id]["Properties"]
        assert properties["DefinitionUri"] == f"statemachines/{file}.asl.json"
        assert properties["Tracing"] == {"Enabled": True}
        assert properties["Logging"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"] == {
            "Fn::GetAtt": ["StateMachineLogGroup", "Arn"]}
        used |= set(properties["DefinitionSubstitutions"])
        # Least privilege: one LambdaInvokePolicy per function the definition references.
        invoked = {s["FunctionName"]["Ref"] for p in properties["Policies"] for k, s in p.items()
                   if k == "LambdaInvokePolicy"}
        referenced = {name.removesuffix("Arn") for name in properties["DefinitionSubstitutions"]
                      if name.endswith("FunctionArn")}
        assert invoked == referenced, logical_id
    # The engine tests substitute exactly what the template does.
    assert set(engine_substitutions(World())) == used
    for logical_id, directory in FUNCTIONS.items():
        function = resources[logical_id]["Properties"]
        assert function["CodeUri"] == f"functions/{directory}/"
        assert f"{logical_id}LogGroup" in resources


def test_the_freshness_monitor_runs_on_a_schedule_with_a_failure_destination() -> None:
    function = template()["Resources"]["FreshnessFunction"]["Properties"]

    [event] = function["Events"].values()
    assert event["Type"] == "Schedule" and event["Properties"]["Schedule"].startswith("rate(")
    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
