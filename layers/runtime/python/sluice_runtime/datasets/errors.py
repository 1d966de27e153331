"""Errors of the pipeline steps. The class name is the Step Functions error name a Task reports.

* `DataError` - rows that break the dataset's schema. Never retried (no `Retry` names it): the chunk's
  item-level `Catch` turns it into a structured result and the input is quarantined.
* `SourceChanged` - the raw object changed between validation and a later read (an unversioned key
  overwritten mid-run). Retrying the step cannot help; the run fails and is compensated.
* `StepInputError` - a step received input its contract does not allow (a wiring bug).
* `sluice_runtime.errors.TransientError` (raised by `storage`) - throttling, 5xx, timeouts: every Task
  retries it with exponential backoff and full jitter.

Example:
    >>> str(DataError("row 7: amount: 'abc' is not a decimal"))
    "row 7: amount: 'abc' is not a decimal"
"""

from __future__ import annotations

from sluice_runtime.errors import PermanentError


class DataError(PermanentError):
    """Rows of the input violate the dataset schema (the message lists them)."""

    reason = "invalid_data"


class SourceChanged(PermanentError):
    """The raw object is not the version that was validated."""

    reason = "source_changed"


class StepInputError(PermanentError):
    """A pipeline step was called with input that does not match its contract."""

    reason = "invalid_step_input"
