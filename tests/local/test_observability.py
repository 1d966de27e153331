"""What the deployed handlers report: EMF metrics and correlated structured logs (Powertools)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sluice.local import LocalStack

ROOT = Path(__file__).resolve().parents[2]
ORDERS = (ROOT / "samples" / "orders.csv").read_bytes()


def _json_lines(logs: str) -> list[dict[str, Any]]:
    lines = []
    for line in logs.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return lines


def _metrics(lines: list[dict[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for line in lines:
        for directive in line.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in directive["Metrics"]:
                found[metric["Name"]] = (directive["Namespace"], line[metric["Name"]])
    return found


def test_a_new_object_emits_pipelines_started_and_a_duplicate_duplicates_skipped() -> None:
    with LocalStack.from_template(ROOT / "template.yaml") as stack:
        stack.put_object("RawBucket", "incoming/2024/06/11/orders.csv", ORDERS)
        stack.run_until_idle()
        first = stack.invocations("IngestFunction")[0]
        again = stack.invoke("IngestFunction", first.event)
        stack.run_until_idle()
        [execution] = stack.executions("FilePipelineStateMachine")

    started_lines = _json_lines(first.logs)
    assert _metrics(started_lines)["PipelinesStarted"][0] == "Sluice/dev"
    # Every log line of the invocation carries the execution name as its correlation id.
    correlated = [line for line in started_lines if line.get("correlation_id")]
    assert correlated
    assert {line["correlation_id"] for line in correlated} == {execution.name}
    assert "DuplicatesSkipped" in _metrics(_json_lines(again.logs))


def test_a_bad_route_is_counted_as_quarantined() -> None:
    with LocalStack.from_template(ROOT / "template.yaml") as stack:
        stack.put_object("RawBucket", "somewhere-else/file.bin", b"\x00")
        stack.run_until_idle()
        [invocation] = stack.invocations("IngestFunction")
    lines = _json_lines(invocation.logs)
    assert "Quarantined" in _metrics(lines)
    [logged] = [line for line in lines if line.get("reason") == "unknown_route"]
    assert logged["level"] == "ERROR"
    assert "somewhere-else/file.bin" in logged["message"]
