"""The local stack's botocore and moto loaders read the same data as botocore's and moto's own,
only faster (sluice.local.adapters.botocore_loader relies on botocore internals: these pin it)."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import botocore
import botocore.session
import pytest
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.loaders import Loader
from moto.core import utils as moto_utils
from moto.core.loaders import create_loader as create_moto_loader

from sluice.local.adapters import botocore_loader
from sluice.local.adapters.botocore_loader import PlainJSONFileLoader, local_loader, model_cache, moto_loader
from sluice.local.adapters.moto_backends import one_model_loader
from sluice.local.clients import shared_model_loader
from sluice.local.disk_cache import DiskCache

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


@pytest.mark.parametrize("service", SERVICES)
def test_a_model_read_back_from_the_cache_is_the_one_botocore_loads(service: str, tmp_path: Path) -> None:
    for type_name in TYPES:
        expected = load(Loader(), service, type_name)
        # The first loader parses and stores; a new process's loader (nothing in memory) reads the file back.
        assert same(load(local_loader(Loader().search_paths, DiskCache(tmp_path)), service, type_name), expected)
        assert same(load(local_loader(Loader().search_paths, DiskCache(tmp_path)), service, type_name), expected)
    assert list(tmp_path.iterdir())


def test_moto_adds_its_extras_to_its_own_copy_of_a_cached_model(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    plain = local_loader(Loader().search_paths, cache).load_service_model("s3", "service-2")
    with_extras = moto_loader(cache).load_service_model("s3", "service-2")
    assert same(with_extras, load(create_moto_loader(), "s3", "service-2"))
    assert same(plain, Loader().load_service_model("s3", "service-2"))


def test_an_edited_model_file_is_parsed_again(tmp_path: Path) -> None:
    data = tmp_path / "data" / "fake" / "2020-01-01"
    data.mkdir(parents=True)
    model = data / "service-2.json"
    model.write_text('{"version": 1}', encoding="utf-8")
    cache = DiskCache(tmp_path / "cache")
    assert local_loader([str(tmp_path / "data")], cache).load_service_model("fake", "service-2") == {"version": 1}
    model.write_text('{"version": 22}', encoding="utf-8")  # another size and modification time
    assert local_loader([str(tmp_path / "data")], cache).load_service_model("fake", "service-2") == {"version": 22}


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
    assert first.file_loader.cache is model_cache()  # parsed once per machine
    assert set(Loader().search_paths) <= set(first.search_paths)  # (boto3 sessions add their own)


def test_moto_inside_a_stack_reads_through_the_same_model_cache() -> None:
    with one_model_loader():
        loader = vars(moto_utils)["create_loader"]()  # moto's own import of it, as the adapter patches it
    assert isinstance(loader.file_loader, PlainJSONFileLoader)
    assert loader.file_loader.cache is model_cache()


def test_it_is_tested_with_this_botocore() -> None:
    assert botocore.__version__.startswith("1.44.")


def test_the_usage_example_holds() -> None:
    result = doctest.testmod(botocore_loader)
    assert result.attempted > 0
    assert result.failed == 0
