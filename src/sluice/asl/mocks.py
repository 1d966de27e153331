"""Mocked service integrations in AWS Step Functions Local's `MockConfigFile` format.

    {
      "StateMachines": {
        "<state machine name>": {"TestCases": {"<test case>": {"<state name>": "<mocked response>"}}}
      },
      "MockedResponses": {
        "<mocked response>": {
          "0": {"Return": {...}},                                  # the first call
          "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "..."}}  # the 2nd and 3rd
        }
      }
    }

An execution runs a test case when started with `Engine.start_execution(..., test_case=...)`, or
through the API with the state machine ARN suffixed `#<test case>` (Step Functions Local's way).
Its Task states named in the test case return the mocked response of their n-th call (retries and
Map iterations count as calls) instead of calling anything; other states call their service as
usual. Calls beyond the last numbered response repeat the last one. A mocked `.waitForTaskToken`
task returns its mocked response as the callback's result.

Example:
    >>> mocks = MockConfig.from_file("MockConfigFile.json")
    >>> engine = Engine(mocks=mocks)
    >>> engine.start_execution("LambdaSQSIntegration", {}, test_case="HappyPath")
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sluice import json_text
from sluice.asl.errors import StatesError

if TYPE_CHECKING:
    from sluice.asl.tasks.dispatch import TaskDispatcher, TaskRequest

# Step Functions Local reads the mock file named by this variable.
ENVIRONMENT_VARIABLE = "SFN_MOCK_CONFIG"
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


class MockConfigError(ValueError):
    """The mock configuration is malformed, or names a test case it does not have."""


@dataclass(frozen=True)
class MockedResponse:
    """One numbered entry: calls `first`..`last` (0-based) return `value` or throw `error`."""

    first: int
    last: int
    value: Any = None
    error: str | None = None
    cause: str | None = None

    @property
    def throws(self) -> bool:
        return self.error is not None


class MockConfig:
    """A parsed, checked mock configuration; `run()` makes the mocks of one execution."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        if not isinstance(config, Mapping):
            raise MockConfigError("A mock configuration is a JSON object with StateMachines and MockedResponses")
        responses = config.get("MockedResponses", {})
        if not isinstance(responses, Mapping):
            raise MockConfigError("MockedResponses must be an object")
        self._responses = {name: _parse_responses(name, value) for name, value in responses.items()}
        self._cases: dict[str, dict[str, dict[str, str]]] = {}
        machines = config.get("StateMachines", {})
        if not isinstance(machines, Mapping):
            raise MockConfigError("StateMachines must be an object")
        for machine, body in machines.items():
            cases = body.get("TestCases") if isinstance(body, Mapping) else None
            if not isinstance(cases, Mapping):
                raise MockConfigError(f"StateMachines.{machine} needs a TestCases object")
            self._cases[machine] = {}
            for case, states in cases.items():
                if not isinstance(states, Mapping):
                    raise MockConfigError(f"StateMachines.{machine}.TestCases.{case} must map states to responses")
                for state, response in states.items():
                    if response not in self._responses:
                        raise MockConfigError(
                            f"StateMachines.{machine}.TestCases.{case}.{state} names mocked response "
                            f"'{response}', which MockedResponses does not define"
                        )
                self._cases[machine][case] = dict(states)

    @classmethod
    def from_file(cls, path: str | Path) -> MockConfig:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise MockConfigError(f"Cannot read mock configuration '{path}': {error.strerror}") from error
        try:
            return cls(json_text.loads(text))
        except json.JSONDecodeError as error:
            raise MockConfigError(f"Mock configuration '{path}' is not JSON: {error.msg} (line {error.lineno})") \
                from error

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> MockConfig | None:
        """The file `SFN_MOCK_CONFIG` names, as Step Functions Local reads it; None when unset."""
        path = (os.environ if environ is None else environ).get(ENVIRONMENT_VARIABLE)
        return cls.from_file(path) if path else None

    def test_cases(self, state_machine: str) -> list[str]:
        return list(self._cases.get(state_machine, {}))

    def run(self, state_machine: str, test_case: str) -> MockRun:
        """The mocks of one execution of `state_machine` running `test_case`."""
        cases = self._cases.get(state_machine)
        if cases is None:
            raise MockConfigError(f"The mock configuration has no state machine named '{state_machine}'")
        states = cases.get(test_case)
        if states is None:
            raise MockConfigError(f"State machine '{state_machine}' has no test case named '{test_case}' "
                                  f"(it has: {', '.join(cases) or 'none'})")
        return MockRun({state: self._responses[name] for state, name in states.items()})


class MockRun:
    """Mocked states of one execution and how often each was called (shared with its children)."""

    def __init__(self, states: Mapping[str, list[MockedResponse]]) -> None:
        self._states = dict(states)
        self.calls: dict[str, int] = {}

    async def perform(self, request: TaskRequest, dispatcher: TaskDispatcher) -> Any:
        """The mocked outcome of a Task state, or its real call when the test case leaves it out."""
        responses = self._states.get(request.state_name)
        if responses is None:
            return await dispatcher.perform(request)
        index = self.calls.get(request.state_name, 0)
        self.calls[request.state_name] = index + 1
        response = next((r for r in responses if r.first <= index <= r.last), responses[-1])
        if response.throws:
            raise StatesError(str(response.error), response.cause)
        return copy.deepcopy(response.value)


def _parse_responses(name: str, numbered: Any) -> list[MockedResponse]:
    if not isinstance(numbered, Mapping) or not numbered:
        raise MockConfigError(f"MockedResponses.{name} must map call numbers (\"0\", \"1-2\") to responses")
    responses = sorted((_parse_response(name, key, value) for key, value in numbered.items()),
                       key=lambda response: response.first)
    expected = 0
    for response in responses:
        if response.first != expected:
            raise MockConfigError(
                f"MockedResponses.{name}: call numbers must run on from 0 without gaps; "
                f"expected {expected}, found {response.first}"
            )
        expected = response.last + 1
    return responses


def _parse_response(name: str, key: str, value: Any) -> MockedResponse:
    match = _RANGE.match(key)
    if match is None:
        raise MockConfigError(f"MockedResponses.{name}: '{key}' is not a call number or range like \"1-2\"")
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) is not None else first
    if last < first:
        raise MockConfigError(f"MockedResponses.{name}: range '{key}' ends before it starts")
    if not isinstance(value, Mapping) or len(set(value) & {"Return", "Throw"}) != 1 or len(value) != 1:
        raise MockConfigError(f"MockedResponses.{name}.{key} must have exactly one of Return or Throw")
    if "Return" in value:
        return MockedResponse(first, last, value=value["Return"])
    throw = value["Throw"]
    if not isinstance(throw, Mapping) or not isinstance(throw.get("Error"), str):
        raise MockConfigError(f"MockedResponses.{name}.{key}.Throw needs an Error (and optionally a Cause)")
    cause = throw.get("Cause")
    return MockedResponse(first, last, error=throw["Error"], cause=None if cause is None else str(cause))
