"""Values that are pure functions of their inputs, kept on disk in `marshal` format and in memory.

A user's first test is one fresh process, and some of what it computes costs as much as moto's
own start while depending only on files that rarely change: parsing `template.yaml` with PyYAML
and merging its `Globals` (`sluice.local.template`), parsing botocore's gzipped JSON service models
(`sluice.local.adapters.botocore_loader`). Each result is stored under the cache directory
(`$SLUICE_CACHE_DIR`, else `$XDG_CACHE_HOME/sluice/<kind>`, else `~/.cache/sluice/<kind>`), named
by the SHA-256 of its inputs plus a fingerprint of the code computing it, so a change to either
misses the cache instead of reading a stale result.

Only marshal's plain types are cached (dicts, lists, strings, numbers, booleans, None): a value
holding anything else (a `datetime.date` from an unquoted YAML date, a sentinel) is computed every
time. A cache that cannot be read or written is skipped: it is an optimisation, never a source of
truth, and computing the value again gives the same answer.

Example:
    >>> cache = DiskCache(Path("/tmp/sluice-cache"))
    >>> cache.computed("document", b"Resources: {}", lambda: {"Resources": {}})
    {'Resources': {}}
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")
_FORMAT = 1


class DiskCache:
    """Values computed from marshal-able inputs, remembered in memory and in `directory` (None: memory only)."""

    def __init__(self, directory: Path | None, fingerprint: str = "") -> None:
        self.directory = directory
        self.fingerprint = fingerprint
        self._memory: dict[str, bytes] = {}

    def computed(self, namespace: str, inputs: Any, compute: Callable[[], T]) -> T:
        """`compute()`'s value for `inputs`, from the cache when it holds one (a fresh copy every time:
        callers may change what they get)."""
        try:
            key = hashlib.sha256(marshal.dumps((_FORMAT, self.fingerprint, namespace, inputs))).hexdigest()
        except ValueError:  # inputs marshal cannot represent: nothing to key on
            return compute()
        stored = self._memory.get(key) or self._read(key)
        if stored is not None:
            try:
                value: T = marshal.loads(stored)
            except (EOFError, ValueError, TypeError):  # a truncated or foreign file: compute it again
                pass
            else:
                self._memory[key] = stored
                return value
        value = compute()
        try:
            stored = marshal.dumps(cast("Any", value))
        except ValueError:
            return value
        self._memory[key] = stored
        self._write(key, stored)
        return value

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.marshal"

    def _read(self, key: str) -> bytes | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: a concurrent reader sees the whole file or none.
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except OSError:
            return


def cache_directory(kind: str) -> Path:
    """Where results of one `kind` ("templates", "models") are kept: `$SLUICE_CACHE_DIR` for every
    kind (their keys never collide), else the user's cache directory."""
    configured = os.environ.get("SLUICE_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "sluice" / kind
