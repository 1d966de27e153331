"""`Fn::ForEach` of the `AWS::LanguageExtensions` transform: one template fragment per collection item.

CloudFormation expands `"Fn::ForEach::<LoopName>": [Identifier, Collection, {OutputKey: OutputValue}]`
before anything else reads the section (AWS docs: "Fn::ForEach"): the collection is a list or an
intrinsic giving one (a `CommaDelimitedList` parameter, `Fn::FindInMap`, `Fn::Split` …); every
`${Identifier}` in the output keys and values becomes the item and every `&{Identifier}` the item
with its non-alphanumeric characters removed, and `{"Ref": Identifier}` becomes the item. Loops
nest, and may appear wherever a mapping is expected (`Resources`, `Outputs`, `Conditions`, a
resource's properties).

Example:
    >>> section = {"Fn::ForEach::Queues": ["Name", ["a", "b-c"], {"Queue&{Name}": {"Type": "AWS::SQS::Queue"}}]}
    >>> sorted(expand_for_each(section, lambda value, path: value, "Resources"))
    ['Queuea', 'Queuebc']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sluice.local.errors import TemplateError

FOR_EACH = "Fn::ForEach::"
TRANSFORM = "AWS::LanguageExtensions"
#: The sections CloudFormation expands loops in.
SECTIONS = ("Conditions", "Resources", "Outputs")

Resolve = Callable[[Any, str], Any]


def expand_document(document: dict[str, Any], resolve: Resolve) -> dict[str, Any]:
    """The template with its loops expanded; a loop without the transform declared is an error
    (CloudFormation rejects it: `Fn::ForEach` is not a resource or a property)."""
    if not _has_loop(document):
        return document
    transforms = document.get("Transform")
    if TRANSFORM not in (transforms if isinstance(transforms, list) else [transforms]):
        raise TemplateError(f"Fn::ForEach needs the {TRANSFORM} transform: declare "
                            f"`Transform: [{TRANSFORM}, AWS::Serverless-2016-10-31]`", property="Transform")
    expanded = dict(document)
    for section in SECTIONS:
        if isinstance(document.get(section), dict):
            expanded[section] = expand_for_each(document[section], resolve, section)
    return expanded


def expand_for_each(value: Any, resolve: Resolve, path: str) -> Any:
    """`value` with every `Fn::ForEach::` loop (at any depth) replaced by its expansion.

    `resolve` evaluates a loop's collection (it may be an intrinsic); `path` names the section in
    errors. Templates without loops come back unchanged.
    """
    if isinstance(value, list):
        return [expand_for_each(item, resolve, f"{path}[{index}]") for index, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    expanded: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        generated = _loop(item, resolve, where) if str(key).startswith(FOR_EACH) \
            else {key: expand_for_each(item, resolve, where)}
        for output_key, output_value in generated.items():
            if output_key in expanded:
                raise TemplateError(f"{output_key!r} is declared twice (once by Fn::ForEach)", property=where)
            expanded[output_key] = output_value
    return expanded


def _has_loop(value: Any) -> bool:
    if isinstance(value, dict):
        return any(str(key).startswith(FOR_EACH) or _has_loop(item) for key, item in value.items())
    return isinstance(value, list) and any(_has_loop(item) for item in value)


def _loop(loop: Any, resolve: Resolve, where: str) -> dict[str, Any]:
    if not isinstance(loop, list) or len(loop) != 3 or not isinstance(loop[0], str) or not isinstance(loop[2], dict):
        raise TemplateError("Fn::ForEach takes [Identifier, Collection, {OutputKey: OutputValue}]", property=where)
    identifier, collection, fragment = loop
    items = resolve(collection, where)
    if not isinstance(items, list) or not all(isinstance(item, str | int | float) for item in items):
        raise TemplateError(f"the Fn::ForEach collection must be a list of strings, not {items!r}", property=where)
    for key in fragment:
        # A nested loop's key names the loop; the keys it outputs are the ones that must vary (they are
        # checked when it expands, and duplicates are refused below).
        if not str(key).startswith(FOR_EACH) and f"${{{identifier}}}" not in key and f"&{{{identifier}}}" not in key:
            raise TemplateError(f"the Fn::ForEach output key {key!r} must contain ${{{identifier}}} or "
                                f"&{{{identifier}}}, or every item would produce the same key", property=where)
    result: dict[str, Any] = {}
    for item in items:
        text = str(item)
        substituted = _substitute(fragment, identifier, text)
        # Inner loops see the outer identifier already replaced, so they expand per outer item.
        for key, value in expand_for_each(substituted, resolve, where).items():
            if key in result:
                raise TemplateError(f"Fn::ForEach generates {key!r} twice (collection {items!r})", property=where)
            result[key] = value
    return result


def _substitute(value: Any, identifier: str, item: str) -> Any:
    if isinstance(value, str):
        return _text(value, identifier, item)
    if isinstance(value, list):
        return [_substitute(element, identifier, item) for element in value]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": identifier}:
        return item
    return {_text(key, identifier, item): _substitute(element, identifier, item) for key, element in value.items()}


def _text(text: str, identifier: str, item: str) -> str:
    return text.replace(f"${{{identifier}}}", item).replace(f"&{{{identifier}}}", re.sub(r"[^A-Za-z0-9]", "", item))
