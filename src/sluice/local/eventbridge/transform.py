"""What a rule target receives: the event, `Input` (a constant), `InputPath`, or `InputTransformer`.

`InputTransformer` follows "Amazon EventBridge input transformation": `InputPathsMap` names
JSONPaths into the event; `<name>` placeholders in `InputTemplate` are replaced by their values.
Inside a JSON string literal of the template a value is inserted as text; elsewhere as JSON. A path
that is not in the event gives `null` (empty text inside a string). The predefined
`aws.events.rule-arn`, `aws.events.rule-name`, `aws.events.event.ingestion-time`,
`aws.events.event` and `aws.events.event.json` are available too. A template that is not JSON
at all (`"<instance> is in state <status>"` without quotes) is filled with plain text.

Example:
    >>> transformer = {"InputPathsMap": {"key": "$.detail.object.key"},
    ...                "InputTemplate": '{"file": <key>, "note": "got <key>"}'}
    >>> target_input({"detail": {"object": {"key": "a.csv"}}}, {"InputTransformer": transformer}, rule)
    {'file': 'a.csv', 'note': 'got a.csv'}
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sluice import json_text
from sluice.asl.paths import PathNotFound, PathSyntaxError, compile_path
from sluice.local.errors import TemplateError

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def target_input(event: Mapping[str, Any], target: Mapping[str, Any], *, rule_name: str, rule_arn: str,
                 ingestion_time: str) -> Any:
    """The payload for one target (a dict/list/scalar when it is JSON, else the text)."""
    if target.get("Input") is not None:
        constant = target["Input"]
        return _parse(constant) if isinstance(constant, str) else constant
    if target.get("InputPath"):
        try:
            return compile_path(str(target["InputPath"])).get(dict(event))
        except PathNotFound:
            return None
    transformer = target.get("InputTransformer")
    if transformer:
        return transform(event, transformer, rule_name=rule_name, rule_arn=rule_arn, ingestion_time=ingestion_time)
    return dict(event)


def check_target(target: Mapping[str, Any], rule: str) -> None:
    """Load-time validation of a target's input settings (clear errors instead of late surprises)."""
    chosen = [name for name in ("Input", "InputPath", "InputTransformer") if target.get(name) is not None]
    if len(chosen) > 1:
        raise TemplateError(f"target {target.get('Id')} sets {' and '.join(chosen)}; only one is allowed",
                            resource=rule, property="Targets")
    paths = [target["InputPath"]] if target.get("InputPath") else []
    transformer = target.get("InputTransformer") or {}
    if transformer:
        if "InputTemplate" not in transformer:
            raise TemplateError("InputTransformer needs an InputTemplate", resource=rule,
                                property="Targets.InputTransformer")
        paths_map = transformer.get("InputPathsMap") or {}
        reserved = [name for name in paths_map if str(name).startswith("aws.events")]
        if reserved:
            raise TemplateError(f"InputPathsMap cannot define the reserved variable(s) {reserved}", resource=rule,
                                property="Targets.InputTransformer.InputPathsMap")
        paths.extend(paths_map.values())
    for text in paths:
        try:
            compile_path(str(text))
        except PathSyntaxError as error:
            raise TemplateError(f"{text!r} is not a valid JSONPath: {error}", resource=rule,
                                property="Targets") from None


def transform(event: Mapping[str, Any], transformer: Mapping[str, Any], *, rule_name: str, rule_arn: str,
              ingestion_time: str) -> Any:
    values: dict[str, Any] = {}
    for name, path in (transformer.get("InputPathsMap") or {}).items():
        try:
            values[name] = compile_path(str(path)).get(dict(event))
        except PathNotFound:
            values[name] = None
    without_detail = {key: value for key, value in event.items() if key != "detail"}
    values |= {
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.ingestion-time": ingestion_time,
        "aws.events.event": without_detail,
        "aws.events.event.json": dict(event),
    }
    text = _fill(str(transformer["InputTemplate"]), values)
    return _parse(text)


def _fill(template: str, values: Mapping[str, Any]) -> str:
    if not template.lstrip().startswith(("{", "[", '"')):
        # Not JSON at all ("<instance> is in state <status>"): values go in as plain text.
        return _PLACEHOLDER.sub(
            lambda match: _text(values[match.group(1)]) if match.group(1) in values else match.group(0), template)
    out: list[str] = []
    position = 0
    in_string = False
    index = 0
    while index < len(template):
        char = template[index]
        if char == "\\" and in_string:
            index += 2
            continue
        if char == '"':
            in_string = not in_string
        elif char == "<":
            match = _PLACEHOLDER.match(template, index)
            if match and match.group(1) in values:
                out.append(template[position:index])
                out.append(_render(values[match.group(1)], in_string))
                position = index = match.end()
                continue
        index += 1
    out.append(template[position:])
    return "".join(out)


def _render(value: Any, in_string: bool) -> str:
    if in_string:
        return json.dumps(_text(value))[1:-1]  # escaped for the surrounding string literal
    return json.dumps(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _parse(text: str) -> Any:
    try:
        return json_text.loads(text)
    except json.JSONDecodeError:
        return text
