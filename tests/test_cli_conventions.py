"""What every `sluice` command shares: `--version`, and usage errors reported by the sub-command."""

from __future__ import annotations

import pytest

from sluice.cli import main


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
