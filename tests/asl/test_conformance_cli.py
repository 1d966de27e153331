"""`sluice conformance` over several corpus files at once (results, Lambda cases, histories), and
one-line errors for files that are not there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sluice.cli import main
from tests.asl.helpers import CORPUS, LAMBDA_CORPUS

HISTORIES = Path(__file__).parent / "data" / "asl-aws-histories.jsonl"


def _subset(source: Path, target: Path, count: int) -> list[str]:
    """The first `count` cases of `source` that have a recorded history, written to `target`."""
    recorded = {json.loads(line)["id"] for line in HISTORIES.read_text(encoding="utf-8").splitlines() if line}
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if json.loads(line)["id"] in recorded]
    target.write_text("\n".join(lines[:count]) + "\n", encoding="utf-8")
    return [json.loads(line)["id"] for line in lines[:count]]


@pytest.fixture
def corpora(tmp_path: Path) -> tuple[Path, Path, Path, list[str]]:
    results, lambdas, histories = tmp_path / "results.jsonl", tmp_path / "lambda.jsonl", tmp_path / "histories.jsonl"
    ids = _subset(CORPUS, results, 2) + _subset(LAMBDA_CORPUS, lambdas, 2)
    histories.write_text(
        "\n".join(line for line in HISTORIES.read_text(encoding="utf-8").splitlines() if json.loads(line)["id"] in ids),
        encoding="utf-8",
    )
    return results, lambdas, histories, ids


def test_results_and_lambda_cases_are_scored_together_with_their_histories(
    corpora: tuple[Path, Path, Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    results, lambdas, histories, _ = corpora
    assert main(["conformance", str(results), str(lambdas), "--histories", str(histories)]) == 0
    out = capsys.readouterr().out
    assert "4/4 cases pass" in out
    assert f"{results}: 2/2" in out and f"{lambdas}: 2/2" in out
    # The Lambda cases' histories have their case: none is left unscored.
    assert "4/4 histories identical" in out and "NO CASE" not in out


def test_the_json_report_counts_every_corpus(
    corpora: tuple[Path, Path, Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    results, lambdas, histories, ids = corpora
    assert main(["conformance", str(results), str(lambdas), "--histories", str(histories), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["total"], report["passed"], report["failed"]) == (4, 4, [])
    assert report["histories"]["total"] == len(ids) and report["histories"]["missing_cases"] == []


@pytest.mark.parametrize("missing", ["corpus", "histories"])
def test_a_missing_file_is_one_line_exit_2_before_any_case_runs(
    corpora: tuple[Path, Path, Path, list[str]], capsys: pytest.CaptureFixture[str], tmp_path: Path, missing: str
) -> None:
    results = corpora[0]
    nowhere = tmp_path / "nowhere.jsonl"
    args = ["conformance", str(results), str(nowhere)] if missing == "corpus" else [
        "conformance", str(results), "--histories", str(nowhere)]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing ran: the first file's cases were not reported either
    assert err == f"sluice: error: cannot read corpus file '{nowhere}': No such file or directory\n"


@pytest.mark.parametrize(("line", "said"), [
    ("[]", "2: not a JSON object: list"),
    ('{"definition": {}, "expected": {}}', "2: the case has no id"),
    ('{"id": "x", "definition": {}}', "2: the case has no expected"),
])
def test_a_line_that_is_not_a_case_is_named_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        line: str, said: str) -> None:
    # Found by the bad-input campaign: such a line raised KeyError or AttributeError out of the command.
    corpus = tmp_path / "cases.jsonl"
    first = CORPUS.read_text(encoding="utf-8").splitlines()[0]
    corpus.write_text(f"{first}\n{line}\n", encoding="utf-8")
    assert main(["conformance", str(corpus)]) == 2
    assert capsys.readouterr().err == f"sluice: error: {corpus}:{said}\n"


def test_a_corpus_with_no_case_to_run_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Found by the CLI campaign: an empty corpus scored "0/0 cases pass" with exit code 0.
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    assert main(["conformance", str(empty)]) == 2
    assert capsys.readouterr().err == f"sluice: error: {empty}: no cases to run\n"
    assert main(["conformance", str(CORPUS), "--case", "no-such-case"]) == 2
    assert capsys.readouterr().err == f"sluice: error: no case of {CORPUS} matches --case\n"


def test_a_history_line_without_its_events_is_named(corpora: tuple[Path, Path, Path, list[str]],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    results, _, histories, ids = corpora
    histories.write_text(json.dumps({"id": ids[0]}) + "\n", encoding="utf-8")
    assert main(["conformance", str(results), "--histories", str(histories)]) == 2
    assert capsys.readouterr().err.endswith(f"sluice: error: {histories}:1: the case has no events\n")
