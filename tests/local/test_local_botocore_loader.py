"""The local stack's botocore and moto loaders read the same data as botocore's and moto's own,
only faster (sluice.local.adapters.botocore_loader relies on botocore internals: these pin it)."""

from __future__ import annotations

import doctest
import json

import botocore
import botocore.session
import pytest
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.loaders import Loader
from moto.core.loaders import create_loader as create_moto_loader

from sluice.local.adapters import botocore_loader
from sluice.local.adapters.botocore_loader import PlainJSONFileLoader, local_loader, moto_loader
from sluice.local.clients import shared_model_loader

SERVICES = ["s3", "dynamodb", "sqs", "sns", "stepfunctions", "lambda", "events", "kms", "kinesis", "logs"]
TYPES = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")


def same(left: object, right: object) -> bool:
    """Equal, and in the same key order (what serialisers that walk a shape's members see)."""
    return json.dumps(left) == json.dumps(right)


def load(loader: Loader, service: str, type_name: str) -> object:
    """The model, or the name of the error the loader raised for it."""
    try:
        return loader.load_service_model(service, type_name)
    except DataNotFoundError as error:
        return type(error).__name__


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_model_is_the_one_botocore_loads(service: str) -> None:
    local = local_loader(Loader().search_paths)
    for type_name in TYPES:
        assert same(load(local, service, type_name), load(Loader(), service, type_name)), type_name


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_model_is_the_one_moto_loads_with_its_extras(service: str) -> None:
    for type_name in TYPES:
        assert same(load(moto_loader(), service, type_name), load(create_moto_loader(), service, type_name)), type_name


def test_the_endpoints_are_the_ones_botocore_parses() -> None:
    assert same(Loader(file_loader=PlainJSONFileLoader()).load_data("endpoints"), Loader().load_data("endpoints"))


@pytest.mark.parametrize("make", [lambda: local_loader(Loader().search_paths), moto_loader], ids=["local", "moto"])
def test_an_unknown_service_is_botocores_own_error(make: object) -> None:
    with pytest.raises(UnknownServiceError, match=r"Unknown service: 'no-such-service'\. Valid service names are: "):
        make().load_service_model("no-such-service", "service-2")  # type: ignore[operator]


def test_an_unknown_api_version_is_botocores_own_error() -> None:
    with pytest.raises(DataNotFoundError):
        local_loader(Loader().search_paths).load_service_model("sqs", "service-2", api_version="1999-01-01")


def test_sessions_inside_a_stack_share_one_local_loader() -> None:
    with shared_model_loader():
        first = botocore.session.get_session().get_component("data_loader")
        second = botocore.session.get_session().get_component("data_loader")
    assert first is second
    assert isinstance(first.file_loader, PlainJSONFileLoader)
    assert set(Loader().search_paths) <= set(first.search_paths)  # (boto3 sessions add their own)


def test_it_is_tested_with_this_botocore() -> None:
    assert botocore.__version__.startswith("1.44.")


def test_the_usage_example_holds() -> None:
    result = doctest.testmod(botocore_loader)
    assert result.attempted > 0
    assert result.failed == 0
