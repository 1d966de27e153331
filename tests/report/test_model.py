"""The report's reading of executions (outcomes, retries, children, iterations), of a local trace
(where dropped objects ended up) and the page's safety (escaping, CSP, no network)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from sluice.asl import Engine
from sluice.cli import main
from sluice.local.trace import FAILED, Trace
from sluice.report import from_engine, render_page
from sluice.report.assets import SCRIPT
from sluice.report.model import CANCELLED, CAUGHT, NOT_RUN, PUBLISHED, QUARANTINED, RETRIED, SUCCEEDED
from sluice.report.objects import object_fates

from .conftest import HOSTILE, UNSEEN


def run_unseen(engine: Engine) -> list[str]:
    execution = engine.run(UNSEEN, {"items": [1, 2]})
    assert (execution.status, execution.error) == ("FAILED", "Demo.GaveUp")
    return [execution.arn]


def test_each_state_gets_its_outcome(unseen_engine: Engine) -> None:
    arns = run_unseen(unseen_engine)
    [report] = from_engine(unseen_engine, arns, "unseen").executions

    outcomes = {name: state.outcome for name, state in report.states.items()}
    assert outcomes == {
        "Fan": SUCCEEDED, "Work": RETRIED, "Both": CAUGHT, "Left": SUCCEEDED, "Right": "failed",
        "Nested": CAUGHT, "Verdict": SUCCEEDED, "Done": NOT_RUN, "Gave up": "failed",
    }
    assert report.problem is not None and report.problem.error == "Demo.GaveUp"
    assert report.states["Gave up"].problems[0].cause == "the nested workflow failed"


def test_a_branch_stopped_by_its_siblings_failure_is_cancelled_and_the_failure_stays_failed() -> None:
    # AWS records `WaitStateAborted` for the branch still waiting and `TaskStateAborted` for the failed
    # Task too (after its TaskFailed); the console shows the first "Cancelled" and the second "Failed".
    def boom(event: object, context: object) -> None:
        raise RuntimeError("boom")

    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Linger", "States": {"Linger": {"Type": "Wait", "Seconds": 60, "End": True}}},
        {"StartAt": "Explode", "States": {"Explode": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:boom", "End": True}}},
    ]}}}
    with Engine(functions={"boom": boom}) as engine:
        execution = engine.run(engine.create_state_machine("m", definition), {})
        assert "WaitStateAborted" in [event["type"] for event in execution.history]
        built = from_engine(engine, [execution.arn], "aborted")
    [report] = built.executions
    outcomes = {name: state.outcome for name, state in report.states.items()}
    assert outcomes == {"Both": "failed", "Linger": CANCELLED, "Explode": "failed"}
    assert re.search(r'<details class="state st-cancelled" [^>]*data-state="Linger"', render_page(built))


def test_retries_are_counted_per_map_iteration_even_when_iterations_interleave(unseen_engine: Engine) -> None:
    arns = run_unseen(unseen_engine)
    [report] = from_engine(unseen_engine, arns, "unseen").executions

    visits = report.states["Work"].visits
    # Two items side by side: each visit made its own three calls, the first two failed (AWS retries
    # within the iteration: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
    assert [[attempt.ok for attempt in visit.attempts] for visit in visits] == [[False, False, True]] * 2
    assert [visit.attempts[0].input for visit in visits] == ["1", "2"]
    assert [attempt.problem.error for attempt in visits[0].attempts[:2] if attempt.problem] == ["RuntimeError"] * 2
    assert [(item.label, item.status) for item in report.iterations] == [("index 0", "SUCCEEDED"),
                                                                          ("index 1", "SUCCEEDED")]


def test_a_nested_sync_execution_is_a_child_of_the_state_that_started_it(unseen_engine: Engine) -> None:
    arns = run_unseen(unseen_engine)
    [parent] = from_engine(unseen_engine, arns, "unseen").executions

    [child] = parent.children
    assert (child.parent, child.parent_state, child.status) == (parent.anchor, "Nested", "FAILED")
    assert child.states["Check"].outcome == "failed"
    assert parent.states["Nested"].visits[0].children == [child.arn]
    assert HOSTILE in (child.states["Check"].problems[0].cause or "")


def test_the_page_escapes_execution_data_and_runs_only_its_own_script(unseen_engine: Engine) -> None:
    arns = run_unseen(unseen_engine)
    page = render_page(from_engine(unseen_engine, arns, "<b>unseen</b>"))

    assert HOSTILE not in page and "<b>unseen</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=https://evil.example/x.png&gt;" in page
    assert page.count("<script") == 1 and "<img" not in page
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page and "default-src 'none'" in page
    own = page.replace("https://evil.example/x.png", "")  # the hostile data, shown as text
    assert not re.search(r"https?://", own), "the page names no URL of its own (no CDN, no namespace URL)"
    assert not re.search(r"""(?:src|href)=["'](?!#)""", page), "every link stays inside the page"


def test_execute_writes_a_report_and_a_bad_path_is_a_usage_error(tmp_path: Path) -> None:
    definition = tmp_path / "caught.asl.json"
    definition.write_text(json.dumps({"StartAt": "Try", "States": {
        "Try": {"Type": "Parallel", "Branches": [{"StartAt": "Boom", "States": {
            "Boom": {"Type": "Fail", "Error": "Demo.Boom", "Cause": "on purpose"}}}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recovered"}], "End": True},
        "Recovered": {"Type": "Succeed"}}}))
    page = tmp_path / "report.html"

    assert main(["execute", str(definition), "--no-trace", "--report", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert re.search(r'<details class="state st-caught" id="x1-s\d+" data-state="Try"', html)
    assert "Demo.Boom" in html and "on purpose" in html
    assert main(["execute", str(definition), "--report", str(tmp_path / "missing" / "r.html")]) == 2


def test_object_fates_say_where_each_dropped_object_ended_up() -> None:
    trace = Trace(clock=lambda: 0.0)
    good = trace.record("call", "s3 PutObject RawBucket/in/good.csv", root=True)
    with trace.within(good):
        invoke = trace.record("invoke", "IngestFunction")
        trace.record("call", "s3 PutObject StagingBucket/tmp/part-0.jsonl", parent=invoke)
        trace.record("call", "s3 PutObject CuratedBucket/orders/part-0.jsonl", parent=invoke)
    bad = trace.record("call", "s3 PutObject RawBucket/in/bad.csv", root=True)
    with trace.within(bad):
        invoke = trace.record("invoke", "IngestFunction", status=FAILED)
        trace.record("call", "s3 CopyObject QuarantineBucket/q/bad.csv", parent=invoke)
        trace.record("call", "s3 PutObject QuarantineBucket/q/reason.json", parent=invoke)
    unheard = trace.record("call", "s3 PutObject RawBucket/elsewhere/x.bin", root=True)
    stored = {("CuratedBucket", "orders/part-0.jsonl"): b"{}", ("QuarantineBucket", "q/bad.csv"): b"x",
              ("QuarantineBucket", "q/reason.json"): b'{"reason": {"code": "schema_violation"}}'}

    fates = object_fates([good, bad, unheard], read_object=lambda bucket, key: stored.get((bucket, key)))

    assert [(fate.key, fate.outcome) for fate in fates] == [
        ("in/good.csv", PUBLISHED), ("in/bad.csv", QUARANTINED), ("elsewhere/x.bin", "ignored")]
    assert [(write.bucket, write.exists) for write in fates[0].writes] == [("StagingBucket", False),
                                                                           ("CuratedBucket", True)]
    assert json.loads(fates[1].reason or "{}") == {"reason": {"code": "schema_violation"}}
