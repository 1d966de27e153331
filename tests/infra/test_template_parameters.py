"""The tunables the foundation issue asks for are template parameters, and are actually used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sluice.local import LocalStack
from sluice.local.template.yaml_loader import load_template_file

ROOT = Path(__file__).resolve().parents[2]


def _template() -> dict[str, Any]:
    loaded: dict[str, Any] = load_template_file(ROOT / "template.yaml")
    return loaded


def test_stage_and_tunables_are_parameters() -> None:
    parameters = _template()["Parameters"]
    for name in ("Stage", "AlertEmail", "IdempotencyTtlSeconds", "KinesisBatchSize", "LogRetentionInDays"):
        assert name in parameters, name


def test_kinesis_batch_size_reaches_the_event_source() -> None:
    events = _template()["Resources"]["StreamFunction"]["Properties"]["Events"]
    (kinesis,) = [event for event in events.values() if event["Type"] == "Kinesis"]
    assert kinesis["Properties"]["BatchSize"] == {"Ref": "KinesisBatchSize"}


def test_a_parameter_override_reaches_the_functions() -> None:
    with LocalStack.from_template(ROOT / "template.yaml", parameters={"Stage": "qa"}) as stack:
        invocation = stack.invoke("FreshnessFunction", {"source": "aws.events", "detail-type": "Scheduled Event"})
        assert "Sluice/qa" in invocation.logs  # POWERTOOLS_METRICS_NAMESPACE: !Sub Sluice/${Stage}
