"""Payload templates: `Parameters`/`ItemSelector`/`ResultSelector` (JSONPath) and JSONata fields.

JSONPath templates: a key ending in `.$` takes its value from a path (`$.x`, `$$.x`, `$var.x`)
or an intrinsic function; other values are literals, with nested objects and arrays processed
recursively. JSONata templates: any string that is exactly `{% expression %}` is evaluated,
anywhere inside objects and arrays; everything else is a literal.

Example:
    >>> frame = ...  # a Frame from a running execution
    >>> evaluate_parameters({"id.$": "$.order.id", "kind": "order"}, {"order": {"id": 3}}, frame)
    {'id': 3, 'kind': 'order'}
"""

from __future__ import annotations

import json
from typing import Any

from sluice.asl import intrinsics
from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.frame import Frame
from sluice.asl.jsonata_expr import Undefined, evaluate_expression, is_jsonata_template, template_body
from sluice.asl.paths import ROOT_CONTEXT, ROOT_INPUT, PathNotFound, compile_path


def contextual(error: str, message: str) -> StatesError:
    """An error whose cause the state runner prefixes with AWS's "An error occurred while
    executing the state 'X' (entered at the event id #N)." sentence."""
    return StatesError(error, message, contextual=True)


def resolve_path(text: str, data: Any, frame: Frame) -> Any:
    """Value of a path rooted at `$` (data), `$$` (context object) or `$name` (a variable)."""
    path = compile_path(text)
    if path.root == ROOT_INPUT:
        root = data
    elif path.root == ROOT_CONTEXT:
        root = frame.context_object()
    else:
        name = path.root[1:]
        try:
            root = frame.scope.lookup(name)
        except KeyError:
            raise contextual(
                ErrorName.RUNTIME, f"The variable '{path.root}' is not defined (referenced by '{text}')."
            ) from None
    return path.get(root)


def require_path(text: str, data: Any, frame: Frame) -> Any:
    """`resolve_path` for a field whose path must match (`InputPath`, `OutputPath`, `ItemsPath`,
    `MaxConcurrencyPath`…): a miss is AWS's `States.Runtime`, worded as AWS words it.

    Example: ItemsPath `$.items` on `{}` fails with "Invalid path '$.items' : No results for path:
    $['items']"; OutputPath `$.a.b` on `{}` with "Invalid path '$.a.b' : Missing property in path
    $['a']" (after the "An error occurred while executing the state" prefix).
    """
    try:
        return resolve_path(text, data, frame)
    except PathNotFound as miss:
        raise contextual(ErrorName.RUNTIME, f"Invalid path '{text}' : {miss}") from None


def evaluate_parameters(template: Any, data: Any, frame: Frame) -> Any:
    """Apply a JSONPath payload template to `data`."""
    if isinstance(template, dict):
        result: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str):
                result[key[:-2]] = _dynamic_value(key, value, data, frame)
            else:
                result[key] = evaluate_parameters(value, data, frame)
        return result
    if isinstance(template, list):
        return [evaluate_parameters(item, data, frame) for item in template]
    return template


def _dynamic_value(key: str, expression: str, data: Any, frame: Frame) -> Any:
    if intrinsics.is_intrinsic(expression):
        return intrinsics.evaluate_intrinsic(
            expression, lambda path: _intrinsic_argument(path, data, frame), frame.runtime.rng
        )
    try:
        return resolve_path(expression, data, frame)
    except PathNotFound:
        rendered = json.dumps(data, separators=(",", ":"))
        raise contextual(
            ErrorName.RUNTIME,
            f"The JSONPath '{expression}' specified for the field '{key}' could not be found in the input '{rendered}'",
        ) from None


def _intrinsic_argument(path: str, data: Any, frame: Frame) -> Any:
    try:
        return resolve_path(path, data, frame)
    except PathNotFound:
        rendered = json.dumps(data, separators=(",", ":"))
        raise contextual(
            ErrorName.RUNTIME, f"The JSONPath '{path}' could not be found in the input '{rendered}'"
        ) from None


def evaluate_jsonata(template: Any, states: dict[str, Any], frame: Frame, field_name: str) -> Any:
    """Evaluate every `{% %}` string inside a JSONata field (`Arguments`, `Output`, `Assign`…).

    A failing expression is named by where it sits in the field, as AWS names it (recorded
    `test_undefined_reference`: `Output/result`, `Assign/result`, `Arguments/FunctionName`): `/key`
    per object key and `[i]` per array index. A field of a Choice rule or a Catch clause is named
    under the rule's index, which only the state knows, so it passes `field_name` with that prefix:
    `Choices[0]/Condition`, `Choices[1]/Output/v`, `Catch[1]/Assign/x` (floci-io/floci#2689, measured
    against AWS; LocalStack's recordings hold no such case).
    """
    if is_jsonata_template(template):
        expression = template_body(template)
        try:
            return evaluate_expression(
                expression,
                states,
                frame.scope.visible(),
                rng=frame.runtime.rng,
                field_name=field_name,
                limits=frame.runtime.jsonata_limits,
            )
        except StatesError as failure:
            failure.contextual = True
            raise
        except Undefined:
            raise contextual(
                ErrorName.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{expression}' specified for the field '{field_name}' "
                "returned nothing (undefined).",
            ) from None
    if isinstance(template, dict):
        return {key: evaluate_jsonata(value, states, frame, f"{field_name}/{key}") for key, value in template.items()}
    if isinstance(template, list):
        return [evaluate_jsonata(item, states, frame, f"{field_name}[{index}]") for index, item in enumerate(template)]
    return template


def jsonata_states(frame: Frame, state_input: Any, **extra: Any) -> dict[str, Any]:
    """The `$states` binding: input, context, and result/errorOutput where they exist."""
    states = {"input": state_input, "context": frame.context_object()}
    states.update(extra)
    return states
