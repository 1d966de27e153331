"""`FastLoader` loads exactly what botocore's own loader loads, for every model the runtime uses.

The adapter relies on botocore internals (sluice_runtime/botocore_loader.py), so these tests pin its
tested version range and compare its output, key order included, with botocore's `Loader`.
"""

from __future__ import annotations

import doctest
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import botocore
import botocore.session
import pytest
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.loaders import Loader, create_loader
from botocore.regions import EndpointResolver

from .moto_stack import ROOT

# isort: split
from sluice_runtime import botocore_loader, clients
from sluice_runtime.botocore_loader import PARSED_SUFFIX, SUPPORTED_BOTOCORE, FastLoader, endpoints_for, write_parsed

# The data each of the runtime's clients (sluice_runtime.clients.SERVICES) loads.
TYPES = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")
DATA = Path(botocore.__file__).parent / "data"


def same(left: object, right: object) -> bool:
    """Equal, and in the same key order (what serialisers that walk a shape's members see)."""
    return json.dumps(left) == json.dumps(right)


@pytest.mark.parametrize("service", clients.SERVICES)
@pytest.mark.parametrize("type_name", TYPES)
def test_every_model_the_runtime_loads_is_the_one_botocore_loads(service: str, type_name: str) -> None:
    try:
        expected = Loader().load_service_model(service, type_name)
    except DataNotFoundError:
        with pytest.raises(DataNotFoundError):
            FastLoader(create_loader()).load_service_model(service, type_name)
        return
    assert same(FastLoader(create_loader()).load_service_model(service, type_name), expected)


def test_the_endpoints_and_partitions_are_the_ones_botocore_loads() -> None:
    fast = FastLoader(create_loader())
    for name in ("endpoints", "partitions", "sdk-default-configuration", "_retry"):
        assert same(fast.load_data(name), Loader().load_data(name)), name


def test_an_unknown_service_is_botocores_own_error() -> None:
    with pytest.raises(UnknownServiceError, match="Unknown service: 'no-such-service'"):
        FastLoader(create_loader()).load_service_model("no-such-service", "service-2")


def test_an_unknown_api_version_is_botocores_own_error() -> None:
    with pytest.raises(DataNotFoundError):
        FastLoader(create_loader()).load_service_model("sqs", "service-2", api_version="1999-01-01")


def test_aws_data_path_is_still_honoured(tmp_path: Path) -> None:
    # A customer model on AWS_DATA_PATH (the `data_path` setting) shadows botocore's, as in botocore.
    model = Loader().load_service_model("sqs", "service-2")
    model["metadata"]["serviceId"] = "SQS from the data path"
    version = Loader().determine_latest_version("sqs", "service-2")
    (tmp_path / "sqs" / version).mkdir(parents=True)
    (tmp_path / "sqs" / version / "service-2.json").write_text(json.dumps(model), encoding="utf-8")

    loaded = FastLoader(create_loader(str(tmp_path))).load_service_model("sqs", "service-2")

    assert loaded["metadata"]["serviceId"] == "SQS from the data path"


def test_it_shares_its_bases_cache_so_a_shared_loader_parses_each_file_once() -> None:
    base = create_loader()
    first = FastLoader(base).load_service_model("sqs", "service-2")
    assert FastLoader(base).load_service_model("sqs", "service-2") is first
    assert base.load_service_model("sqs", "service-2") is first


def test_the_runtimes_clients_read_through_it() -> None:
    clients.reset()
    try:
        assert isinstance(clients.session().get_component("data_loader"), FastLoader)
        assert clients.sqs().meta.service_model.service_name == "sqs"
    finally:
        clients.reset()


def test_every_client_the_runtime_makes_is_of_a_service_whose_data_the_layer_ships_parsed() -> None:
    clients.reset()
    try:
        assert {factory().meta.service_model.service_name for factory in clients.FACTORIES} == set(clients.SERVICES)
    finally:
        clients.reset()


def copy_of_data(into: Path, services: tuple[str, ...]) -> Path:
    """A data directory holding botocore's top-level files and the models of `services` (copies)."""
    for source in [*DATA.glob("*.json"), *(path for service in services for path in (DATA / service).rglob("*"))]:
        target = into / source.relative_to(DATA)
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory holding botocore's top-level files and its SQS and S3 models."""
    return copy_of_data(tmp_path, ("sqs", "s3"))


def test_parsed_copies_are_read_instead_of_the_json(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written = write_parsed(data_dir, ["sqs", "s3"])
    assert {path.name for path in written} >= {f"endpoints.json{PARSED_SUFFIX}", f"service-2.json.gz{PARSED_SUFFIX}",
                                               f"service-2.sdk-extras.json{PARSED_SUFFIX}"}
    wanted = [("sqs", "service-2"), ("sqs", "endpoint-rule-set-1"), ("s3", "service-2"), ("s3", "paginators-1")]
    expected = [Loader().load_service_model(*model) for model in wanted]
    expected.append(endpoints_for(Loader().load_data("endpoints"), {"sqs", "s3"}))
    monkeypatch.setattr(json, "loads", lambda *_, **__: pytest.fail("parsed a file that has a parsed copy"))
    fast = FastLoader(create_loader(str(data_dir)))
    loaded = [fast.load_service_model(*model) for model in wanted] + [fast.load_data("endpoints")]
    assert all(same(got, want) for got, want in zip(loaded, expected, strict=True))


def test_the_endpoints_copy_keeps_every_partition_and_region_but_only_the_named_services(data_dir: Path) -> None:
    write_parsed(data_dir, ["sqs", "s3"])
    full = Loader().load_data("endpoints")
    copy = FastLoader(create_loader(str(data_dir))).load_data("endpoints")

    assert [set(partition["services"]) for partition in copy["partitions"]] == [
        set(partition["services"]) & {"sqs", "s3"} for partition in full["partitions"]]
    stripped = [{**partition, "services": None} for partition in full["partitions"]]
    assert [{**partition, "services": None} for partition in copy["partitions"]] == stripped
    assert len((data_dir / f"endpoints.json{PARSED_SUFFIX}").read_bytes()) < len(json.dumps(full)) / 10


def endpoint_prefixes(services: tuple[str, ...]) -> set[str]:
    return {Loader().load_service_model(service, "service-2")["metadata"]["endpointPrefix"] for service in services}


def answer(call: Callable[..., object], *args: object, **kwargs: object) -> object:
    """What `call` returns, or the error it raises (type and message), to compare two resolvers by."""
    try:
        return call(*args, **kwargs)
    except Exception as error:  # botocore's own errors are part of the answer
        return (type(error).__name__, str(error))


def test_for_the_runtimes_services_the_endpoints_copy_resolves_as_the_file_in_every_region() -> None:
    full_data = Loader().load_data("endpoints")
    prefixes = endpoint_prefixes(clients.SERVICES)
    full, copy = EndpointResolver(full_data), EndpointResolver(endpoints_for(full_data, prefixes))
    for partition in full_data["partitions"]:
        name = partition["partition"]
        first = next(iter(partition["regions"])).split("-")
        regions = [*partition["regions"], "-".join([*first[:-2], "madeup", "9"])]  # new to the file, in its regex
        for region in regions:
            assert copy.get_partition_for_region(region) == full.get_partition_for_region(region)
        for prefix in prefixes:
            for tags in (None, ["fips"], ["dualstack"]):
                assert copy.get_available_endpoints(prefix, name, True, tags) == full.get_available_endpoints(
                    prefix, name, True, tags), (prefix, name, tags)
            for flags in ({}, {"use_fips_endpoint": True}, {"use_dualstack_endpoint": True}):
                for region in regions:
                    assert answer(copy.construct_endpoint, prefix, region, **flags) == answer(
                        full.construct_endpoint, prefix, region, **flags), (prefix, region, flags)


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1", "cn-north-1", "us-gov-west-1", "us-isob-east-1",
                                    "eusc-de-east-1", "xx-made-up-1"])
def test_the_runtimes_clients_are_the_same_from_the_endpoints_copy(tmp_path: Path, region: str) -> None:
    write_parsed(copy_of_data(tmp_path, clients.SERVICES), clients.SERVICES)
    plain, parsed = botocore.session.get_session(), botocore.session.get_session()
    parsed.register_component("data_loader", FastLoader(create_loader(str(tmp_path))))
    for session in (plain, parsed):
        session.set_credentials("testing", "testing")

    def seen(session: botocore.session.Session, service: str) -> tuple[object, ...]:
        client = session.create_client(service, region_name=region)
        signer = client._request_signer  # type: ignore[attr-defined]  # what the client signs with
        return (client.meta.endpoint_url, client.meta.partition, client.meta.region_name,
                signer._region_name, signer._signing_name, signer._signature_version)

    for service in clients.SERVICES:
        assert seen(parsed, service) == seen(plain, service), service


def test_a_copy_of_other_bytes_than_the_files_is_ignored(data_dir: Path) -> None:
    write_parsed(data_dir, ["sqs"])
    endpoints = data_dir / "endpoints.json"
    edited = json.loads(endpoints.read_text(encoding="utf-8"))
    edited["partitions"][0]["partitionName"] = "Edited after the copy was made"
    endpoints.write_text(json.dumps(edited), encoding="utf-8")
    loaded = FastLoader(create_loader(str(data_dir))).load_data("endpoints")
    assert loaded["partitions"][0]["partitionName"] == "Edited after the copy was made"


def test_an_unreadable_copy_is_ignored(data_dir: Path) -> None:
    (data_dir / f"partitions.json{PARSED_SUFFIX}").write_bytes(b"not marshal")
    assert same(FastLoader(create_loader(str(data_dir))).load_data("partitions"), Loader().load_data("partitions"))


def test_parsed_copies_are_written_only_for_services_botocore_has(data_dir: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no data for a service named 'sqss'"):
        write_parsed(data_dir, ["sqss"])


def test_botocore_is_a_tested_version_here_and_in_the_layer() -> None:
    assert botocore.__version__.rsplit(".", 1)[0] in SUPPORTED_BOTOCORE
    requirements = (ROOT / "layers/runtime/python/requirements.txt").read_text(encoding="utf-8")
    pinned = next(line.split("==")[1] for line in requirements.splitlines() if line.startswith("botocore=="))
    assert pinned.rsplit(".", 1)[0] in SUPPORTED_BOTOCORE


def test_the_usage_example_holds() -> None:
    result = doctest.testmod(botocore_loader)
    assert result.attempted > 0
    assert result.failed == 0
