"""What every state shares: input/output processing in both query languages, `Assign`,
and `Retry`/`Catch` for the states that have them.

JSONPath data flow (ASL "Input and Output Processing"):
    raw input -> InputPath -> Parameters -> <state work> -> ResultSelector
              -> Assign (sees the result as `$`) -> ResultPath (merged into raw input) -> OutputPath
JSONata data flow:
    raw input -> Arguments -> <state work> -> Assign and Output (both see `$states.result`
              and the variable values from *before* the state)

A state type implements `produce()` — its own work — and inherits the rest.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.frame import Frame
from sluice.asl.paths import compile_path, set_path
from sluice.asl.payload import (
    PayloadTemplate,
    Reference,
    compile_parameters,
    evaluate_jsonata,
    evaluate_parameters,
    jsonata_states,
    require_path,
)
from sluice.asl.retry import Catcher, Retrier, error_output

_DEFAULT = object()  # field absent (as opposed to an explicit JSON null)

# AWS: "The maximum input or output size for a task, state, or execution is 256 KiB".
MAX_PAYLOAD_BYTES = 262_144


class State:
    """Base class: one compiled state of a definition."""

    TYPE: ClassVar[str]
    HAS_RESULT: ClassVar[bool] = False  # Task/Map/Parallel: ResultSelector, Retry, Catch
    # Map/Parallel: the event AWS records when the state fails for good (not before a retry).
    FAILED_EVENT: ClassVar[str | None] = None
    # AWS links a failed evaluation to the state's entry for a Wait, and to the event the
    # entry followed from for every other state (recorded histories, docs/engine-map.md).
    EVALUATION_FOLLOWS_ENTRY: ClassVar[bool] = False

    def __init__(self, name: str, spec: dict[str, Any], query_language: str) -> None:
        self.name = name
        self.spec = spec
        self.jsonata = spec.get("QueryLanguage", query_language) == "JSONata"
        self.next: str | None = spec.get("Next")
        self.assign: dict[str, Any] | None = spec.get("Assign")
        self.input_path = spec.get("InputPath", "$")
        self.output_path = spec.get("OutputPath", "$")
        self.result_path = spec.get("ResultPath", "$")
        self.parameters = spec.get("Parameters", _DEFAULT)
        self.result_selector = spec.get("ResultSelector", _DEFAULT)
        self.arguments = spec.get("Arguments", _DEFAULT)
        self.output = spec.get("Output", _DEFAULT)
        # The JSONPath templates above, compiled once (the raw fields stay for TestState's inspection).
        self.parameters_template = self._template(self.parameters)
        self.result_selector_template = self._template(self.result_selector)
        self.assign_template = None if self.assign is None else self._template(self.assign)
        self.result_reference = Reference.of(self.result_path) if self.result_path is not None else None
        self.retriers = [Retrier.from_definition(rule) for rule in spec.get("Retry", [])]
        self.catchers = [Catcher.from_definition(rule) for rule in spec.get("Catch", [])]
        self.entered_event = f"{self.TYPE}StateEntered"
        self.exited_event: str | None = f"{self.TYPE}StateExited"

    # -- the template method -------------------------------------------------------------

    async def run(self, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        """Run the state on `raw` input; return (output, name of the next state or None)."""
        if not (self.retriers or self.catchers or self.FAILED_EVENT):
            return await self._attempt(raw, frame)
        attempts = [0] * len(self.retriers)
        while True:
            try:
                return await self._attempt(raw, frame)
            except StatesError as failure:
                qualify(failure, frame)
                record_evaluation_failure(failure, frame, self)
                error, task_failure = failure.error, failure.task_failure
                retrier = next((r for r in self.retriers if r.matches(error, task_failure=task_failure)), None)
                if retrier is not None:
                    index = self.retriers.index(retrier)
                    if attempts[index] < retrier.max_attempts:
                        await asyncio.sleep(retrier.delay(attempts[index], frame.runtime.rng))
                        attempts[index] += 1
                        frame.retry_count += 1
                        continue
                if self.FAILED_EVENT is not None and failure.unstarted is not self:
                    frame.record(self.FAILED_EVENT)
                catcher = next((c for c in self.catchers if c.matches(error, task_failure=task_failure)), None)
                if catcher is None:
                    raise
                return self._catch(catcher, failure, raw, frame), catcher.next

    async def _attempt(self, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        if self.jsonata:
            return await self._attempt_jsonata(raw, frame)
        effective = self.effective_input(raw, frame)
        result, next_state = await self.produce(effective, raw, frame)
        if self.result_selector_template is not None:
            result = self.result_selector_template.evaluate(result, frame)
        assigned = None if self.assign_template is None else self.assign_template.evaluate(result, frame)
        # OutputPath reads the variables as they were when the state was entered: what `Assign` sets
        # is seen from the next state on (recorded: LocalStack's test_state_assign_evaluation_order,
        # `"OutputPath": "$answer"` beside `"Assign": {"answer": ...}` outputs the old value).
        output = self.select_output(self.merge_result(raw, result), frame)
        if assigned is not None:
            frame.assign(assigned)
        return output, next_state

    async def _attempt_jsonata(self, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        argument = raw
        if self.arguments is not _DEFAULT:
            argument = evaluate_jsonata(self.arguments, jsonata_states(frame, raw), frame, "Arguments")
        result, next_state = await self.produce(argument, raw, frame)
        extra = {"result": result} if self.HAS_RESULT else {}
        states = jsonata_states(frame, raw, **extra)
        output = result
        if self.output is not _DEFAULT:
            output = evaluate_jsonata(self.output, states, frame, "Output")
        if self.assign is not None:
            frame.assign(evaluate_jsonata(self.assign, states, frame, "Assign"))
        return output, next_state

    async def produce(self, effective: Any, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        """The state's own work on its effective input: (result, next state)."""
        return effective, self.next

    # -- JSONPath input/output processing -------------------------------------------------

    def effective_input(self, raw: Any, frame: Frame) -> Any:
        selected = self._select(self.input_path, raw, frame, "InputPath")
        if self.parameters_template is not None:
            return self.parameters_template.evaluate(selected, frame)
        return selected

    def merge_result(self, raw: Any, result: Any) -> Any:
        if self.result_reference is None:
            return raw
        return set_path(raw, self.result_reference.compiled(), result)

    def select_output(self, data: Any, frame: Frame) -> Any:
        return self._select(self.output_path, data, frame, "OutputPath")

    def _select(self, path: str | None, data: Any, frame: Frame, field_name: str) -> Any:
        # `field_name` ("InputPath"/"OutputPath") is not part of AWS's wording; it stays because
        # `sluice.api.state_tester` calls this with it (TestState's inspection data).
        del field_name
        if path is None:
            return {}  # ASL: a null InputPath/OutputPath yields an empty object
        if path == "$":
            return data
        # AWS words a miss like any path that must match (recorded `test_invalid_jsonpath`:
        # "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']").
        return require_path(path, data, frame)

    def _template(self, field: Any) -> PayloadTemplate | None:
        """A JSONPath payload field compiled, or None when absent (or the state speaks JSONata).
        An explicit null is a template too (its value is null)."""
        if self.jsonata or field is _DEFAULT:
            return None
        return compile_parameters(field)

    # -- Catch ---------------------------------------------------------------------------

    def _catch(self, catcher: Catcher, failure: StatesError, raw: Any, frame: Frame) -> Any:
        error = error_output(failure.error, failure.cause)
        if self.jsonata:
            states = jsonata_states(frame, raw, errorOutput=error)
            # A Catch clause's fields are named under its index (`Catch[1]/Output/v`;
            # floci-io/floci#2689, measured against AWS).
            within = f"Catch[{self.catchers.index(catcher)}]/"
            output = error if catcher.output is None else evaluate_jsonata(
                catcher.output, states, frame, f"{within}Output"
            )
            if catcher.assign is not None:
                frame.assign(evaluate_jsonata(catcher.assign, states, frame, f"{within}Assign"))
            return output
        if catcher.assign is not None:
            frame.assign(evaluate_parameters(catcher.assign, error, frame))
        if catcher.result_path is None:
            return raw
        return set_path(raw, compile_path(catcher.result_path), error)


def qualify(failure: StatesError, frame: Frame) -> None:
    """Prefix a contextual cause with the state and event id, exactly once."""
    if failure.contextual:
        failure.cause = (
            f"An error occurred while executing the state '{frame.state_name}' "
            f"(entered at the event id #{frame.entered_event_id}). {failure.cause}"
        )
        failure.contextual = False


_LOCATION = re.compile(r"specified for the field '([^']+)'|^The (\w+) field ")


def record_evaluation_failure(failure: StatesError, frame: Frame, state: State) -> None:
    """AWS records `EvaluationFailed` (error, cause, the field as `location`, the state) when a
    state's JSONata evaluation fails, before the events of the failure itself; once per failure."""
    if failure.error != ErrorName.QUERY_EVALUATION_ERROR or failure.evaluation_recorded:
        return
    failure.evaluation_recorded = True
    details: dict[str, Any] = {"error": failure.error, "cause": failure.cause}
    # The field AWS names in the message is the one it reports as the location.
    message = (failure.cause or "").split("). ", 1)[-1]
    if (match := _LOCATION.search(message)) is not None:
        details["location"] = match.group(1) or match.group(2)
    details["state"] = state.name
    if not state.EVALUATION_FOLLOWS_ENTRY:
        frame.last_event_id = frame.entered_from_id
    frame.record("EvaluationFailed", "evaluationFailedEventDetails", details)


def check_size(value: Any, state_name: str) -> None:
    """Raise States.DataLimitExceeded when a state's output exceeds 256 KiB of JSON."""
    if _maybe_large(value) and payload_bytes(value) > MAX_PAYLOAD_BYTES:
        raise StatesError(
            ErrorName.DATA_LIMIT_EXCEEDED,
            f"The state/task '{state_name}' returned a result with a size exceeding the maximum "
            "number of bytes service limit.",
        )


def payload_bytes(value: Any) -> int:
    """Size of `value` as UTF-8 JSON. A lone surrogate (JSON can escape one: "\\ud800") counts
    as the 3 bytes it takes in the JVM's encoding rather than making the count itself fail."""
    return len(_compact(value).encode("utf-8", "surrogatepass"))


def _maybe_large(value: Any) -> bool:
    """Cheap pre-check (no serialisation) that stops counting as soon as it could matter."""
    budget = MAX_PAYLOAD_BYTES // 8
    stack = [value]
    push = stack.append
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            budget -= len(item)
        elif isinstance(item, dict):
            budget -= 4 * len(item) + sum(map(len, item))
            budget -= _push_containers(item.values(), push)
        elif isinstance(item, list):
            budget -= len(item)
            budget -= _push_containers(item, push)
        elif type(item) is int:  # pushed only when too large for 4 (see `_push_containers`)
            budget -= max(4, item.bit_length() // 3)  # its decimal digits, slightly over-counted
        else:
            budget -= 4
        if budget < 0:
            return True
    return False


# Exact types only: a subclass (an IntEnum, say) takes the general path, which counts it the same.
_SCALARS = frozenset({int, float, bool, type(None)})
# A JSON number counts 4 (a float's text is at most 24 characters); an integer can be thousands of
# digits long, so one beyond 64 bits is counted by its length instead.
_SMALL_INT = 2**63


def _push_containers(children: Iterable[Any], push: Callable[[Any], None]) -> int:
    """Count the scalar children (4 each, as `_maybe_large` counts any scalar) and push the
    others: most of a payload's values are scalars, and a stack round trip each is the cost."""
    scalars = 0
    for child in children:
        kind = type(child)
        if kind in _SCALARS and (kind is not int or -_SMALL_INT < child < _SMALL_INT):
            scalars += 1
        else:
            push(child)
    return 4 * scalars


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
