"""Every Step Functions action, sent requests shaped like its botocore input but full of hostile values,
answers 200 or an AWS error body: never an exception out of the wire layer, never a 5xx.

The requests follow each operation's input shape (so most reach the action itself, past the model
check) with strings drawn from the ARNs of a real machine, execution and activity, the shape's enums,
and hostile text (lone surrogates, control characters, separators); any member may instead hold any
JSON value, and numbers run past 64 bits. A campaign of about 40,000 such requests found the lone
surrogate that `str.encode()` could not count against the 256 KiB limit
(`test_api_service.test_a_lone_surrogate_in_a_payload_is_measured_not_a_crash`).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import botocore.session
import pytest
from botocore.model import OperationModel, Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sluice.api import StepFunctionsService
from sluice.api.wire import ERROR_NAMESPACE, handle
from tests.api.support import ROLE
from tests.profiles import campaign_examples
from tests.reliability.hostile import JSON_VALUES, KEY_TEXT, TEXT

WAIT_THEN_CALLBACK = {
    "StartAt": "W",
    "States": {
        "W": {"Type": "Wait", "Seconds": 5, "Next": "Ask"},
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "record", "Payload": {"token.$": "$$.Task.Token"}}, "End": True},
    },
}


@cache
def operations() -> dict[str, OperationModel]:
    model = botocore.session.get_session().get_service_model("stepfunctions")
    return {name: model.operation_model(name) for name in model.operation_names}


def shaped(shape: Shape, names: tuple[str, ...], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of `shape`, now and then any JSON value instead."""
    kind = shape.type_name
    strategy: st.SearchStrategy[Any]
    if kind == "string":
        strategy = st.one_of(st.sampled_from(names + tuple(getattr(shape, "enum", None) or ())), TEXT, KEY_TEXT)
    elif kind in ("integer", "long"):
        strategy = st.integers(min_value=-(2**70), max_value=2**70)
    elif kind == "boolean":
        strategy = st.booleans()
    elif kind in ("float", "double", "timestamp"):
        strategy = st.one_of(st.floats(allow_nan=False), st.integers(), TEXT)
    elif kind == "list" and depth < 4:
        strategy = st.lists(shaped(shape.member, names, depth + 1), max_size=3)  # type: ignore[attr-defined]
    elif kind == "map" and depth < 4:
        strategy = st.dictionaries(TEXT, shaped(shape.value, names, depth + 1), max_size=2)  # type: ignore[attr-defined]
    elif kind == "structure" and depth < 4:
        members = shape.members  # type: ignore[attr-defined]
        required = set(shape.required_members)
        strategy = st.fixed_dictionaries(
            {name: shaped(member, names, depth + 1) for name, member in members.items() if name in required},
            optional={name: shaped(member, names, depth + 1) for name, member in members.items()
                      if name not in required},
        )
    else:
        strategy = JSON_VALUES
    return st.one_of(strategy, JSON_VALUES) if depth else strategy


@pytest.fixture
def names(service: StepFunctionsService) -> tuple[str, ...]:
    """ARNs and names of things that exist, so requests reach past "does not exist"."""
    definition = json.dumps(WAIT_THEN_CALLBACK)
    machine = service.call("CreateStateMachine", {"name": "m", "definition": definition, "roleArn": ROLE})
    machine_arn = str(machine["stateMachineArn"])
    execution = service.call("StartExecution", {"stateMachineArn": machine_arn, "name": "e"})["executionArn"]
    activity = service.call("CreateActivity", {"name": "a"})["activityArn"]
    return (machine_arn, f"{machine_arn}:1", str(execution), str(activity), ROLE, "m", "e", definition, "{}", "")


@pytest.mark.parametrize("action", sorted(operations()))
@settings(max_examples=campaign_examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_action_answers_hostile_requests_with_a_result_or_an_aws_error(
    service: StepFunctionsService, names: tuple[str, ...], action: str, data: st.DataObject
) -> None:
    shape = operations()[action].input_shape
    request = data.draw(shaped(shape, names) if shape is not None else st.just({}), label="request")
    status, body = handle(service, action, json.dumps(request))
    answer = json.loads(body)
    if status != 200:
        assert 400 <= status < 500, (status, answer)
        assert answer["__type"].startswith(ERROR_NAMESPACE) and answer["message"], answer
    service.drive(seconds=30)  # whatever the request started runs on without raising
