"""Step 3 (after the Map): decide what the chunk results add up to.

Each Map item ends as `{"status": "staged", ...part}` or, through the item-level Catch, as
`{"index", "status": "failed", "error": {"Error", "Cause"}}`. The reducer checks that every planned
chunk reported exactly once with the planned row count, then decides:

* `complete` - every chunk staged: go on to the quality gate;
* `invalid`  - at least one chunk failed with `DataError` (rows break the schema): quarantine, listing the
  failed chunks with their violations and the chunks that did stage;
* `failed`   - a chunk failed otherwise (its retries were exhausted, the source changed, a bug): the run
  is compensated and fails; the input itself may be fine, so it is not quarantined.

Example:
    >>> from sluice_runtime.datasets.jobs import ChunkSpec
    >>> plan = Plan(rows=2, bytes=20, max_concurrency=1, chunks=(ChunkSpec(index=0, start=0, end=20,
    ...             first_row=1, rows=2),))
    >>> reduce_chunks(plan, [{"index": 0, "status": "failed", "error": {"Error": "DataError",
    ...     "Cause": '{"errorMessage": "{\\"violation_count\\": 1, \\"first_row\\": 1, \\"rows\\": 2}"}'}}]).decision
    'invalid'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from sluice_runtime import strict_json
from sluice_runtime.datasets.jobs import Plan, Reason, Reduction, StagedPart

DATA_ERROR = "DataError"
MAX_LISTED = 10


def reduce_chunks(plan: Plan, results: Sequence[Any]) -> Reduction:
    """The decision over the Map's results (see the module docstring)."""
    staged: dict[int, StagedPart] = {}
    failed: dict[int, dict[str, Any]] = {}
    planned = {chunk.index: chunk for chunk in plan.chunks}
    for position, result in enumerate(results):
        index = result.get("index") if isinstance(result, Mapping) else None
        if not isinstance(index, int) or index not in planned:
            failed[-1 - position] = {"index": index, "error": "UnexpectedResult",
                                     "message": f"Map result {position} is not a result of a planned chunk"}
            continue
        if index in staged or index in failed:
            failed[index] = {"index": index, "error": "DuplicateResult", "message": f"chunk {index} reported twice"}
            continue
        if result.get("status") == "staged":
            try:
                part = StagedPart.model_validate(result)
            except ValidationError as exc:
                failed[index] = {"index": index, "error": "UnexpectedResult", "message": str(exc)}
                continue
            if part.rows != planned[index].rows:
                message = f"chunk {index} staged {part.rows} rows; {planned[index].rows} were planned"
                failed[index] = {"index": index, "error": "RowCountMismatch", "message": message}
                continue
            staged[index] = part
        else:
            failed[index] = _failure(index, result.get("error"))
    for index in planned:
        if index not in staged and index not in failed:
            failed[index] = {"index": index, "error": "MissingResult", "message": f"chunk {index} reported nothing"}
    parts = tuple(staged[index] for index in sorted(staged))
    rows = sum(part.rows for part in parts)
    if not failed:
        return Reduction(decision="complete", rows=rows, parts=parts)
    failures = [failed[index] for index in sorted(failed)]
    invalid = [failure for failure in failures if failure["error"] == DATA_ERROR]
    details = {"failed_chunks": failures[:MAX_LISTED], "failed_count": len(failures),
               "staged_chunks": sorted(staged), "planned_chunks": len(planned)}
    if invalid:
        example = next((v for f in invalid for v in f.get("violations", [])), invalid[0]["message"])
        violations = sum(int(f.get("violation_count", 0)) for f in invalid)
        reason = Reason(code="invalid_data", message=f"{len(invalid)} of {len(planned)} chunk(s) hold rows that break "
                        f"the schema ({violations} problem(s)), e.g. {example}", details=details)
        return Reduction(decision="invalid", rows=rows, parts=parts, reason=reason)
    first = failures[0]
    reason = Reason(code="chunk_processing_failed", message=f"{len(failures)} of {len(planned)} chunk(s) could not be "
                    f"processed, e.g. chunk {first['index']}: {first['error']}: {first['message']}", details=details)
    return Reduction(decision="failed", rows=rows, parts=parts, reason=reason)


def _failure(index: int, error: Any) -> dict[str, Any]:
    """A failed chunk's error, with a DataError's violations unpacked from the Lambda error cause."""
    if not isinstance(error, Mapping):
        return {"index": index, "error": "UnknownError", "message": "the chunk failed without an error"}
    name = str(error.get("Error", "UnknownError"))
    message = _error_message(error.get("Cause"))
    failure: dict[str, Any] = {"index": index, "error": name, "message": message}
    if name == DATA_ERROR:
        try:
            details = strict_json.loads(message)
        except ValueError:  # InvalidJson
            return failure
        if isinstance(details, dict):
            failure["violations"] = list(details.get("violations", []))
            failure["violation_count"] = int(details.get("violation_count", len(failure["violations"])))
            failure["message"] = f"{failure['violation_count']} problem(s) in rows {details.get('first_row')}.." \
                                 f"{int(details.get('first_row', 0)) + int(details.get('rows', 0)) - 1}"
    return failure


def _error_message(cause: Any) -> str:
    """The `errorMessage` of a Lambda error cause (`{"errorMessage", "errorType", ...}`), else the cause."""
    if not isinstance(cause, str):
        return ""
    try:
        parsed = strict_json.loads(cause)
    except ValueError:  # InvalidJson
        return cause
    if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
        return str(parsed["errorMessage"])
    return cause
