"""Target input: Input, InputPath, InputTransformer ("Amazon EventBridge input transformation")."""

from __future__ import annotations

from typing import Any

import pytest

from sluice.local.errors import TemplateError
from sluice.local.eventbridge.transform import check_target, target_input

EVENT: dict[str, Any] = {
    "id": "e-1", "source": "aws.s3", "detail-type": "Object Created", "time": "2024-01-01T00:00:00Z",
    "detail": {"bucket": {"name": "raw"}, "object": {"key": 'in/"quoted".csv', "size": 12}},
}


def give(target: dict[str, Any]) -> Any:
    return target_input(EVENT, target, rule_name="R", rule_arn="arn:aws:events:us-east-1:1:rule/R",
                        ingestion_time="2024-01-01T00:00:01.000Z")


def test_the_whole_event_by_default() -> None:
    assert give({}) == EVENT


def test_constant_input_and_input_path() -> None:
    assert give({"Input": '{"fixed": true}'}) == {"fixed": True}
    assert give({"InputPath": "$.detail.object"}) == {"key": 'in/"quoted".csv', "size": 12}


def test_transformer_inserts_json_outside_strings_and_text_inside() -> None:
    target = {"InputTransformer": {
        "InputPathsMap": {"key": "$.detail.object.key", "size": "$.detail.object.size", "object": "$.detail.object",
                          "gone": "$.detail.missing"},
        "InputTemplate": '{"key": <key>, "size": <size>, "object": <object>, "gone": <gone>, '
                         '"text": "<key> is <size> bytes<gone>", "rule": "<aws.events.rule-name>"}',
    }}
    assert give(target) == {
        "key": 'in/"quoted".csv', "size": 12, "object": {"key": 'in/"quoted".csv', "size": 12}, "gone": None,
        "text": 'in/"quoted".csv is 12 bytes', "rule": "R",
    }


def test_transformer_predefined_event_variables() -> None:
    target = {"InputTransformer": {"InputTemplate": '{"whole": <aws.events.event.json>, "head": <aws.events.event>}'}}
    result = give(target)
    assert result["whole"] == EVENT
    assert "detail" not in result["head"] and result["head"]["id"] == "e-1"


def test_transformer_plain_text_template() -> None:
    target = {"InputTransformer": {"InputPathsMap": {"key": "$.detail.object.key"},
                                   "InputTemplate": "file <key> arrived"}}
    assert give(target) == 'file in/"quoted".csv arrived'


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"Id": "t", "Input": "{}", "InputPath": "$.detail"}, "only one is allowed"),
        ({"Id": "t", "InputTransformer": {"InputPathsMap": {}}}, "needs an InputTemplate"),
        ({"Id": "t", "InputTransformer": {"InputPathsMap": {"aws.events.rule-arn": "$.x"}, "InputTemplate": "x"}},
         "reserved variable"),
        ({"Id": "t", "InputPath": "detail"}, "not a valid JSONPath"),
    ],
)
def test_target_settings_are_checked(target: dict[str, Any], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        check_target(target, "MyRule")
