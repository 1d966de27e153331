"""Map: runs the item processor once per item, at most `MaxConcurrency` at a time.

Inline mode runs iterations inside this execution (their states appear in its history; the
first failure fails the Map). Distributed mode runs each item — or each `ItemBatcher` batch — as
a child workflow with its own empty variable scope, tolerating up to `ToleratedFailureCount` /
`ToleratedFailurePercentage` failures before failing with `States.ExceedToleratedFailureThreshold`.
Items come from `ItemsPath` (JSONPath), `Items` (JSONata) or a Distributed Map's `ItemReader`
(S3); each is shaped by `ItemSelector` (or legacy `Parameters`), which sees `$$.Map.Item.Index` /
`.Value`. A Distributed Map's `ResultWriter` shapes its results and can export them to S3
(`sluice.asl.distributed`, imported only by definitions that use these fields).
After a RedriveExecution only the iterations (or children) that did not succeed run again
(`sluice.asl.redrive`).
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sluice.asl.concurrency import bounded_map
from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.frame import Frame
from sluice.asl.payload import (
    contextual,
    evaluate_jsonata,
    evaluate_parameters,
    jsonata_states,
    require_path,
)
from sluice.asl.states.base import _DEFAULT, State
from sluice.json_types import json_type

if TYPE_CHECKING:
    from sluice.asl.distributed.reader import ReadItems

T = TypeVar("T")

# AWS: an inline Map runs up to 40 iterations concurrently; a Distributed Map up to 10,000 child
# executions. MaxConcurrency 0 means "as many as the service allows".
INLINE_CONCURRENCY_LIMIT = 40
DISTRIBUTED_CONCURRENCY_LIMIT = 10_000


class MapState(State):
    TYPE = "Map"
    HAS_RESULT = True
    FAILED_EVENT = "MapStateFailed"

    def __init__(self, name: str, spec: dict[str, Any], query_language: str) -> None:
        from sluice.asl.program import compile_program  # noqa: PLC0415 - programs contain states

        super().__init__(name, spec, query_language)
        processor = spec.get("ItemProcessor") or spec["Iterator"]
        config = processor.get("ProcessorConfig", {})
        self.distributed = config.get("Mode", "INLINE") == "DISTRIBUTED"
        self.child_type = config.get("ExecutionType", "STANDARD")
        self.program = compile_program(processor, "JSONata" if self.jsonata else "JSONPath")
        # For a Map, legacy `Parameters` is the per-item selector, not an input transform.
        self.item_selector = spec.get("ItemSelector", self.parameters)
        self.item_selector_template = self._template(self.item_selector)
        self.parameters, self.parameters_template = _DEFAULT, None
        self.label = spec.get("Label", name)

    async def produce(self, effective: Any, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        runtime = frame.runtime
        source = raw if self.jsonata else effective
        items: ReadItems | list[Any]
        if "ItemReader" in self.spec:
            # AWS reads an ItemReader's items inside the Map Run: MapStateStarted counts 0 items, a
            # MaxItemsPath that is no integer fails the execution right after it, and a read that
            # fails is a MapRunFailed (recorded histories, docs/engine-map.md "History links").
            from sluice.asl.distributed.reader import prepare_reader  # noqa: PLC0415

            concurrency = _unstarted(self, lambda: self._max_concurrency(source, raw, frame))
            started = frame.record("MapStateStarted", mapStateStartedEventDetails={"length": 0})
            items = _unstarted(self, lambda: prepare_reader(self.spec["ItemReader"], source, raw, frame,
                                                            jsonata=self.jsonata))
        else:
            listed = self._items(effective, raw, frame)
            concurrency = _unstarted(self, lambda: self._max_concurrency(source, raw, frame))
            items = self._inputs(listed, effective, raw, source, frame)
            started = frame.record("MapStateStarted", mapStateStartedEventDetails={"length": len(items)})
        # AWS reads the tolerated failure settings after MapStateStarted, and a bad one fails the
        # execution without a MapStateFailed (recorded histories, docs/engine-map.md).
        tolerated = _unstarted(self, lambda: self._tolerated(source, raw, frame)) if self.distributed else None
        # What succeeded in the run a RedriveExecution redrives (`sluice.asl.redrive`).
        position = (*frame.path, self.name)
        links = _Links(iteration_from=started, closing=started)
        if self.distributed:
            results = await self._run_distributed(
                items, concurrency, frame, tolerated, (effective, raw), position=position, links=links
            )
        else:
            assert isinstance(items, list)  # an ItemReader needs a Distributed Map (validation)
            done, replaying = runtime.redrive.begin(position, items, frame.replaying)
            from sluice.asl.program import record_failed_child_aborted  # noqa: PLC0415 - programs contain states

            try:
                results = await bounded_map(
                    lambda index, item: self._iteration(
                        index, item, frame, position=position, done=done, replaying=replaying, links=links
                    ),
                    items,
                    concurrency,
                )
            except StatesError as failure:
                record_failed_child_aborted(failure, frame)  # after the stopped iterations' aborts
                raise
        runtime.history.add("MapStateSucceeded", previous=links.closing)
        return results, self.next

    def _inputs(self, items: list[Any], effective: Any, raw: Any, source: Any, frame: Frame) -> list[Any]:
        """Each item through ItemSelector; a Distributed Map's then in ItemBatcher's batches."""
        inputs = [self._select_item(index, item, effective, raw, frame) for index, item in enumerate(items)]
        return self._batch(inputs, source, frame) if self.distributed else inputs

    # -- items ---------------------------------------------------------------------------

    def _items(self, effective: Any, raw: Any, frame: Frame) -> list[Any]:
        if self.jsonata:
            if "Items" not in self.spec:
                return _require_array(raw, ErrorName.QUERY_EVALUATION_ERROR)
            items = evaluate_jsonata(self.spec["Items"], jsonata_states(frame, raw), frame, "Items")
            if not isinstance(items, list):
                expression = self.spec["Items"]
                shown = expression[2:-2].strip() if isinstance(expression, str) else json.dumps(expression)
                raise contextual(
                    ErrorName.QUERY_EVALUATION_ERROR,
                    f"The JSONata expression '{shown}' specified for the field 'Items' returned an "
                    f"unexpected result type. Expected 'array', but was '{json_type(items)}' for value: "
                    f"{_compact(items)}",
                )
            return items
        path = self.spec.get("ItemsPath", "$")
        items = effective if path == "$" else require_path(path, effective, frame)
        return _require_array(items, ErrorName.RUNTIME)

    def _select_item(self, index: int, item: Any, effective: Any, raw: Any, frame: Frame) -> Any:
        if self.item_selector is _DEFAULT:
            return item
        selector_frame = frame.branch({"Index": index, "Value": item})
        selector_frame.state_name, selector_frame.entered_time = frame.state_name, frame.entered_time
        selector_frame.scope = frame.scope
        if self.jsonata:
            states = jsonata_states(selector_frame, raw)
            return evaluate_jsonata(self.item_selector, states, selector_frame, "ItemSelector")
        assert self.item_selector_template is not None  # JSONPath, and an ItemSelector given
        return self.item_selector_template.evaluate(effective, selector_frame)

    def _batch(self, inputs: list[Any], source: Any, frame: Frame) -> list[Any]:
        batcher = self.spec.get("ItemBatcher")
        if batcher is None:
            return inputs
        max_items = self._number(batcher, "MaxItemsPerBatch", source, frame) or len(inputs) or 1
        max_bytes = self._number(batcher, "MaxInputBytesPerBatch", source, frame) or 262_144
        batch_input = batcher.get("BatchInput")
        if batch_input is not None:
            # AWS evaluates BatchInput against the state input: a payload template (`"k.$": "$.v"`)
            # in JSONPath, `{% %}` expressions in JSONata.
            batch_input = (evaluate_jsonata(batch_input, jsonata_states(frame, source), frame, "BatchInput")
                           if self.jsonata else evaluate_parameters(batch_input, source, frame))
        batches: list[list[Any]] = []
        size = 0
        for item in inputs:
            item_size = len(_compact(item).encode())
            if not batches or len(batches[-1]) >= max_items or size + item_size > max_bytes:
                batches.append([])
                size = 0
            batches[-1].append(item)
            size += item_size
        return [
            {"Items": batch} | ({"BatchInput": batch_input} if batch_input is not None else {})
            for batch in batches
        ]

    # -- knobs ---------------------------------------------------------------------------

    def _number(self, spec: dict[str, Any], field_name: str, source: Any, frame: Frame) -> Any:
        value = spec.get(field_name)
        if self.jsonata and isinstance(value, str):
            return evaluate_jsonata(value, jsonata_states(frame, source), frame, field_name)
        if (path := spec.get(f"{field_name}Path")) is not None:
            return require_path(path, source, frame)
        return value

    def _max_concurrency(self, source: Any, raw: Any, frame: Frame) -> int:
        """The concurrency limit; a value AWS refuses fails the execution with no MapStateFailed
        (recorded `test_max_concurrency_path[NoNumber]`: MapStateEntered, then ExecutionFailed)."""
        value = _coerce(self._number(self.spec, "MaxConcurrency", source, frame), int) or 0
        path = self.spec.get("MaxConcurrencyPath")
        if isinstance(value, _Invalid):
            # Recorded `test_max_concurrency_path[NoNumber]` / `[max_concurrency_value0]`.
            raise contextual(
                ErrorName.RUNTIME,
                f'The MaxConcurrencyPath field refers to value "{_shown(value.value)}" which is not a valid '
                f"integer: {path}",
            )
        if value < 0:
            # AWS has no error for this: recorded `test_max_concurrency_path_negative` stops at
            # ExecutionStarted, the execution RUNNING and the Map never entered (LocalStack's test
            # notes AWS "consistently appears to stall"). sluice fails the state instead, so the bad
            # input is reported rather than silently stuck, and says what AWS would do.
            problem = (f'The MaxConcurrencyPath field refers to value "{value}" which is negative: {path}.' if path
                       else f"The MaxConcurrency field evaluated to {value}, which is negative.")
            raise contextual(
                ErrorName.RUNTIME, f"{problem} (On AWS the execution stalls RUNNING without entering the state.)"
            )
        limit = DISTRIBUTED_CONCURRENCY_LIMIT if self.distributed else INLINE_CONCURRENCY_LIMIT
        return min(int(value), limit) if value else limit

    def _tolerated(self, source: Any, raw: Any, frame: Frame) -> tuple[int | None, float | None]:
        count = _coerce(self._number(self.spec, "ToleratedFailureCount", source, frame), int)
        if isinstance(count, _Invalid):
            raise contextual(
                ErrorName.RUNTIME,
                f'The ToleratedFailureCountPath field refers to value "{_shown(count.value)}" which is not '
                f"a valid integer: {self.spec.get('ToleratedFailureCountPath')}",
            )
        if count is not None and count < 0:
            raise contextual(ErrorName.RUNTIME, "ToleratedFailureCount cannot be negative.")
        percentage = _coerce(self._number(self.spec, "ToleratedFailurePercentage", source, frame), float)
        if isinstance(percentage, _Invalid):
            # AWS reads it as a Java float (recorded `test_map_state_tolerated_failure_percentage_path`).
            raise contextual(
                ErrorName.RUNTIME,
                f'The ToleratedFailurePercentagePath field refers to value "{_shown(percentage.value)}" '
                f"which is not a valid float: {self.spec.get('ToleratedFailurePercentagePath')}",
            )
        if percentage is not None and not 0 <= percentage <= 100:
            raise contextual(ErrorName.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
        return count, percentage

    # -- running -------------------------------------------------------------------------

    async def _iteration(
        self,
        index: int,
        item: Any,
        frame: Frame,
        *,
        position: tuple[Any, ...],
        done: dict[int, Any],
        replaying: bool,
        links: _Links,
    ) -> Any:
        from sluice.asl.program import record_aborted, run_program  # noqa: PLC0415

        if index in done:  # succeeded before a RedriveExecution: not run again
            return done[index]
        history = frame.runtime.history
        details = {"name": self.name, "index": index}
        started = history.add(
            "MapIterationStarted", "mapIterationStartedEventDetails", details, previous=links.iteration_from
        )
        iteration = frame.branch(path=(*position, index), replaying=replaying, last_event_id=started)
        try:
            try:
                # Every iteration the concurrency allows starts before any enters its first state
                # (AWS: test_service_lambda_map_timeout records all MapIterationStarted first).
                await asyncio.sleep(0)
                result = await run_program(self.program, item, iteration)
            except StatesError:
                # Iterations failing at this same instant record their failures first; the first of them
                # then fails the Map, and the others are aborted (AWS: test_service_lambda_map_timeout).
                await asyncio.sleep(0)
                if links.failed:
                    raise asyncio.CancelledError from None
                links.failed = True
                raise
        except StatesError:
            history.add("MapIterationFailed", "mapIterationFailedEventDetails", details,
                        previous=iteration.last_event_id)
            frame.last_event_id = iteration.last_event_id  # what MapStateFailed follows from
            raise
        except asyncio.CancelledError:
            # Another iteration failed: this one is stopped, following from that failure's event.
            record_aborted(iteration, previous=frame.last_event_id)
            history.add("MapIterationAborted", "mapIterationAbortedEventDetails", details,
                        previous=frame.last_event_id)
            raise
        links.closing = frame.last_event_id = history.add(
            "MapIterationSucceeded", "mapIterationSucceededEventDetails", details, previous=iteration.last_event_id
        )
        links.iteration_from = iteration.last_event_id
        done[index] = result
        return result

    async def _run_distributed(
        self,
        items: ReadItems | list[Any],
        concurrency: int,
        frame: Frame,
        tolerated: tuple[int | None, float | None] | None,
        state_input: tuple[Any, Any],
        *,
        position: tuple[Any, ...],
        links: _Links,
    ) -> Any:
        runtime = frame.runtime
        spawn_child = runtime.spawn_child
        assert spawn_child is not None, "distributed Map needs an engine to start children"
        # AWS: arn:aws:states:<region>:<account>:mapRun:<machine>/<label>:<map run id>
        run_id = uuid.UUID(int=random.Random(f"{runtime.execution_arn}/{self.label}").getrandbits(128), version=4)
        map_run_arn = f"{runtime.state_machine_arn.replace(':stateMachine:', ':mapRun:')}/{self.label}:{run_id}"
        frame.record("MapRunStarted", mapRunStartedEventDetails={"mapRunArn": map_run_arn})
        effective, raw = state_input
        source = raw if self.jsonata else effective
        if not isinstance(items, list):  # an ItemReader's: read now, inside the Map Run
            try:
                inputs = self._inputs(await items.read(), effective, raw, source, frame)
            except StatesError as failure:
                frame.record("MapRunFailed", mapRunFailedEventDetails={"error": failure.error, "cause": failure.cause})
                raise
        else:
            inputs = items
        done, _ = runtime.redrive.begin(position, inputs, frame.replaying)

        async def child(index: int, item: Any) -> tuple[bool, Any, float, float]:
            if index in done:  # a child that succeeded before a RedriveExecution: not run again
                return done[index]  # type: ignore[no-any-return]
            start = runtime.clock.now()
            ok, value = await spawn_child(self.program, item, self.child_type, f"{self.label}:{index}")
            outcome = ok, value, start, runtime.clock.now()
            if ok:
                done[index] = outcome
            return outcome

        outcomes = await bounded_map(child, inputs, concurrency)
        failures = [value for ok, value, *_ in outcomes if not ok]
        results: Any = [value for _, value, *_ in outcomes]
        if "ResultWriter" in self.spec:
            from sluice.asl.distributed.writer import ChildRun, write_results  # noqa: PLC0415

            runs = [  # names and ARNs as the engine gives its children (Engine._child_runner)
                ChildRun(f"{self.label}:{i}", f"{runtime.execution_arn}/{self.label}:{i}", item, ok, value, start, stop)
                for i, (item, (ok, value, start, stop)) in enumerate(zip(inputs, outcomes, strict=True))
            ]
            results = await write_results(self.spec["ResultWriter"], runs, map_run_arn, (source, raw), frame,
                                          jsonata=self.jsonata, child_type=self.child_type)
        if failures and _threshold_exceeded(len(failures), len(outcomes), tolerated or (None, None)):
            frame.record("MapRunFailed", mapRunFailedEventDetails={
                "error": ErrorName.EXCEED_TOLERATED_FAILURE_THRESHOLD})
            raise StatesError(
                ErrorName.EXCEED_TOLERATED_FAILURE_THRESHOLD,
                "The specified tolerated failure threshold for the Map Run has been exceeded.",
            )
        # The Map's exit and its MapStateSucceeded follow from MapRunSucceeded, as most recordings show
        # (those from November 2024 on link the exit to MapRunStarted: docs/engine-map.md).
        links.closing = frame.record("MapRunSucceeded")
        return results


def _unstarted(state: MapState, step: Callable[[], T]) -> T:
    """`step()`; a `StatesError` it raises fails the execution with no MapStateFailed, as AWS does
    for what it evaluates between MapStateStarted and the Map Run (recorded histories)."""
    try:
        return step()
    except StatesError as failure:
        failure.unstarted = state
        raise


@dataclass
class _Links:
    """Where a Map's events link to (`previousEventId`, docs/engine-map.md "History links"): the
    next MapIterationStarted follows from the last event of the iteration before it (the first
    from MapStateStarted), and MapStateSucceeded from the last iteration's (or the Map Run's)
    `…Succeeded` event."""

    iteration_from: int
    closing: int
    failed: bool = False  # an iteration has failed the Map: others failing at the same instant are aborted


@dataclass(frozen=True)
class _Invalid:
    value: Any


def _coerce(value: Any, kind: type[int] | type[float]) -> Any:
    """Numbers, or numeric strings (AWS accepts `"1"` from a path), else `_Invalid`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _Invalid(value)
    if isinstance(value, int | float) and (kind is float or isinstance(value, int)):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    return _Invalid(value)


def _threshold_exceeded(failed: int, total: int, tolerated: tuple[int | None, float | None]) -> bool:
    """Without tolerance any failure fails the Map Run; otherwise either limit, once passed."""
    count, percentage = tolerated
    if count is None and percentage is None:
        return True
    over_count = count is not None and failed > count
    over_percentage = percentage is not None and 100.0 * failed / total > percentage
    return over_count or over_percentage


def _require_array(value: Any, error: str) -> list[Any]:
    if not isinstance(value, list):
        raise contextual(error, f"Map state input must be an array but was: {_compact(value)}")
    return value


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else _compact(value)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
