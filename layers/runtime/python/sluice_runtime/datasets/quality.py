"""Step 4: the data-quality gate, measured on the staged output itself (what would be published).

Checks (each a `Check` with the observed value and its limit):

* `row_count` - at least `quality.min_rows` rows (default 1: publishing nothing is a failure);
* `row_count_consistent` - the staged parts hold exactly the rows the reducer counted;
* `types` - every staged value is in its column's normalized form (required columns never null);
* `null_ratio` (per column) - nulls / rows at most `quality.max_null_ratio[column]`;
* `duplicate_ratio` - rows repeating an earlier primary key / rows at most `quality.max_duplicate_ratio`.

A failed gate is a data problem: the input is quarantined, never retried.

Example:
    >>> report = check_quality(job, reduction, dataset, store=store, staging_bucket="staging")  # doctest: +SKIP
    >>> report.passed, [check.name for check in report.checks if not check.passed]                # doctest: +SKIP
    (False, ['duplicate_ratio'])
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sluice_runtime import strict_json
from sluice_runtime.datasets.catalog import FileDataset
from sluice_runtime.datasets.columns import conforms
from sluice_runtime.datasets.jobs import Check, QualityReport, Reason, Reduction
from sluice_runtime.datasets.storage import ObjectStore


def check_quality(
    reduction: Reduction, dataset: FileDataset, *, store: ObjectStore, staging_bucket: str
) -> QualityReport:
    """Measure the staged parts of a run against the dataset's quality rules."""
    schema, rules = dataset.schema_, dataset.quality
    rows = 0
    nulls: Counter[str] = Counter()
    malformed = 0
    seen: set[str] = set()
    duplicates = 0
    for part in reduction.parts:
        for line in store.read_bytes(staging_bucket, part.key).decode().splitlines():
            record: dict[str, Any] = strict_json.loads(line)
            rows += 1
            for column in schema.columns:
                value = record.get(column.name)
                if value is None:
                    nulls[column.name] += 1
                if not conforms(column, value):
                    malformed += 1
            if schema.primary_key:
                key = json.dumps([record.get(name) for name in schema.primary_key])
                if key in seen:
                    duplicates += 1
                seen.add(key)
    checks = [
        Check(name="row_count", passed=rows >= rules.min_rows, observed=rows, limit=rules.min_rows),
        Check(name="row_count_consistent", passed=rows == reduction.rows, observed=rows, limit=reduction.rows),
        Check(name="types", passed=malformed == 0, observed=malformed, limit=0),
    ]
    for column in schema.columns:
        limit = 0.0 if column.required else rules.max_null_ratio.get(column.name, 1.0)
        ratio = _ratio(nulls[column.name], rows)
        checks.append(Check(name="null_ratio", column=column.name, passed=ratio <= limit, observed=ratio, limit=limit))
    if schema.primary_key:
        ratio = _ratio(duplicates, rows)
        checks.append(Check(name="duplicate_ratio", passed=ratio <= rules.max_duplicate_ratio, observed=ratio,
                            limit=rules.max_duplicate_ratio))
    failed = [check for check in checks if not check.passed]
    if not failed:
        return QualityReport(passed=True, rows=rows, checks=tuple(checks))
    message = "; ".join(_describe(check) for check in failed)
    reason = Reason(code="quality_gate_failed", message=f"{dataset.name}: {message}",
                    details={"failed_checks": [check.model_dump() for check in failed]})
    return QualityReport(passed=False, rows=rows, checks=tuple(checks), reason=reason)


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _describe(check: Check) -> str:
    subject = f"{check.name}({check.column})" if check.column else check.name
    if check.name == "row_count":
        return f"{subject}: {check.observed} rows, at least {check.limit} required"
    if check.name == "types":
        return f"{subject}: {check.observed} staged value(s) do not match their column type"
    if check.name == "row_count_consistent":
        return f"{subject}: staged parts hold {check.observed} rows, the chunks reported {check.limit}"
    return f"{subject}: {check.observed} exceeds {check.limit}"
