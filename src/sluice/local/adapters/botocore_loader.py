"""The local stack's botocore model loaders: botocore's and moto's `Loader`, minus two costs.

A local stack loads about a hundred model files as it starts and runs its first drop: its own
clients', each function's (through one shared loader, `sluice.local.clients`) and moto's (its own
`Loader` subclass, which adds moto's extras). botocore's `Loader` spends time on two things the
result does not need (ADR 0010):

* `JSONFileLoader` parses with `object_pairs_hook=OrderedDict`, which takes `json.loads` off its C
  fast path (about 2.5x slower); `PlainJSONFileLoader` parses into plain dicts, which keep
  insertion order too (botocore never tests for an `OrderedDict` on loaded data);
* before it loads one model, `load_service_model` lists every service directory of every search
  path (about 2,900 `stat` calls: 15-30 ms per loader and model type) only to check that the name
  is known. `NamedServiceLookup` looks up the named service alone, and falls back to botocore's
  own path, listing and `UnknownServiceError` included, when the name is not found.

The deployed runtime makes the same two changes in its own adapter
(layers/runtime/python/sluice_runtime/botocore_loader.py); the local engine cannot import it, since
the layer is the stack's code, not sluice's. Relies on `Loader` internals (`_find_extras`,
`_extras_processor`, `JSONFileLoader._load_file`); tested with botocore 1.44
(tests/local/test_local_botocore_loader.py compares every model with botocore's and moto's own loaders).

Example:
    >>> from botocore.loaders import Loader
    >>> Loader(file_loader=PlainJSONFileLoader()).load_service_model("sqs", "service-2")["metadata"]["protocol"]
    'json'
    >>> local_loader(Loader().search_paths).load_service_model("sqs", "service-2")["metadata"]["protocol"]
    'json'
"""

from __future__ import annotations

import functools
import os
import stat
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any

from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader, instance_cache

from sluice import json_text
from sluice.local.disk_cache import DiskCache, cache_directory


class PlainJSONFileLoader(JSONFileLoader):
    """`JSONFileLoader` with the C fast path of `json.loads`, and, given a `cache`, each file parsed
    once per machine rather than once per process (keyed by its path, size and modification time)."""

    def __init__(self, cache: DiskCache | None = None) -> None:
        self.cache = cache

    def _load_file(self, full_path: str, open_method: Callable[..., IO[bytes]]) -> Any:
        try:  # one stat both finds the file (most lookups, of sdk-extras, miss) and keys the cache
            found = os.stat(full_path)
        except OSError:
            return None
        if not stat.S_ISREG(found.st_mode):
            return None

        def parsed() -> Any:
            with open_method(full_path, "rb") as file:
                return json_text.loads(file.read().decode("utf-8"))

        if self.cache is None:
            return parsed()
        return self.cache.computed("botocore-model", (full_path, found.st_size, found.st_mtime_ns), parsed)


@functools.cache
def model_cache() -> DiskCache:
    """The parsed models every local loader shares (`$SLUICE_CACHE_DIR`, else ~/.cache/sluice/models).

    Why: botocore ships its models as gzipped JSON; a local stack reads about 70 of them as it starts
    and runs its first drop (moto reads its own copy of several), about 130 ms of a first test's
    process on the 2-core machine. `marshal` reads the same values back in about a third of that."""
    return DiskCache(cache_directory("models"), fingerprint=f"json {sys.version_info[:2]}")


class NamedServiceLookup(Loader):
    """A `Loader` whose `load_service_model` does not list every known service first."""

    @instance_cache
    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        try:
            version = api_version or self.determine_latest_version(service_name, type_name)
            model = self.load_data(os.path.join(service_name, version, type_name))
        except DataNotFoundError:
            # Not found: botocore's own path lists the known services and raises its own error.
            return super().load_service_model(service_name, type_name, api_version)
        self._extras_processor.process(model, self._find_extras(service_name, type_name, version))  # type: ignore[attr-defined]
        return model


def local_loader(search_paths: Sequence[str], cache: DiskCache | None = None) -> Loader:
    """The loader every botocore session of a stack shares: botocore's data at `search_paths`."""
    return NamedServiceLookup(extra_search_paths=list(search_paths), file_loader=PlainJSONFileLoader(cache),
                              include_default_search_paths=False)


def moto_loader(cache: DiskCache | None = None) -> Loader:
    """moto's loader (botocore's models plus moto's extras), minus the two costs."""
    from moto.core.loaders import Loader as MotoLoader  # noqa: PLC0415 - moto is loaded by the stack already
    from moto.core.loaders import moto_root  # noqa: PLC0415

    class _MotoLoader(NamedServiceLookup, MotoLoader):
        """moto's `_find_extras` (its extras by moto's service name), our lookup and parsing."""

    return _MotoLoader(extra_search_paths=[moto_root], file_loader=PlainJSONFileLoader(cache))

