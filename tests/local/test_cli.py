"""`sluice invoke` and `sluice drop`, run in-process through the CLI entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sluice.cli import main
from tests.runtime.moto_stack import ROOT

from .conftest import PIPELINE

EVENT = PIPELINE.parent / "events" / "object_created.json"
TEMPLATE = ["--template", str(PIPELINE)]


def test_invoke_prints_the_response_and_logs_separately(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["invoke", "IngestFunction", "-e", str(EVENT), *TEMPLATE])
    out, err = capsys.readouterr()
    assert code == 0
    response = json.loads(out)
    assert response["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:execution:Pipeline-")
    assert '"key": "in/example.csv"' in err and "START RequestId:" in err and "REPORT RequestId:" in err
    assert "START" not in out


def test_invoke_reads_the_event_from_stdin(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"fail": false, "rule": "manual"}'))
    assert main(["invoke", "FlakyFunction", "-e", "-", *TEMPLATE]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "rule": "manual"}


def test_invoke_exits_1_with_the_error_payload_when_the_handler_raises(capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"fail": true}'))
    assert main(["invoke", "FlakyFunction", "-e", "-", *TEMPLATE]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["errorType"] == "RuntimeError" and payload["errorMessage"].startswith("failing as asked")


def test_parameter_overrides_and_env_vars(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    env_vars = tmp_path / "env.json"
    env_vars.write_text(json.dumps({"TransformFunction": {"OUTPUT_PREFIX": "override/", "UNDECLARED": "x"}}))
    event = {"bucket": "nope", "key": "in/a.csv"}
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    code = main(["invoke", "TransformFunction", "-e", str(event_file), "--env-vars", str(env_vars),
                 "--parameter-overrides", "Stage=dev", *TEMPLATE])
    out, err = capsys.readouterr()
    assert code == 1  # the bucket "nope" does not exist: NoSuchBucket
    assert json.loads(out)["errorType"] == "NoSuchBucket"
    assert "does not declare UNDECLARED" in err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["invoke", "Nope"], "function 'Nope' is not in the template (functions: AuditFunction, FlakyFunction"),
        (["invoke", "IngestFunction", "-e", "missing.json"], "cannot read the event file missing.json"),
        (["invoke", "IngestFunction", "--parameter-overrides", "Stage=prod"], "not one of the AllowedValues"),
        (["invoke", "IngestFunction", "--parameter-overrides", "Stage=dev Colour=red"],
         "Colour are not declared in Parameters"),
        (["invoke"], "name the function to invoke"),
        (["drop", "missing.csv", "s3://RawBucket/in/"], "missing.csv is not a file"),
        (["drop", str(EVENT), "RawBucket/in/"], "must look like s3://BUCKET/KEY"),
        (["drop", str(EVENT), "s3://Nope/in/"], "no bucket 'Nope' in the template"),
    ],
)
def test_clear_errors_exit_2(capsys: pytest.CaptureFixture[str], arguments: list[str], message: str) -> None:
    assert main([*arguments, *TEMPLATE]) == 2
    assert message in capsys.readouterr().err


def test_invalid_event_json_names_the_position(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"detail": }')
    assert main(["invoke", "IngestFunction", "-e", str(bad), *TEMPLATE]) == 2
    assert "is not valid JSON: Expecting value (line 1, column 12)" in capsys.readouterr().err


def test_drop_prints_the_chain(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "orders.csv"
    data.write_bytes(b"id,amount\n1,9.5\n")
    assert main(["drop", str(data), "s3://RawBucket/in/", *TEMPLATE]) == 0
    out = capsys.readouterr().out
    for expected in ("s3 PutObject RawBucket/in/orders.csv", "Object Created", "rule IngestFunctionCsvArrived",
                     "λ IngestFunction", "dynamodb PutItem SeenTable", "execution Pipeline-", "SUCCEEDED",
                     "◆ Transform", "λ TransformFunction", "◆ MarkDone", "outputs written",
                     "s3 PutObject OutBucket/curated/orders.json"):
        assert expected in out


def test_drop_exits_1_when_something_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "empty.csv"
    data.write_bytes(b"id,amount\n")
    assert main(["drop", str(data), "s3://RawBucket/in/empty.csv", *TEMPLATE]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_drop_to_a_key_s3_would_refuse_is_one_line_and_exit_code_2(capsys: pytest.CaptureFixture[str],
                                                                     tmp_path: Path) -> None:
    # S3 keys are at most 1,024 bytes of UTF-8 ("Naming Amazon S3 objects"); moto stored longer ones.
    data = tmp_path / "orders.csv"
    data.write_bytes(b"id,amount\n1,9.5\n")
    assert main(["drop", str(data), "s3://RawBucket/" + "é" * 513, *TEMPLATE]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing ran: the object was never written
    assert err.count("\n") == 1 and err.startswith(f"sluice: error: S3 refused {data} -> s3://RawBucket/")
    assert err.rstrip().endswith("KeyTooLongError: Your key is too long")


def test_drop_whose_upload_fails_is_one_line_and_exit_code_1(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    data = tmp_path / "orders.csv"
    data.write_bytes(b"id,amount\n1,9.5\n")
    faults = tmp_path / "faults.yaml"
    faults.write_text('api:\n  - {call: "s3:PutObject", error: SlowDown, params: {Key: in/orders.csv}}\n')
    assert main(["drop", str(data), "s3://RawBucket/in/", "--faults", str(faults), *TEMPLATE]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SlowDown: Please reduce your request rate." in err


def test_drop_json_summarises_executions_objects_written_and_inputs_set_aside(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "orders.csv"
    data.write_bytes(b"id,amount\n1,9.5\n")
    assert main(["drop", str(data), "s3://RawBucket/in/", "--json", *TEMPLATE]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] is True and summary["quarantined"] == []
    [execution] = summary["executions"]
    assert execution["status"] == "SUCCEEDED" and execution["error"] is None
    assert execution["stateMachineArn"].startswith("arn:aws:states:us-east-1:123456789012:stateMachine:Pipeline-")
    assert summary["written"]["OutBucket"] == ["curated/orders.json"]
    assert summary["objects"] == [{"bucket": "RawBucket", "key": "in/orders.csv", "outcome": "published",
                                   "reason": None}]


def test_drop_json_reports_a_failed_execution_with_its_error(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    data = tmp_path / "empty.csv"
    data.write_bytes(b"id,amount\n")
    assert main(["drop", str(data), "s3://RawBucket/in/empty.csv", "--json", *TEMPLATE]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] is False
    assert [(e["status"], bool(e["error"])) for e in summary["executions"]] == [("FAILED", True)]
    assert summary["objects"][0]["outcome"] == "failed"


def test_a_quarantined_input_is_shown_and_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Our template's ingest sets aside an object no pipeline claims (unknown_route): the function and
    # everything it called succeeded, but the input did not go through.
    data = tmp_path / "stray.csv"
    data.write_bytes(b"a,b\n1,2\n")
    drop = ["drop", str(data), "s3://RawBucket/elsewhere/stray.csv", "--template", str(ROOT / "template.yaml")]
    assert main(drop) == 1
    out = capsys.readouterr().out
    assert "✗ quarantined RawBucket/elsewhere/stray.csv: set aside as QuarantineBucket/quarantine/unknown_route/" in out
    assert main([*drop, "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    [quarantined] = summary["quarantined"]
    assert quarantined["key"] == "elsewhere/stray.csv" and "unknown_route" in quarantined["reason"]
    assert summary["ok"] is False and list(summary["written"]) == ["QuarantineBucket"]


def test_piped_output_is_not_wrapped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    name = "orders-" + "x" * 120 + ".csv"  # far past 80 columns once indented in the tree
    data = tmp_path / name
    data.write_bytes(b"id,amount\n1,9.5\n")
    assert main(["drop", str(data), "s3://RawBucket/in/", *TEMPLATE]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.endswith(f"s3 PutObject RawBucket/in/{name}") for line in lines)
    assert any(f"OutBucket/curated/{name.removesuffix('.csv')}.json" in line for line in lines)


def test_invoke_follow_exits_1_when_the_pipeline_it_started_failed(capsys: pytest.CaptureFixture[str]) -> None:
    # The event names in/example.csv in a bucket that does not exist: the handler returns (it only
    # starts the execution), then the execution's Transform fails with NoSuchBucket.
    assert main(["invoke", "IngestFunction", "-e", str(EVENT), *TEMPLATE]) == 0
    capsys.readouterr()
    assert main(["invoke", "IngestFunction", "-e", str(EVENT), "--follow", *TEMPLATE]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["executionArn"]  # the response is still the result on stdout
    assert "FAILED" in err and "NoSuchBucket" in err
