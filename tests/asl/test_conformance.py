"""The AWS-recorded conformance corpus (vendored from shared/conformance): every case must pass.

Each case id names the LocalStack AWS-validated test it came from, e.g.
`tests/aws/services/stepfunctions/v2/assign/test_assign_base.py::TestAssignBase::test_assign_in_choice[CONDITION_FALSE]`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sluice.conformance import run_case, run_corpus
from tests.asl.helpers import CORPUS

CASES = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[case["id"].split("::")[-1] for case in CASES])
def test_recorded_case_matches_aws(case: dict[str, Any]) -> None:
    result = run_case(case)
    assert result.passed, f"{case['id']}: {result.detail}"


def test_corpus_report_counts_features_and_failures(tmp_path: Path) -> None:
    broken = dict(CASES[0], id="deliberately-wrong", expected={"status": "SUCCEEDED", "output": {"x": 1}})
    corpus = tmp_path / "cases.jsonl"
    corpus.write_text("\n".join(json.dumps(case) for case in (CASES[1], broken)), encoding="utf-8")
    report = run_corpus(corpus).as_json()
    assert report["total"] == 2
    assert report["passed"] == 1
    assert report["failed"] == ["deliberately-wrong"]
    assert report["by_feature"]["Pass"]["total"] == 2
