"""Small builders shared by engine tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Vendored from shared/conformance (see data/CONFORMANCE-README.md): executions recorded against AWS.
CORPUS = Path(__file__).parent / "data" / "asl-aws-recorded.jsonl"
# The same for Task states that call Lambda; each case ships its functions' Python source.
LAMBDA_CORPUS = Path(__file__).parent / "data" / "asl-aws-recorded-lambda.jsonl"


def lambda_arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:{name}"


def parallel(*branches: dict[str, Any]) -> dict[str, Any]:
    """A definition whose only state is a Parallel of `branches`."""
    return {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": list(branches)}}}
