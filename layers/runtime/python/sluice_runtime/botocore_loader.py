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

import json
import os
from collections.abc import Callable
from typing import IO, Any

from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader, instance_cache

# The botocore releases whose Loader this adapter was tested against (major.minor).
SUPPORTED_BOTOCORE = ("1.44",)


class PlainJSONFileLoader(JSONFileLoader):
    """`JSONFileLoader` parsing into plain dicts (the C fast path of `json.loads`)."""

    def _load_file(self, full_path: str, open_method: Callable[..., IO[bytes]]) -> Any:
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as file:
            return json.loads(file.read().decode("utf-8"))


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
