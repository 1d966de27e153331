"""Results of reading a template, kept on disk and in memory, keyed by a hash of their inputs.

A user's first test is one fresh process: parsing `template.yaml` with PyYAML (~0.35 s for this
repository's) and importing SAM's translator to merge `Globals` (~0.2 s) cost as much as moto's own
start. Both are pure functions of their inputs, so their results are stored in `marshal` format
under the cache directory (`$SLUICE_CACHE_DIR`, else `$XDG_CACHE_HOME/sluice`, else
`~/.cache/sluice`), named by the SHA-256 of the inputs plus a fingerprint of the code computing
them (this package's sources, PyYAML, the SAM translator and the Python version), so a change to
any of them misses the cache instead of reading a stale result.

Only marshal's plain types are cached (dicts, lists, strings, numbers, booleans, None): a value
holding anything else (a `datetime.date` from an unquoted YAML date, a sentinel) is computed every
time. A cache that cannot be read or written is skipped: it is an optimisation, never a source of
truth, and computing the value again gives the same answer.

Example:
    >>> cache = TemplateCache(Path("/tmp/sluice-cache"))
    >>> cache.computed("document", text, lambda: parse_template_text(text))
    {'Resources': {...}}
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")
_FORMAT = 1


class TemplateCache:
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


def cache_directory() -> Path:
    """Where template results are kept: `$SLUICE_CACHE_DIR`, else the user's cache directory."""
    configured = os.environ.get("SLUICE_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "sluice" / "templates"


def code_fingerprint() -> str:
    """Identifies the code that parses and declares templates: a change to it invalidates the cache."""
    import samtranslator  # noqa: PLC0415 - the package root only, not the translator (0.2 s)

    # PyYAML is named by its installed package file (an upgrade rewrites it), not imported: a
    # template read from the cache needs no YAML parser at all.
    yaml_spec = importlib.util.find_spec("yaml")
    yaml_file = Path(yaml_spec.origin) if yaml_spec is not None and yaml_spec.origin else None
    yaml_stamp = f"{yaml_file.stat().st_size}:{yaml_file.stat().st_mtime_ns}" if yaml_file else "no-yaml"
    digest = hashlib.sha256(f"{sys.version_info[:2]} {yaml_stamp} {samtranslator.__version__}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()
