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
from dataclasses import dataclass
from typing import Any

from sluice.asl import intrinsics
from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.frame import Frame
from sluice.asl.jsonata_expr import Undefined, evaluate_expression, is_jsonata_template, template_body
from sluice.asl.paths import ROOT_CONTEXT, ROOT_INPUT, Path, PathNotFound, PathSyntaxError, compile_path


def contextual(error: str, message: str) -> StatesError:
    """An error whose cause the state runner prefixes with AWS's "An error occurred while
    executing the state 'X' (entered at the event id #N)." sentence."""
    return StatesError(error, message, contextual=True)


def resolve_path(text: str, data: Any, frame: Frame) -> Any:
    """Value of a path rooted at `$` (data), `$$` (context object) or `$name` (a variable)."""
    return _resolve(compile_path(text), data, frame)


def _resolve(path: Path, data: Any, frame: Frame) -> Any:
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
                ErrorName.RUNTIME, f"The variable '{path.root}' is not defined (referenced by '{path.text}')."
            ) from None
    return path.get(root)


@dataclass(frozen=True, slots=True)
class Reference:
    """A path of a definition (`Variable`, `ResultPath`, a `.$` value…), compiled with its state.

    A malformed path (only an unvalidated definition holds one) keeps its syntax error for the
    moment it is used, where it has always been raised: compiling a state never fails on it.

    Example:
        >>> Reference.of("$.order.id").compiled().get({"order": {"id": 3}})
        3
    """

    text: str
    path: Path | None

    @classmethod
    def of(cls, text: str) -> Reference:
        try:
            return cls(text, compile_path(text))
        except (PathSyntaxError, AttributeError, TypeError):  # not a path, or not even text
            return cls(text, None)

    def compiled(self) -> Path:
        """The compiled path; a malformed one raises its error now, as `compile_path` words it."""
        return self.path if self.path is not None else compile_path(self.text)

    def resolve(self, data: Any, frame: Frame) -> Any:
        """`resolve_path` without parsing the text again."""
        path = self.path
        if path is not None and path.root == ROOT_INPUT:  # most paths: straight into the data
            return path.get(data)
        return _resolve(self.compiled(), data, frame)


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


def require_field_path(text: str, field_name: str, data: Any, frame: Frame) -> Any:
    """`resolve_path` for a path-valued field of a payload template (`"key.$"`) or of a Fail state
    (`ErrorPath`, `CausePath`): a miss is `States.Runtime` naming the field and the input, as AWS words
    it (recorded: LocalStack's test_invalid_jsonpath, INVALID_JSONPATH_IN_ERRORPATH and
    INVALID_JSONPATH_IN_STRING_EXPR_JSONPATH)."""
    try:
        return resolve_path(text, data, frame)
    except PathNotFound:
        raise _missing_field_path(text, field_name, data) from None


def _missing_field_path(text: str, field_name: str, data: Any) -> StatesError:
    rendered = json.dumps(data, separators=(",", ":"))
    return contextual(
        ErrorName.RUNTIME,
        f"The JSONPath '{text}' specified for the field '{field_name}' could not be found in the input '{rendered}'",
    )


class PayloadTemplate:
    """A JSONPath payload template compiled once: `evaluate` applies it to a state's data.

    Every evaluation builds new objects and arrays (a literal one too), so no output shares a
    container with the definition or with another output.

    Example:
        >>> compile_parameters({"id.$": "$.order.id", "kind": "order"}).evaluate({"order": {"id": 3}}, frame)
        {'id': 3, 'kind': 'order'}
    """

    __slots__ = ()

    def evaluate(self, data: Any, frame: Frame) -> Any:
        raise NotImplementedError


class _Literal(PayloadTemplate):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def evaluate(self, data: Any, frame: Frame) -> Any:
        return self.value


class _Object(PayloadTemplate):
    __slots__ = ("fields",)

    def __init__(self, fields: tuple[tuple[str, PayloadTemplate], ...]) -> None:
        self.fields = fields

    def evaluate(self, data: Any, frame: Frame) -> Any:
        return {key: value.evaluate(data, frame) for key, value in self.fields}


class _Array(PayloadTemplate):
    __slots__ = ("items",)

    def __init__(self, items: tuple[PayloadTemplate, ...]) -> None:
        self.items = items

    def evaluate(self, data: Any, frame: Frame) -> Any:
        return [item.evaluate(data, frame) for item in self.items]


class _PathValue(PayloadTemplate):
    """`"key.$": "$.path"`: the value at the path; a miss names the field and the input."""

    __slots__ = ("key", "reference")

    def __init__(self, key: str, reference: Reference) -> None:
        self.key = key
        self.reference = reference

    def evaluate(self, data: Any, frame: Frame) -> Any:
        try:
            return self.reference.resolve(data, frame)
        except PathNotFound:
            raise _missing_field_path(self.reference.text, self.key, data) from None


class _IntrinsicValue(PayloadTemplate):
    """`"key.$": "States.Fn(...)"`: the call's value (a malformed call fails when evaluated)."""

    __slots__ = ("call", "references")

    def __init__(self, text: str) -> None:
        self.call: intrinsics.IntrinsicCall | str = text
        self.references: dict[str, Reference] = {}  # each path argument (nested calls' too), compiled
        try:
            self.call = intrinsics.parse_intrinsic(text)
        except intrinsics.IntrinsicSyntaxError:
            return
        self.references = {path: Reference.of(path) for path in self.call.paths()}

    def evaluate(self, data: Any, frame: Frame) -> Any:
        references = self.references

        def argument(path: str) -> Any:
            try:
                return references[path].resolve(data, frame)
            except PathNotFound:
                rendered = json.dumps(data, separators=(",", ":"))
                raise contextual(
                    ErrorName.RUNTIME, f"The JSONPath '{path}' could not be found in the input '{rendered}'"
                ) from None

        return intrinsics.evaluate_intrinsic(self.call, argument, frame.runtime.rng)


def compile_parameters(template: Any) -> PayloadTemplate:
    """Compile a JSONPath payload template (`Parameters`, `ItemSelector`, `ResultSelector`, `Assign`…)."""
    if isinstance(template, dict):
        fields: list[tuple[str, PayloadTemplate]] = []
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str):
                dynamic: PayloadTemplate = (
                    _IntrinsicValue(value) if intrinsics.is_intrinsic(value) else _PathValue(key, Reference.of(value))
                )
                fields.append((key[:-2], dynamic))
            else:
                fields.append((key, compile_parameters(value)))
        return _Object(tuple(fields))
    if isinstance(template, list):
        return _Array(tuple(compile_parameters(item) for item in template))
    return _Literal(template)


def evaluate_parameters(template: Any, data: Any, frame: Frame) -> Any:
    """Apply a JSONPath payload template to `data` (a state holding one compiles it once instead:
    `compile_parameters`)."""
    return compile_parameters(template).evaluate(data, frame)


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
