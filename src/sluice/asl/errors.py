"""Step Functions error names and the exception that carries them through an execution.

AWS names errors as plain strings (`States.TaskFailed`, `Lambda.Unknown`, or a handler's
exception class name). Every runtime failure inside the engine is a `StatesError` so that
`Retry`/`Catch` can match on `error` exactly as AWS does.
"""

from __future__ import annotations


class ErrorName:
    """The predefined error codes of the Amazon States Language (ASL spec, "Errors")."""

    ALL = "States.ALL"
    TASK_FAILED = "States.TaskFailed"
    TIMEOUT = "States.Timeout"
    HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
    RUNTIME = "States.Runtime"
    DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
    NO_CHOICE_MATCHED = "States.NoChoiceMatched"
    INTRINSIC_FAILURE = "States.IntrinsicFailure"
    PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
    RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
    BRANCH_FAILED = "States.BranchFailed"
    PERMISSIONS = "States.Permissions"
    EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
    ITEM_READER_FAILED = "States.ItemReaderFailed"
    RESULT_WRITER_FAILED = "States.ResultWriterFailed"
    QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"


class StatesError(Exception):
    """A failure with an ASL error name and cause, matchable by `Retry`/`Catch`.

    Example:
        >>> raise StatesError(ErrorName.NO_CHOICE_MATCHED, "No Matches!")
    """

    def __init__(self, error: str, cause: str | None = None, *, contextual: bool = False) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause
        # True: the state runner prefixes the cause with AWS's sentence naming the state and
        # its entered event ("An error occurred while executing the state 'X' (entered at the
        # event id #N). ..."), which only the runner knows.
        self.contextual = contextual
        # History bookkeeping as the failure propagates: its `EvaluationFailed` is recorded once,
        # by the innermost state; `unstarted` is a Map that failed on its own settings after
        # `MapStateStarted`, for which AWS records no `MapStateFailed` (docs/engine-map.md).
        self.evaluation_recorded = False
        self.unstarted: object | None = None
        # True: a Task's own failure, recorded as its TaskFailed/LambdaFunctionFailed event. AWS's
        # `States.ALL` then matches a `States.DataLimitExceeded` like any task error (recorded:
        # LocalStack's test_*_catch_state_all_data_limit_exceeded_on_large_utf8_response), while a
        # state's own oversized input or output stays terminal, as the error docs say.
        self.task_failure = False
        # The `<Type>StateAborted` event of the state that failed, which the Map or Parallel it fails
        # records once it has stopped its other iterations or branches (`program.record_aborted`).
        self.aborted_state: str | None = None
