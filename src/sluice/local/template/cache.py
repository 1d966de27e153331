"""What identifies the code that reads templates, so that the template cache
(`sluice.local.disk_cache`) misses when it changes.

A user's first test is one fresh process: parsing `template.yaml` with PyYAML (~0.35 s for this
repository's) and importing SAM's translator to merge `Globals` (~0.2 s) cost as much as moto's own
start. Both are pure functions of the template's text and of this code: this package's sources,
PyYAML, the SAM translator and the Python version.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path


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
