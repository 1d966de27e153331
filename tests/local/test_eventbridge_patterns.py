"""EventBridge content filtering, case by case ("Content filtering in Amazon EventBridge event patterns")."""

from __future__ import annotations

from typing import Any

import pytest

from sluice.local.eventbridge.patterns import PatternError, compile_pattern

S3_EVENT: dict[str, Any] = {
    "version": "0",
    "source": "aws.s3",
    "detail-type": "Object Created",
    "account": "123456789012",
    "resources": ["arn:aws:s3:::raw"],
    "detail": {
        "bucket": {"name": "raw"},
        "object": {"key": "incoming/2024/Orders.CSV", "size": 1200, "etag": "abc"},
        "reason": "PutObject",
        "source-ip-address": "10.0.3.7",
        "tags": [{"name": "team", "value": "data"}, {"name": "tier", "value": ["gold", ["nested"]]}],
        "empty": None,
    },
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["aws.s3"]}, True),
        ({"source": ["aws.ec2"]}, False),
        ({"source": ["aws.ec2", "aws.s3"]}, True),
        ({"detail": {"object": {"size": [1200]}}}, True),
        ({"detail": {"object": {"size": ["1200"]}}}, False),  # exact matching is type-sensitive
        ({"detail": {"empty": [None]}}, True),
        ({"detail": {"object": {"key": [{"prefix": "incoming/"}]}}}, True),
        ({"detail": {"object": {"key": [{"prefix": "Incoming/"}]}}}, False),
        ({"detail": {"object": {"key": [{"prefix": {"equals-ignore-case": "INCOMING/"}}]}}}, True),
        ({"detail": {"object": {"key": [{"suffix": ".CSV"}]}}}, True),
        ({"detail": {"object": {"key": [{"suffix": ".csv"}]}}}, False),
        ({"detail": {"object": {"key": [{"suffix": {"equals-ignore-case": ".csv"}}]}}}, True),
        ({"detail-type": [{"equals-ignore-case": "object created"}]}, True),
        ({"detail": {"object": {"key": [{"wildcard": "incoming/*/*.CSV"}]}}}, True),
        ({"detail": {"object": {"key": [{"wildcard": "incoming/*.json"}]}}}, False),
        ({"detail": {"reason": [{"anything-but": "DeleteObject"}]}}, True),
        ({"detail": {"reason": [{"anything-but": ["PutObject", "CopyObject"]}]}}, False),
        ({"detail": {"object": {"key": [{"anything-but": {"prefix": "tmp/"}}]}}}, True),
        ({"detail": {"object": {"key": [{"anything-but": {"prefix": "incoming/"}}]}}}, False),
        ({"detail": {"object": {"key": [{"anything-but": {"suffix": ".CSV"}}]}}}, False),
        ({"detail": {"object": {"key": [{"anything-but": {"equals-ignore-case": ["incoming/2024/orders.csv"]}}]}}},
         False),
        ({"detail": {"object": {"key": [{"anything-but": {"wildcard": "*.json"}}]}}}, True),
        ({"detail": {"missing": [{"anything-but": "x"}]}}, False),  # anything-but needs the field
        ({"detail": {"object": {"size": [{"numeric": [">", 1000]}]}}}, True),
        ({"detail": {"object": {"size": [{"numeric": [">", 0, "<=", 1200]}]}}}, True),
        ({"detail": {"object": {"size": [{"numeric": [">=", 1201]}]}}}, False),
        ({"detail": {"object": {"size": [{"numeric": ["=", 1.2e3]}]}}}, True),
        ({"detail": {"object": {"etag": [{"numeric": [">", 0]}]}}}, False),  # numeric needs a number
        ({"detail": {"object": {"etag": [{"exists": True}]}}}, True),
        ({"detail": {"object": {"version-id": [{"exists": False}]}}}, True),
        ({"detail": {"object": {"etag": [{"exists": False}]}}}, False),
        ({"detail": {"object": [{"exists": True}]}}, False),  # exists only applies to leaves
        ({"detail": {"source-ip-address": [{"cidr": "10.0.0.0/16"}]}}, True),
        ({"detail": {"source-ip-address": [{"cidr": "192.168.0.0/24"}]}}, False),
        ({"resources": ["arn:aws:s3:::raw"]}, True),  # event arrays: any element
        ({"detail": {"tags": {"value": ["data"]}}}, True),  # arrays of objects are flattened
        ({"detail": {"tags": {"value": ["nested"]}}}, True),  # nested arrays too
        ({"detail": {"tags": {"value": ["platinum"]}}}, False),
        ({"source": ["aws.s3"], "$or": [{"detail-type": ["Object Deleted"]},
                                        {"detail": {"object": {"size": [{"numeric": [">", 100]}]}}}]}, True),
        ({"$or": [{"detail-type": ["Object Deleted"]}, {"source": ["aws.ec2"]}]}, False),
        ({"source": ["aws.s3"], "detail-type": ["Object Deleted"]}, False),  # all fields must match
    ],
)
def test_pattern(pattern: dict[str, Any], expected: bool) -> None:
    assert compile_pattern(pattern).matches(S3_EVENT) is expected


def test_wildcard_escapes_a_literal_star() -> None:
    pattern = compile_pattern({"key": [{"wildcard": "report\\*.csv"}]})
    assert pattern.matches({"key": "report*.csv"})
    assert not pattern.matches({"key": "report-2024.csv"})


def test_pattern_text_is_accepted_as_json() -> None:
    assert compile_pattern('{"source": ["aws.s3"]}').matches(S3_EVENT)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ({"source": "aws.s3"}, "must be an array or an object"),
        ({"source": []}, "empty arrays are not allowed"),
        ({}, "non-empty JSON object"),
        ({"size": [{"numeric": ["<", 5, ">", 1]}]}, "lower bound"),
        ({"size": [{"numeric": ["~", 5]}]}, "unrecognized numeric operator"),
        ({"key": [{"wildcard": "a**b"}]}, "consecutive wildcard"),
        ({"key": [{"regex": "a.*"}]}, "unrecognized match type regex"),
        ({"key": [{"anything-but": {"numeric": [">", 1]}}]}, "cannot be combined with numeric"),
        ({"$or": [{"a": [1]}]}, "at least two"),
        ({"ip": [{"cidr": "not-a-network"}]}, "is not a CIDR block"),
    ],
)
def test_invalid_patterns_say_why(pattern: dict[str, Any], reason: str) -> None:
    with pytest.raises(PatternError, match=reason):
        compile_pattern(pattern)


@pytest.mark.parametrize("pattern", [["aws.s3"], True, 7, None])
def test_a_pattern_that_is_not_an_object_is_refused_by_name(pattern: Any) -> None:
    # Found by the pattern campaign: `EventPattern: [...]` in a template raised a bare TypeError/ValueError.
    with pytest.raises(PatternError, match="a pattern must be a non-empty JSON object, not "):
        compile_pattern(pattern)
