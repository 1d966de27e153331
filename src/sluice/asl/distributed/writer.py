"""`ResultWriter`: what a Distributed Map does with its child workflows' results.

`WriterConfig.Transformation` shapes each result: `NONE` — the child execution's record
(`ExecutionArn`, `Input`, `Output` as JSON text, `Status`, dates …; the default when writing to
S3), `COMPACT` — the child's output (the default otherwise), `FLATTEN` — outputs that are arrays
spliced into one list. A failed child is always reported as its record. `OutputType` is `JSON`
(an array) or `JSONL` (one result per line).

With `Resource: arn:aws:states:::s3:putObject` and `Parameters: {Bucket, Prefix}` the results are
exported the way AWS lays them out: `<Prefix>/<map run id>/SUCCEEDED_0.json`, `FAILED_0.json` and
a `manifest.json` listing them, and the Map's result is `{MapRunArn, ResultWriterDetails: {Bucket,
Key}}` (the manifest). With only `WriterConfig` the transformed results are the Map's result.
An S3 failure fails the Map with `States.ResultWriterFailed`.

Example:
    "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                     "Parameters": {"Bucket": "results", "Prefix": "runs"},
                     "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"}}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sluice.asl.clock import iso_timestamp
from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.frame import Frame
from sluice.asl.payload import evaluate_jsonata, evaluate_parameters, jsonata_states

PUT_OBJECT = "arn:aws:states:::s3:putObject"


@dataclass(frozen=True)
class ChildRun:
    """One child workflow execution of a Map Run, as the result files describe it."""

    name: str
    arn: str
    input: Any
    succeeded: bool
    value: Any  # its output, or `{Error, Cause}`
    start: float
    stop: float


async def write_results(writer: dict[str, Any], runs: Sequence[ChildRun], map_run_arn: str,
                        state_input: tuple[Any, Any], frame: Frame, *, jsonata: bool, child_type: str) -> Any:
    """The Map's result after `ResultWriter` has done its work; `state_input` is (the input its
    JSONPath fields read, the raw state input)."""
    source, raw = state_input
    config = writer.get("WriterConfig", {})
    exporting = "Resource" in writer
    transformation = config.get("Transformation", "NONE" if exporting else "COMPACT")
    output_type = config.get("OutputType", "JSON")
    if transformation not in ("NONE", "COMPACT", "FLATTEN") or output_type not in ("JSON", "JSONL"):
        raise StatesError(ErrorName.RESULT_WRITER_FAILED,
                          f"Unsupported WriterConfig: Transformation {transformation}, OutputType {output_type}")
    machine_arn = frame.runtime.state_machine_arn
    succeeded = _shape([run for run in runs if run.succeeded], transformation, machine_arn, child_type)
    failed = [_record(run, machine_arn, child_type) for run in runs if not run.succeeded]
    if not exporting:
        return _shape(list(runs), transformation, machine_arn, child_type)
    if writer.get("Resource") != PUT_OBJECT:
        raise StatesError(ErrorName.RESULT_WRITER_FAILED, f"Unsupported ResultWriter resource '{writer['Resource']}'")
    if jsonata:
        parameters = evaluate_jsonata(writer.get("Arguments", {}), jsonata_states(frame, raw), frame, "Arguments")
    else:
        parameters = evaluate_parameters(writer.get("Parameters", {}), source, frame)
    if not isinstance(parameters, dict) or not isinstance(parameters.get("Bucket"), str):
        raise StatesError(ErrorName.RESULT_WRITER_FAILED, "ResultWriter parameters need a Bucket")
    bucket = parameters["Bucket"]
    prefix = str(parameters.get("Prefix", ""))
    folder = f"{prefix.rstrip('/')}/" if prefix else ""
    folder += f"{map_run_arn.rsplit(':', 1)[1]}/"
    extension = "json" if output_type == "JSON" else "jsonl"
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    try:
        for status, results in (("SUCCEEDED", succeeded), ("FAILED", failed)):
            if results:
                key = f"{folder}{status}_0.{extension}"
                body = _serialise(results, output_type)
                await _put(frame, bucket, key, body)
                files[status].append({"Key": key, "Size": len(body.encode())})
        manifest_key = f"{folder}manifest.json"
        manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": files}
        await _put(frame, bucket, manifest_key, json.dumps(manifest))
    except StatesError as failure:
        raise StatesError(ErrorName.RESULT_WRITER_FAILED, failure.cause or failure.error) from None
    return {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}


def _shape(runs: list[ChildRun], transformation: str, machine_arn: str, child_type: str) -> list[Any]:
    if transformation == "NONE":
        return [_record(run, machine_arn, child_type) for run in runs]
    shaped: list[Any] = []
    for run in runs:
        if not run.succeeded:
            shaped.append(_record(run, machine_arn, child_type))
        elif transformation == "FLATTEN" and isinstance(run.value, list):
            shaped.extend(run.value)
        else:
            shaped.append(run.value)
    return shaped


def _record(run: ChildRun, machine_arn: str, child_type: str) -> dict[str, Any]:
    """A child execution as the result files list it (payloads as JSON text)."""
    record: dict[str, Any] = {}
    if not run.succeeded:
        if run.value.get("Error") is not None:
            record["Error"] = run.value["Error"]
        if run.value.get("Cause") is not None:
            record["Cause"] = run.value["Cause"]
    record |= {"ExecutionArn": run.arn, "Input": _compact(run.input), "InputDetails": {"Included": True},
               "Name": run.name}
    if run.succeeded:
        record |= {"Output": _compact(run.value), "OutputDetails": {"Included": True}}
    if child_type == "STANDARD":
        record |= {"RedriveCount": 0,
                   "RedriveStatus": "NOT_REDRIVABLE" if run.succeeded else "REDRIVABLE_BY_MAP_RUN"}
        if run.succeeded:
            record["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
    record |= {"StartDate": iso_timestamp(run.start), "StateMachineArn": machine_arn,
               "Status": "SUCCEEDED" if run.succeeded else "FAILED", "StopDate": iso_timestamp(run.stop)}
    return record


def _serialise(results: list[Any], output_type: str) -> str:
    if output_type == "JSONL":
        return "".join(_compact(result) + "\n" for result in results)
    return _compact(results)


async def _put(frame: Frame, bucket: str, key: str, body: str) -> None:
    runtime = frame.runtime
    await runtime.dispatcher.api_call(
        "s3", "putObject", {"Bucket": bucket, "Key": key, "Body": body},
        execution_arn=runtime.execution_arn, state_name=frame.state_name,
        request_id=f"{runtime.execution_arn}/{frame.state_name}/ResultWriter",
    )


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
