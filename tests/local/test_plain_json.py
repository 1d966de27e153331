"""The local stack's shared botocore loader reads the same data as botocore's own, only faster to parse."""

from __future__ import annotations

import doctest
import json

import botocore
import botocore.session
import pytest
from botocore.loaders import Loader

from sluice.local import plain_json
from sluice.local.clients import shared_model_loader
from sluice.local.plain_json import PlainJSONFileLoader


def same(left: object, right: object) -> bool:
    """Equal, and in the same key order (what serialisers that walk a shape's members see)."""
    return json.dumps(left) == json.dumps(right)


@pytest.mark.parametrize("service", ["s3", "dynamodb", "sqs", "sns", "stepfunctions", "lambda", "events", "kms"])
def test_a_service_model_is_the_one_botocore_parses(service: str) -> None:
    plain = Loader(file_loader=PlainJSONFileLoader())
    for type_name in ("service-2", "endpoint-rule-set-1"):
        assert same(plain.load_service_model(service, type_name), Loader().load_service_model(service, type_name))


def test_the_endpoints_are_the_ones_botocore_parses() -> None:
    assert same(Loader(file_loader=PlainJSONFileLoader()).load_data("endpoints"), Loader().load_data("endpoints"))


def test_sessions_inside_a_stack_share_one_plain_json_loader() -> None:
    with shared_model_loader():
        first = botocore.session.get_session().get_component("data_loader")
        second = botocore.session.get_session().get_component("data_loader")
    assert first is second
    assert isinstance(first.file_loader, PlainJSONFileLoader)
    assert set(Loader().search_paths) <= set(first.search_paths)  # (boto3 sessions add their own)


def test_it_is_tested_with_this_botocore() -> None:
    assert botocore.__version__.startswith("1.44.")


def test_the_usage_example_holds() -> None:
    result = doctest.testmod(plain_json)
    assert result.attempted > 0
    assert result.failed == 0
