"""What every `sluice` command shares: `--version`, usage errors reported by the sub-command, stdout
for the result only, `--json`, and one exit-code convention (0 ok, 1 the run failed, 2 usage or input,
3 a bug in sluice, in one line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sluice.cli import COMMANDS, main
from sluice.commands._io import fail
from tests.runtime.moto_stack import ROOT


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("sluice 0.")


@pytest.mark.parametrize("command", ["execute", "drop", "chaos", "lint"])
def test_a_bad_flag_is_reported_with_the_sub_commands_usage_and_exit_code_2(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    arguments = {"execute": ["x.asl.json"], "drop": ["a.csv", "s3://B/k"], "chaos": [], "lint": []}[command]
    with pytest.raises(SystemExit) as exit_:
        main([command, *arguments, "--no-such-flag"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"usage: sluice {command}" in err and err.rstrip().endswith("unrecognized arguments: --no-such-flag")


def _execution_arn(capsys: pytest.CaptureFixture[str], *seed: str) -> str:
    definition = str(ROOT / "benchmarks" / "definitions" / "counter_loop.asl.json")
    assert main(["execute", definition, "--input", '{"n": 0, "limit": 1}', "--json", *seed]) == 0
    return str(json.loads(capsys.readouterr().out)["executionArn"])


def test_unnamed_executions_get_fresh_ids_unless_a_seed_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert _execution_arn(capsys) != _execution_arn(capsys)
    assert _execution_arn(capsys, "--seed", "7") == _execution_arn(capsys, "--seed", "7")


COUNTER = ROOT / "benchmarks" / "definitions" / "counter_loop.asl.json"
FILE_PIPELINE = ROOT / "statemachines" / "file_pipeline.asl.json"


@pytest.mark.parametrize("flags", [[], ["--json"]])
def test_execute_stdout_is_only_the_result_so_it_pipes_into_jq(flags: list[str]) -> None:
    # A real pipe, as `sluice execute … | jq` sees it: the trace and status line go to stderr.
    sluice = Path(sys.executable).with_name("sluice")
    result = subprocess.run([str(sluice), "execute", str(COUNTER), "--input", '{"n": 0, "limit": 2}', *flags],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert (parsed["output"] if flags else parsed) == {"n": 2, "limit": 2}
    if not flags:
        assert "TaskStateEntered" in result.stderr or "PassStateEntered" in result.stderr
        assert "SUCCEEDED in" in result.stderr


def test_execute_with_unresolved_substitutions_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["execute", str(FILE_PIPELINE)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1  # one line, no traceback
    assert "unresolved substitutions ${AlertsTopicArn}, ${FileChunkFunctionArn}" in err
    assert "sluice run <StateMachineLogicalId>" in err


def test_execute_of_an_invalid_definition_is_one_line_naming_every_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    definition = tmp_path / "bad.asl.json"
    definition.write_text(json.dumps({"Comment": 1, "StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}))
    assert main(["execute", str(definition)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, err
    assert err.startswith(f"sluice: error: invalid definition {definition}: Invalid State Machine Definition: ")
    assert "Field 'Comment' must be a string at /Comment" in err and "Missing 'Next' target: B" in err


def test_an_error_message_with_line_breaks_is_folded_onto_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert fail("cannot parse template.yaml:\n  line 3\n\n    ^ here") == 2
    assert capsys.readouterr().err == "sluice: error: cannot parse template.yaml: line 3 ^ here\n"


def test_validate_reports_unresolved_substitutions_as_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FILE_PIPELINE), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    [file] = report["files"]
    validate = next(d for d in file["diagnostics"] if d["state"] == "Validate")
    assert validate == {"code": "UNRESOLVED_SUBSTITUTION", "severity": "error", "path": "/States/Validate/Resource",
                        "state": "Validate", "message": validate["message"]}
    assert validate["message"].startswith("${FileValidateFunctionArn} is a DefinitionSubstitutions placeholder")
    assert {d["code"] for d in file["diagnostics"]} == {"UNRESOLVED_SUBSTITUTION"}


def test_validate_json_gives_each_files_validity_and_diagnostics(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.asl.json", tmp_path / "bad.asl.json"
    good.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}))
    bad.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}))
    assert main(["validate", str(good), str(bad), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert report["files"][0] == {"path": str(good), "valid": True, "diagnostics": []}
    assert report["files"][1]["valid"] is False
    assert [d["code"] for d in report["files"][1]["diagnostics"]] == ["MISSING_TRANSITION_TARGET", "MISSING_END_STATE"]


@pytest.mark.slow
def test_demo_json_lists_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--template", str(ROOT / "template.yaml"), "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)  # the steps' progress went to stderr
    assert "▶ 1." in err
    assert report["ok"] is True and len(report["checks"]) >= 10
    assert set(report["checks"][0]) == {"step", "expectation", "ok", "detail"}


# Every command, given a file that is not there: one line on stderr, nothing on stdout, exit code 2.
MISSING = {
    "execute": ["execute", "missing.asl.json"],
    "validate": ["validate", "missing.asl.json"],
    "validate --json": ["validate", "missing.asl.json", "--json"],
    "graph": ["graph", "missing.asl.json"],
    "lint": ["lint", "missing.asl.json"],
    "cost": ["cost", "missing.asl.json"],
    "conformance": ["conformance", "missing.jsonl"],
    "demo": ["demo", "--template", "missing.yaml"],
    "chaos": ["chaos", "--template", "missing.yaml"],
    "invoke": ["invoke", "IngestFunction", "--template", "missing.yaml"],
    "invoke event": ["invoke", "IngestFunction", "-e", "missing.json", "--template", str(ROOT / "template.yaml")],
    "drop": ["drop", "missing.csv", "s3://RawBucket/in/", "--template", str(ROOT / "template.yaml")],
    "drop template": ["drop", str(FILE_PIPELINE), "s3://RawBucket/in/", "--template", "missing.yaml"],
}


@pytest.mark.parametrize("case", MISSING)
def test_a_missing_file_is_one_line_and_exit_code_2_for_every_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: str
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing named missing.* here
    assert main(MISSING[case]) == 2
    progress, _ = said_one_error(capsys, case)
    assert progress == []


def said_one_error(capsys: pytest.CaptureFixture[str], case: str) -> tuple[list[str], str]:
    """The lines said before the error, and the one `sluice: error:` line, last; stdout holds nothing (or,
    for `validate --json`, the report of the invalid file)."""
    out, err = capsys.readouterr()
    if case == "validate --json":
        assert json.loads(out)["files"][0]["valid"] is False
    else:
        assert out == ""
    *progress, error = err.splitlines()
    assert error.startswith("sluice: error:") and not any("error" in line for line in progress), err
    return progress, error


# The same commands, given a file that is there but cannot be read as what it should be: bytes that are
# not UTF-8, or JSON/YAML holding a number longer than Python reads (found by the bad-input campaign:
# both came out as tracebacks).
# (`sluice lint` reports a definition it cannot load as a finding instead: the next test. `sluice demo`
# first asks for its sample files beside the template.)
UNREADABLE = {case: [arg.replace("missing", "bad") for arg in argv] for case, argv in MISSING.items()
              if not case.startswith(("drop", "lint", "demo"))}
UNREADABLE["drop template"] = ["drop", str(FILE_PIPELINE), "s3://RawBucket/in/", "--template", "bad.yaml"]
LONG = "9" * 5000
CONTENTS = {
    "not UTF-8": {".json": b'{"a": "\xff"}', ".jsonl": b"\xff\n", ".yaml": b"Resources: \xff\n"},
    "a 5000-digit number": {
        ".json": f'{{"StartAt": "A", "States": {{"A": {{"Type": "Pass", "Result": {LONG}, "End": true}}}}}}'.encode(),
        ".jsonl": f'{{"name": "x", "n": {LONG}}}\n'.encode(),
        ".yaml": f"Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata: {{n: {LONG}}}\n".encode(),
    },
}


@pytest.mark.parametrize("content", CONTENTS)
@pytest.mark.parametrize("case", UNREADABLE)
def test_a_file_that_cannot_be_read_is_one_line_and_exit_code_2_for_every_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: str, content: str
) -> None:
    monkeypatch.chdir(tmp_path)
    for suffix, data in CONTENTS[content].items():
        name = "bad.asl.json" if suffix == ".json" and "-e" not in UNREADABLE[case] else f"bad{suffix}"
        Path(name).write_bytes(data)
    assert main(UNREADABLE[case]) == 2
    _, error = said_one_error(capsys, case)  # `sluice chaos` first says which seed it runs
    assert ("not UTF-8" if content == "not UTF-8" else "longer than the 4300") in error


@pytest.mark.parametrize("content", CONTENTS)
def test_lint_reports_a_definition_it_cannot_read_as_a_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str
) -> None:
    path = tmp_path / "bad.asl.json"
    path.write_bytes(CONTENTS[content][".json"])
    assert main(["lint", str(path), "--format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["rule"] == "definition-invalid"
    assert ("not UTF-8" if content == "not UTF-8" else "longer than the 4300") in finding["message"]


def test_output_holding_a_lone_surrogate_is_written_as_its_escape(tmp_path: Path) -> None:
    # JSON can escape a lone surrogate; UTF-8 cannot encode it, and printing the result used to fail the
    # command after the execution had succeeded.
    definition = tmp_path / "m.asl.json"
    definition.write_text('{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "a\\ud800b", "End": true}}}')
    sluice = Path(sys.executable).with_name("sluice")
    result = subprocess.run([str(sluice), "execute", str(definition)], capture_output=True, check=False,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "a\ud800b"


def test_a_bug_is_said_in_one_line_with_exit_code_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sluice.commands.validate  # noqa: PLC0415

    def broken(_: object) -> int:
        raise KeyError("a bug")

    monkeypatch.delenv("SLUICE_DEBUG")
    monkeypatch.setattr(sluice.commands.validate, "run", broken)
    assert main(["validate", "x.asl.json"]) == 3
    assert capsys.readouterr().err == (
        "sluice: error: internal error, a bug in sluice (KeyError: 'a bug'); SLUICE_DEBUG=1 shows the traceback\n")
    monkeypatch.setenv("SLUICE_DEBUG", "1")
    with pytest.raises(KeyError, match="a bug"):
        main(["validate", "x.asl.json"])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_commands_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    help_text = capsys.readouterr().out
    assert "exit codes:" in help_text
    for line in ("0  ok", "1  the run or pipeline failed", "2  usage or input error", "3  internal error"):
        assert line in help_text


@pytest.mark.parametrize(("command", "port", "said"), [
    ("up", "99999", "a port is 0 to 65535, not 99999"),
    ("serve", "-5", "a port is 0 to 65535, not -5"),
    ("serve", "x", "'x' is not a port number"),
])
def test_a_port_out_of_range_is_a_usage_error(capsys: pytest.CaptureFixture[str], command: str, port: str,
                                              said: str) -> None:
    # Found by the CLI campaign: the socket's OverflowError came out as a traceback.
    with pytest.raises(SystemExit) as exit_:
        main([command, "--port", port])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.rstrip().endswith(f"sluice {command}: error: argument --port: {said}")


def test_state_of_an_endpoint_that_is_not_a_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["state", "--endpoint", "garbage"]) == 2
    assert capsys.readouterr().err == ("sluice: error: --endpoint must be the http:// URL `sluice up` printed, "
                                       "not 'garbage'\n")

