"""The AWS-recorded Lambda corpus (vendored from shared/conformance): every case must pass, with the
functions loaded from the case's own source, and the comparison must stay honest.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from sluice.conformance import Outcome, compare, run_case
from tests.asl.helpers import LAMBDA_CORPUS

CASES = [json.loads(line) for line in LAMBDA_CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[case["id"].split("::")[-1] for case in CASES])
def test_recorded_lambda_case_matches_aws(case: dict[str, Any]) -> None:
    result = run_case(case)
    assert result.passed, f"{case['id']}: {result.detail}"


def _outcome(output: Any) -> Outcome:
    return Outcome("SUCCEEDED", output, None, None, "role", "exec", "machine")


def _case(output: Any) -> dict[str, Any]:
    return {"id": "c", "expected": {"status": "SUCCEEDED", "output": output}}


RECORDED_CAUSE = '{"errorMessage":"boom","errorType":"Exception","requestId":"<uuid:1>","stackTrace":[]}'


def test_a_placeholder_inside_a_text_stands_for_the_value_it_replaced() -> None:
    cause = RECORDED_CAUSE.replace("<uuid:1>", str(uuid.uuid4()))
    assert compare(_case({"Cause": RECORDED_CAUSE}), _outcome({"Cause": cause})) is None


def test_the_text_around_a_placeholder_must_still_match_exactly() -> None:
    # The separators AWS used are part of what is recorded: a wildcard does not excuse them.
    spaced = json.dumps(json.loads(RECORDED_CAUSE.replace("<uuid:1>", str(uuid.uuid4()))))
    assert compare(_case({"Cause": RECORDED_CAUSE}), _outcome({"Cause": spaced})) is not None


def test_a_value_masked_by_its_key_name_matches_any_value() -> None:
    # LocalStack's key_value transformer replaced e.g. the request id header by the key's name.
    recorded = {"RequestId": "RequestId", "Date": "date", "x-amzn-RequestId": "x-amzn-RequestId"}
    ours = {"RequestId": "r-1", "Date": ["Thu, 06 Nov 2025 12:34:01 GMT"], "x-amzn-RequestId": ["r-1"]}
    assert compare(_case(recorded), _outcome(ours)) is None
    assert compare(_case({"Status": "done"}), _outcome({"Status": "status"})) is not None
