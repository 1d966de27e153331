"""Delivery faults: events delivered twice, at once, late, out of order; faults files and the CLI."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from sluice.cli import main
from sluice.local.faults import FaultError, load_plan, random_plan
from sluice.local.stack import LocalStack

from .conftest import PIPELINE

CSV = b"id,amount\n1,9.5\n"


def test_a_duplicated_s3_event_invokes_the_function_twice_with_distinct_request_ids(pipeline: LocalStack) -> None:
    pipeline.faults.duplicate("IngestFunction")
    pipeline.put_object("RawBucket", "in/a.csv", CSV)
    pipeline.run_until_idle()
    first, second = pipeline.invocations("IngestFunction")
    assert first.event == second.event and first.request_id != second.request_id
    assert len(pipeline.executions("Pipeline")) == 2  # the fixture's ingest is not idempotent: it shows


def test_concurrent_copies_arrive_at_the_same_instant_and_late_ones_later(pipeline: LocalStack) -> None:
    pipeline.faults.concurrent("FlakyFunction", copies=3)
    pipeline.faults.delay("FlakyFunction", 300.0)
    start = pipeline.clock.now()
    pipeline.invoke_async("FlakyFunction", {"n": 1})
    pipeline.invoke_async("FlakyFunction", {"n": 2})
    pipeline.run_until_idle()
    times = [(invocation.event["n"], round(invocation.started_at - start)) for invocation in
             pipeline.invocations("FlakyFunction")]
    assert times == [(1, 0), (1, 0), (1, 0), (2, 300)]


@pytest.mark.parametrize("order", ["reverse", "shuffle"])
def test_reordered_events_are_all_delivered_in_the_seeded_order(pipeline: LocalStack, order: str) -> None:
    pipeline.faults.reorder("FlakyFunction", window=10.0, order=order)  # type: ignore[arg-type]
    for n in range(5):
        pipeline.invoke_async("FlakyFunction", {"n": n})
    pipeline.run_until_idle()
    seen = [invocation.event["n"] for invocation in pipeline.invocations("FlakyFunction")]
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert seen == ([4, 3, 2, 1, 0] if order == "reverse" else pipeline.faults.injected[0].detail["order"])
    assert seen != [0, 1, 2, 3, 4]


FAULTS_YAML = """
api:
  - {call: "s3:PutObject", error: SlowDown, params: {Key: curated/a.json}}
functions:
  - {function: TransformFunction, effect: timeout}
deliveries:
  - {target: IngestFunction, effect: duplicate}
"""


def test_a_faults_file_configures_the_stack(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text(FAULTS_YAML)
    with LocalStack.from_template(PIPELINE, faults=path) as stack:
        stack.put_object("RawBucket", "in/a.csv", CSV)
        stack.run_until_idle()
        # `retried`: the Transform Task's Retry sent the PutObject that SlowDown failed again, same key and body.
        assert stack.faults.summary() == {"api": 1, "delivery": 1, "function": 1, "total": 3, "retried": 1}
        assert [execution.status for execution in stack.executions("Pipeline")] == ["SUCCEEDED", "SUCCEEDED"]


@pytest.mark.parametrize(("text", "message"), [
    ("api: [{call: 's3:PutObject', eror: SlowDown}]", r"faults.yaml: api.0.eror: Extra inputs are not permitted"),
    ("deliveries: [{target: X, effect: twice}]", r"faults.yaml: deliveries.0.effect: Input should be 'duplicate'"),
    ("api: [{call: 's3:PutObject'", r"faults.yaml: not valid YAML: "),
    ("functions: [{function: Nope, effect: crash, after: 's3:PutObject'}]", r"no function 'Nope' in the template"),
])
def test_a_bad_faults_file_is_refused_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text(text)
    with pytest.raises(FaultError, match=message) as raised:
        LocalStack.from_template(PIPELINE, faults=path)
    assert "\n" not in str(raised.value)


def test_random_plans_are_seeded() -> None:
    draw = {"calls": ["s3:PutObject", "dynamodb:PutItem"], "functions": ["IngestFunction"],
            "targets": ["IngestFunction"], "count": 6}
    assert random_plan(3, **draw) == random_plan(3, **draw)  # type: ignore[arg-type]
    assert random_plan(3, **draw) != random_plan(4, **draw)  # type: ignore[arg-type]
    assert load_plan(random_plan(3, **draw).model_dump()) == random_plan(3, **draw)  # type: ignore[arg-type]


def test_sluice_invoke_takes_a_faults_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "faults.json"
    path.write_text('{"functions": [{"function": "FlakyFunction", "effect": "error", "error_type": "Boom"}]}')
    code = main(["invoke", "FlakyFunction", "--template", str(PIPELINE), "--faults", str(path), "--no-config"])
    assert code == 1
    assert '"errorType": "Boom"' in capsys.readouterr().out
    path.write_text('{"functions": [{"function": "FlakyFunction", "effect": "explode"}]}')
    assert main(["invoke", "FlakyFunction", "--template", str(PIPELINE), "--faults", str(path)]) == 2
    assert "functions.0.effect" in capsys.readouterr().err


def test_a_retry_is_told_by_its_body_not_by_the_body_objects_address(pipeline: LocalStack) -> None:
    """Found by CI: a call was told apart by `repr` of its parameters, and a PutObject's Body is a
    `BytesIO` whose repr is its address - so whether the Task's retry counted as a retry depended on
    whether the new body happened to reuse the freed one's memory."""
    pipeline.faults.fail("s3:PutObject", "SlowDown", when=lambda params: params["Key"] == "k")
    s3 = pipeline.client("s3")
    bucket = pipeline.bucket("RawBucket")
    bodies = [io.BytesIO(body) for body in (b"same", b"same", b"other")]  # all alive: three addresses
    for body in bodies:
        with contextlib.suppress(s3.exceptions.ClientError):
            s3.put_object(Bucket=bucket, Key="k", Body=body)
    assert pipeline.faults.summary()["retried"] == 1  # the second call repeats the first; the third differs
