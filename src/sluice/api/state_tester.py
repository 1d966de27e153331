"""TestState: run one state on its own, the way the Step Functions console's "Test state" does.

The state runs once — a Retrier that matches reports `RETRIABLE` instead of retrying, a Catcher
that matches reports `CAUGHT_ERROR` with the Catch output — on a private clock, so a Wait state or
a retry back-off never moves the engine's own time. Task states call the engine's real Lambda
functions and integrations unless the request carries a `mock` (`result` or `errorOutput`).
`inspectionLevel` DEBUG/TRACE adds the data after each processing step (`inspectionData`).

Example:
    >>> run_test_state(engine, {"definition": '{"Type": "Pass", "Result": 1, "Next": "B"}', "input": "{}"})
    {'output': '1', 'nextState': 'B', 'status': 'SUCCEEDED'}
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Mapping
from typing import Any

from sluice import json_text
from sluice.api.errors import ServiceError, check_role_arn
from sluice.api.service import execution_input
from sluice.asl.clock import VirtualClock
from sluice.asl.engine import Engine
from sluice.asl.errors import StatesError
from sluice.asl.frame import ExecutionRuntime, Frame
from sluice.asl.history import History, to_json
from sluice.asl.payload import evaluate_parameters
from sluice.asl.program import STATE_TYPES
from sluice.asl.states.base import _DEFAULT, State, qualify
from sluice.asl.variables import Scope

TEST_MACHINE_NAME = "TestStateMachine"
# A lone state may point at states that are not there, so the workflow it is in has no end.
_IGNORED_CODES = {"MISSING_TRANSITION_TARGET", "MISSING_END_STATE"}
_UNSUPPORTED_TYPES = {"Map", "Parallel"}


def run_test_state(engine: Engine, request: Mapping[str, Any]) -> dict[str, Any]:
    name, spec, language = _state_definition(request)
    if "roleArn" in request:
        check_role_arn(request["roleArn"])
    data = execution_input(request.get("input"))
    variables = _variables(request.get("variables"))
    level = request.get("inspectionLevel", "INFO")
    state = STATE_TYPES[spec["Type"]](name, spec, language)
    if "mock" in request:
        _apply_mock(state, request["mock"])
    clock = VirtualClock(start=engine.clock.now())
    arn = f"arn:aws:states:{engine.region}:{engine.account}:execution:{TEST_MACHINE_NAME}:{uuid.uuid4()}"
    runtime = ExecutionRuntime(
        clock=clock,
        history=History(clock=clock.now, keep=False),
        rng=random.Random(arn),
        dispatcher=engine.dispatcher,
        execution_arn=arn,
        execution_name=arn.rsplit(":", 1)[1],
        state_machine_arn=f"arn:aws:states:{engine.region}:{engine.account}:stateMachine:{TEST_MACHINE_NAME}",
        state_machine_name=TEST_MACHINE_NAME,
        role_arn=str(request.get("roleArn", "")),
        execution_input=data,
        start_time=clock.now(),
    )
    frame = Frame(runtime=runtime, scope=Scope())
    frame.scope.assign(variables)
    frame.state_name, frame.entered_time, frame.entered_event_id = name, clock.now(), 1
    try:
        return clock.run(_run(state, data, frame, level))
    except RuntimeError as error:  # the private clock went idle: the state waits for something outside
        raise ServiceError("ValidationException", f"The state cannot complete on its own: {error}") from None
    finally:
        clock.close()


async def _run(state: State, data: Any, frame: Frame, level: str) -> dict[str, Any]:
    captured: dict[str, Any] = {}
    produce = state.produce

    async def recording_produce(effective: Any, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        captured["effective"] = effective
        result, next_state = await produce(effective, raw, frame)
        captured["result"] = result
        return result, next_state

    state.produce = recording_produce  # type: ignore[method-assign]  # a private copy of the state
    response: dict[str, Any] = {}
    try:
        output, next_state = await state._attempt(data, frame)
    except StatesError as failure:
        qualify(failure, frame)
        response.update(error=failure.error, cause=failure.cause)
        if any(retrier.matches(failure.error, task_failure=failure.task_failure) and retrier.max_attempts > 0
               for retrier in state.retriers):
            response["status"] = "RETRIABLE"
        elif (catcher := next((c for c in state.catchers
                              if c.matches(failure.error, task_failure=failure.task_failure)), None)) is not None:
            response.update(output=to_json(state._catch(catcher, failure, data, frame)), nextState=catcher.next,
                            status="CAUGHT_ERROR")
        else:
            response["status"] = "FAILED"
        if response["cause"] is None:
            del response["cause"]
        if level != "INFO":
            response["inspectionData"] = _inspection(state, data, frame, captured)
        return response
    response["output"] = to_json(output)
    if next_state is not None:
        response["nextState"] = next_state
    response["status"] = "SUCCEEDED"
    if level != "INFO":
        response["inspectionData"] = _inspection(state, data, frame, captured)
    return response


def _inspection(state: State, data: Any, frame: Frame, captured: dict[str, Any]) -> dict[str, Any]:
    """The data after each processing step (JSON text), as far as the state got."""
    inspection = {"input": to_json(data)}
    if "effective" in captured:
        if state.jsonata:
            inspection["afterArguments"] = to_json(captured["effective"])
        else:
            inspection["afterInputPath"] = to_json(state._select(state.input_path, data, frame, "InputPath"))
            inspection["afterParameters"] = to_json(captured["effective"])
    if "result" in captured:
        result = captured["result"]
        inspection["result"] = to_json(result)
        if not state.jsonata and state.HAS_RESULT:
            selected = (result if state.result_selector is _DEFAULT
                        else evaluate_parameters(state.result_selector, result, frame))
            inspection["afterResultSelector"] = to_json(selected)
            inspection["afterResultPath"] = to_json(state.merge_result(data, selected))
    inspection["variables"] = to_json(frame.scope.visible())
    return inspection


def _state_definition(request: Mapping[str, Any]) -> tuple[str, dict[str, Any], str]:
    """(state name, state definition, query language): a lone state, or one state of a machine."""
    from sluice.asl.validation import validate_definition  # noqa: PLC0415

    try:
        spec = json_text.loads(request.get("definition", ""))
    except (TypeError, json.JSONDecodeError) as error:
        raise ServiceError("InvalidDefinition", f"Invalid State Definition: '{error}'") from None
    if not isinstance(spec, dict):
        raise ServiceError("InvalidDefinition", "Invalid State Definition: 'not a JSON object'")
    language = spec.get("QueryLanguage", "JSONPath")
    if isinstance(spec.get("States"), dict):
        name = request.get("stateName") or spec.get("StartAt", "")
        language = spec.get("QueryLanguage", "JSONPath")
        spec = spec["States"].get(name)
        if not isinstance(spec, dict):
            raise ServiceError("InvalidDefinition", f"Invalid State Definition: 'no state named {name}'")
    else:
        name = request.get("stateName") or "TestState"
    if spec.get("Type") in _UNSUPPORTED_TYPES:
        raise ServiceError("ValidationException", f"TestState does not run {spec['Type']} states in sluice")
    wrapped = {"StartAt": name, "States": {name: spec}} | ({"QueryLanguage": language} if language != "JSONPath"
                                                          else {})
    problems = [d for d in validate_definition(wrapped) if d.code not in _IGNORED_CODES]
    if problems or spec.get("Type") not in STATE_TYPES:
        listed = ", ".join(map(str, problems)) or f"unknown state type {spec.get('Type')}"
        raise ServiceError("InvalidDefinition", f"Invalid State Definition: '{listed}'")
    return name, spec, language


def _variables(text: Any) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        values = json_text.loads(text)
    except (TypeError, json.JSONDecodeError):
        values = None
    if not isinstance(values, dict):
        raise ServiceError("ValidationException", "variables must be a JSON object of variable values")
    return values


def _apply_mock(state: State, mock: Any) -> None:
    """`mock.result` (JSON text) or `mock.errorOutput` replaces what a Task state's call returns."""
    if state.TYPE != "Task" or not isinstance(mock, dict):
        raise ServiceError("ValidationException", "mock is only accepted for Task states")

    async def mocked(effective: Any, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        failure = mock.get("errorOutput")
        if isinstance(failure, dict):
            raise StatesError(str(failure.get("error", "")), failure.get("cause"))
        try:
            return json_text.loads(mock.get("result", "null")), state.next
        except json.JSONDecodeError as error:
            raise ServiceError("ValidationException", f"mock.result is not JSON: {error.msg}") from None

    state.produce = mocked  # type: ignore[method-assign]
