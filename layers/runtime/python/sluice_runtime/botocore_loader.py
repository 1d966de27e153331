"""botocore's data loader without two costs that a Lambda cold start pays for nothing.

Every client botocore creates loads JSON: the endpoints file (1.2 MB, once per session) and the
service's model and endpoint rules. botocore's own `Loader` spends about 0.25x of `import boto3`
of a four-client first call on two things the result does not need (benchmarks/cold_start.py):

* it parses every file with `object_pairs_hook=OrderedDict`, which takes the json module off its C
  fast path (about 2.5x slower). A plain `dict` keeps insertion order too (Python 3.7+), and nothing
  in botocore tests for an `OrderedDict` on loaded data;
* before it loads one model it lists every service directory of every search path (about 2,900
  `stat` calls) only to check that the name is a known service. `FastLoader` looks up the named
  service alone, and falls back to botocore's own path, listing and `UnknownServiceError` included,
  when the name is not found.

And the JSON itself need not be parsed on a cold start: the layer's build writes a parsed copy
(marshal) beside each data file the runtime's clients read (`write_parsed`, run by
layers/runtime/python/Makefile as `python -m sluice_runtime.botocore_loader <botocore/data>`).
Reading a copy is two to four times faster than parsing the file, about 20 ms of a first call
(benchmarks/cold_start.py). A copy records a checksum of the bytes it was made from, and is used only
while the file still has them; marshal's format is the interpreter's, so a copy's name carries the
interpreter's cache tag, like bytecode.

The endpoints file's copy keeps every partition, region and default, and the entries of the services
the copies are written for, not the other 400-odd (`endpoints_for`): 25 KB instead of 480 KB of
marshal, about 6 ms of a first call. Only the runtime's session reads copies, and its clients are
all of those services (`clients.SERVICES`, tested); for them a resolver answers from the copy as from
the file, in every region of every partition (tests/runtime/test_botocore_loader.py). A service left
out would still resolve, from its partition's defaults, as botocore resolves a service newer than
its endpoints file.

This relies on `Loader` internals (`load_service_model`'s steps, `_find_extras`,
`_extras_processor`, `JSONFileLoader._load_file`), so it is kept to this one adapter, tested against
the botocore versions in `SUPPORTED_BOTOCORE` (ADR 0010; tests/runtime/test_botocore_loader.py compares every
model the runtime loads with botocore's own loader).

Example:
    >>> import botocore.session
    >>> session = botocore.session.get_session()
    >>> session.register_component("data_loader", FastLoader(session.get_component("data_loader")))
    >>> session.get_service_model("sqs").service_name
    'sqs'
"""

from __future__ import annotations

import gzip
import json
import marshal
import os
import sys
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader, instance_cache

# The botocore releases whose Loader this adapter was tested against (major.minor).
SUPPORTED_BOTOCORE = ("1.44",)


# A data file's parsed copy is this file name plus the suffix (`endpoints.json.cpython-313.marshal`).
PARSED_SUFFIX = f".{sys.implementation.cache_tag}.marshal"
_NO_COPY = object()


class PlainJSONFileLoader(JSONFileLoader):
    """`JSONFileLoader` reading a file's parsed copy when it has one, else parsing into plain dicts
    (the C fast path of `json.loads`)."""

    def _load_file(self, full_path: str, open_method: Callable[..., IO[bytes]]) -> Any:
        if not os.path.isfile(full_path):
            return None
        parsed = _parsed_copy(full_path)
        if parsed is not _NO_COPY:
            return parsed
        with open_method(full_path, "rb") as file:
            return json.loads(file.read().decode("utf-8"))


def _parsed_copy(full_path: str) -> Any:
    """The data in `full_path`'s parsed copy, or `_NO_COPY` when it has none made from its bytes."""
    try:
        with open(full_path + PARSED_SUFFIX, "rb") as copy:
            checksum, data = marshal.loads(copy.read())
    except (OSError, ValueError, EOFError, TypeError):  # none, or not a (checksum, data) pair
        return _NO_COPY
    with open(full_path, "rb") as source:
        return data if checksum == zlib.crc32(source.read()) else _NO_COPY


def write_parsed(data_dir: Path, services: Iterable[str]) -> list[Path]:
    """Write a parsed copy beside each JSON file of botocore's `data_dir` that clients of `services`
    read: the top-level files (endpoints, partitions, ...) and every file of those services, the
    endpoints file's with only those services' entries (`endpoints_for`). Returns the copies' paths."""
    services = list(services)
    files = sorted(data_dir.glob("*.json"))
    for service in services:
        if not (data_dir / service).is_dir():
            raise FileNotFoundError(f"botocore has no data for a service named {service!r} in {data_dir}")
        files += sorted(path for path in (data_dir / service).rglob("*") if path.name.endswith((".json", ".json.gz")))
    prefixes = {_endpoint_prefix(data_dir, service) for service in services}
    written = []
    for file in files:
        raw = file.read_bytes()
        data = _parse(file.name, raw)
        if file.name == "endpoints.json":
            data = endpoints_for(data, prefixes)
        copy = file.with_name(file.name + PARSED_SUFFIX)
        copy.write_bytes(marshal.dumps((zlib.crc32(raw), data)))
        written.append(copy)
    return written


def endpoints_for(endpoints: dict[str, Any], prefixes: set[str]) -> dict[str, Any]:
    """The endpoints file's data with each partition's `services` cut down to `prefixes` (services'
    endpoint prefixes, the keys botocore's `EndpointResolver` looks services up by).

    Example:
        >>> data = {"partitions": [{"partition": "aws", "services": {"s3": {}, "iam": {}}}], "version": 3}
        >>> endpoints_for(data, {"s3"})
        {'partitions': [{'partition': 'aws', 'services': {'s3': {}}}], 'version': 3}
    """
    return {**endpoints, "partitions": [
        {**partition, "services": {name: entry for name, entry in partition.get("services", {}).items()
                                   if name in prefixes}}
        for partition in endpoints["partitions"]
    ]}


def _endpoint_prefix(data_dir: Path, service: str) -> str:
    """`metadata.endpointPrefix` of the service's latest model in `data_dir`."""
    latest = max((data_dir / service).iterdir(), key=lambda version: version.name)
    model = next(path for path in latest.iterdir() if path.name in ("service-2.json", "service-2.json.gz"))
    prefix: str = _parse(model.name, model.read_bytes())["metadata"]["endpointPrefix"]
    return prefix


def _parse(name: str, raw: bytes) -> Any:
    return json.loads((gzip.decompress(raw) if name.endswith(".gz") else raw).decode("utf-8"))


class FastLoader(Loader):
    """botocore's `Loader` with `PlainJSONFileLoader`, looking up only the service it is asked for.

    It reads where `base` reads (`AWS_DATA_PATH` included) and shares its cache, so a process that hands
    every session one loader (sluice's local stack does, for all its functions) still parses each file once.
    """

    def __init__(self, base: Loader) -> None:
        super().__init__(
            extra_search_paths=base.search_paths,
            file_loader=PlainJSONFileLoader(),
            include_default_search_paths=False,
            include_default_extras=False,
        )
        # Internals (the stubs omit them): botocore ignores its `cache` argument; `_cache` is what
        # `instance_cache` fills.
        self._extras_types = base.extras_types
        self._cache = base._cache  # type: ignore[attr-defined]

    @instance_cache
    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        """As `Loader.load_service_model`, minus listing every known service first."""
        try:
            version = api_version or self.determine_latest_version(service_name, type_name)
            model = self.load_data(os.path.join(service_name, version, type_name))
        except DataNotFoundError:
            # Not found: botocore's own path lists the known services and raises its own error.
            return super().load_service_model(service_name, type_name, api_version)
        extras = self._find_extras(service_name, type_name, version)  # type: ignore[attr-defined]
        self._extras_processor.process(model, extras)  # type: ignore[attr-defined]
        return model


if __name__ == "__main__":  # the layer's build: python -m sluice_runtime.botocore_loader <botocore/data>
    from sluice_runtime.clients import SERVICES

    copies = write_parsed(Path(sys.argv[1]), SERVICES)
    print(f"{len(copies)} parsed copies of botocore data files written for {', '.join(SERVICES)}")
