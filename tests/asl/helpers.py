"""Small builders shared by engine tests."""

from __future__ import annotations


def lambda_arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
