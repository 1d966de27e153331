"""Deterministic object keys for one run: staging, curated and quarantine.

Every key is a pure function of (dataset, partition, run) - the run is the execution name - and
never of the wall clock, so a retried step rewrites exactly the objects it wrote before:

    staging     datasets/<dataset>/<p>=<value>/run=<run>/part-00000.jsonl
    curated     <dataset>/<p>=<value>/run=<run>/part-00000.jsonl
                <dataset>/<p>=<value>/run=<run>/_manifest.json
                <dataset>/<p>=<value>/_SUCCESS          <- the commit pointer, written last
    quarantine  datasets/<dataset>/<p>=<value>/run=<run>/<input file name>
                datasets/<dataset>/<p>=<value>/run=<run>/reason.json

Readers of a curated partition read `_SUCCESS` (one GET, atomic), which names the run whose
`_manifest.json` lists the files: they see the previous complete version or the new one, never half.

Example:
    >>> layout = RunLayout("orders", "dt", "2024-06-11", "raw-objects-3f2a")
    >>> layout.staging_part(0)
    'datasets/orders/dt=2024-06-11/run=raw-objects-3f2a/part-00000.jsonl'
    >>> layout.success_marker
    'orders/dt=2024-06-11/_SUCCESS'
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

RUN_PREFIX = "run="
UNMATCHED = "_unmatched"  # quarantine folder for inputs no dataset claims
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._=-]+")


@dataclass(frozen=True)
class RunLayout:
    dataset: str
    partition_name: str
    partition: str
    run: str

    @property
    def _partition_path(self) -> str:
        return f"{self.dataset}/{self.partition_name}={self.partition}/"

    @property
    def staging_prefix(self) -> str:
        return f"datasets/{self._partition_path}{RUN_PREFIX}{self.run}/"

    def staging_part(self, index: int) -> str:
        return f"{self.staging_prefix}{part_name(index)}"

    @property
    def curated_partition(self) -> str:
        return self._partition_path

    @property
    def curated_run_prefix(self) -> str:
        return f"{self._partition_path}{RUN_PREFIX}{self.run}/"

    def curated_part(self, index: int) -> str:
        return f"{self.curated_run_prefix}{part_name(index)}"

    @property
    def manifest(self) -> str:
        return f"{self.curated_run_prefix}_manifest.json"

    @property
    def success_marker(self) -> str:
        return f"{self._partition_path}_SUCCESS"

    def run_manifest(self, run: str) -> str:
        """The manifest of another run of the same partition (e.g. the one a marker points to)."""
        return f"{self._partition_path}{RUN_PREFIX}{run}/_manifest.json"


def part_name(index: int) -> str:
    return f"part-{index:05d}.jsonl"


def quarantine_prefix(dataset: str | None, partition_name: str | None, partition: str | None, run: str) -> str:
    """Where a rejected input of `run` is set aside (inputs no dataset claims go to `_unmatched/`)."""
    if dataset is None:
        return f"datasets/{UNMATCHED}/{RUN_PREFIX}{run}/"
    if partition_name is None or partition is None:
        return f"datasets/{dataset}/{RUN_PREFIX}{run}/"
    return f"datasets/{dataset}/{partition_name}={partition}/{RUN_PREFIX}{run}/"


def safe_file_name(key: str) -> str:
    """The last segment of `key`, reduced to characters that are safe in any S3 key."""
    name = _SAFE_NAME.sub("_", posixpath.basename(key)).strip("._") or "input"
    return "input" if name == "reason.json" else name
