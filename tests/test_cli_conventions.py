"""What every `sluice` command shares: `--version`, and usage errors reported by the sub-command."""

from __future__ import annotations

import json

import pytest

from sluice.cli import main
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
