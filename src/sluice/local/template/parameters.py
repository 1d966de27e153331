"""Template `Parameters`: defaults, overrides, and CloudFormation's own checks on the values.

Values are kept as CloudFormation passes them around: strings (`Number` parameters too — `Ref`
to a Number is a string in a property), and lists of strings for list types.

A parameter with neither a `Default` nor an override (what `sam deploy --guided` would prompt
for) gets a placeholder, as `sam local invoke` runs such templates too: its first `AllowedValues`
entry, else `MinValue` (or 0) for numbers, else its name in lower case without punctuation (a
valid bucket, queue or table name). `missing_parameters()` names them so the caller can warn.

Example:
    >>> declared = {"Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]}}
    >>> resolve_parameters(declared, {"Stage": "prod"})
    {'Stage': 'prod'}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

# CloudFormation reads `AllowedPattern` as a Java regular expression: `regex` reads its `\p{Print}`-style
# classes, which Python's `re` refuses (serverless-patterns' activemq-lambda-sam-java: `\p{Print}`).
import regex

from sluice.local.errors import TemplateError
from sluice.local.template.intrinsics import Placeholder
from sluice.local.template.pattern_example import example
from sluice.local.template.values import parsed_number

_LIST_TYPES = ("CommaDelimitedList", "List<")
#: How long a placeholder made by repeating the parameter's name may grow to meet its pattern.
_LONGEST_REPEAT = 64


def missing_parameters(declared: Mapping[str, Any], overrides: Mapping[str, str]) -> list[str]:
    """Declared parameters with neither a `Default` nor an override."""
    return [name for name, declaration in declared.items()
            if name not in overrides and isinstance(declaration, Mapping) and "Default" not in declaration]


def resolve_parameters(declared: Mapping[str, Any], overrides: Mapping[str, str], *,
                       placeholders: bool = False,
                       public_parameter: Callable[[str], str | None] | None = None) -> dict[str, Any]:
    """Every declared parameter's value; unknown overrides and invalid values are errors.

    A parameter without a value is an error, or with `placeholders=True` gets a placeholder. A parameter of
    an `AWS::SSM::Parameter::Value<…>` type whose value names one of AWS's public parameters
    (`/aws/service/…`: the latest AMI ids, regions) takes its value from `public_parameter`.
    """
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(
            f"parameter override(s) {', '.join(unknown)} are not declared in Parameters "
            f"(declared: {', '.join(sorted(declared)) or 'none'})"
        )
    values: dict[str, Any] = {}
    for name, declaration in declared.items():
        if not isinstance(declaration, Mapping):
            raise TemplateError("a parameter declaration must be a mapping", property=f"Parameters.{name}")
        _check_declaration(name, declaration)
        if name in overrides:
            raw: Any = overrides[name]
        elif "Default" in declaration:
            raw = declaration["Default"]
        elif placeholders:
            raw = _placeholder(name, declaration)
        else:
            missing = missing_parameters(declared, overrides)
            raise TemplateError(
                f"parameter{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"{'have' if len(missing) > 1 else 'has'} no Default: pass "
                f"--parameter-overrides '{' '.join(f'{item}=VALUE' for item in missing)}' "
                "(or parameters={...} in Python)"
            )
        try:
            values[name] = _coerce(name, raw, declaration, public_parameter)
            if name not in overrides and "Default" not in declaration and isinstance(values[name], str):
                # A value nobody gave stands for an unknown one: whatever shape the template reads it as
                # (`!Select [1, !Split ["-", !Ref VpcEndpointDnsName]]`), as a deployed value would be.
                values[name] = Placeholder(values[name])
        except TemplateError as error:
            if name in overrides or "Default" in declaration:
                raise
            raise TemplateError(f"parameter {name} has no Default, and the placeholder {raw!r} does not fit it "
                                f"({error.message}): pass --parameter-overrides {name}=VALUE",
                                property=error.property) from None
    return values


def _check_declaration(name: str, declaration: Mapping[str, Any]) -> None:
    """The constraints themselves must be well formed, as CloudFormation checks them before any value:
    numbers for `MinValue`/`MaxValue`, whole numbers for `MinLength`/`MaxLength`, a list of
    `AllowedValues`, and an `AllowedPattern` that compiles."""
    where = f"Parameters.{name}"
    for key in ("MinValue", "MaxValue"):
        if key in declaration and parsed_number(declaration[key]) is None:
            raise TemplateError(f"{key} must be a number, not {declaration[key]!r}", property=where)
    for key in ("MinLength", "MaxLength"):
        if key in declaration and not _whole_number(declaration[key]):
            raise TemplateError(f"{key} must be a whole number, not {declaration[key]!r}", property=where)
    if "AllowedValues" in declaration and not isinstance(declaration["AllowedValues"], list):
        raise TemplateError(f"AllowedValues must be a list, not {declaration['AllowedValues']!r}", property=where)
    if "AllowedPattern" in declaration:
        try:
            regex.compile(str(declaration["AllowedPattern"]))
        except regex.error as error:
            raise TemplateError(f"AllowedPattern {declaration['AllowedPattern']!r} is not a valid regular "
                                f"expression: {error}", property=where) from None


def _whole_number(value: Any) -> bool:
    number = parsed_number(value)
    return number is not None and number.is_integer() and number >= 0


def _placeholder(name: str, declaration: Mapping[str, Any]) -> Any:
    allowed = declaration.get("AllowedValues")
    if isinstance(allowed, list) and allowed:
        return allowed[0]
    kind = str(declaration.get("Type", "String"))
    if kind in ("Number", "List<Number>"):
        return _text(declaration.get("MinValue", 0))
    text = re.sub(r"[^a-z0-9]", "", name.lower()) or "placeholder"
    # Fitted to the declared lengths (checked well formed before this), so that e.g. `MinLength: 15` is met.
    shortest, longest = (int(parsed_number(declaration[key]) or 0) if key in declaration else None
                         for key in ("MinLength", "MaxLength"))
    if shortest is not None and len(text) < shortest:
        text = (text * (shortest // len(text) + 1))[:shortest]
    text = text[:longest] if longest is not None else text
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and not regex.fullmatch(str(pattern), text):
        # The name does not fit the pattern: a string the pattern matches, if one fits the lengths too;
        # else the name repeated to a length the pattern takes (a password's `{12,}`).
        matching = example(str(pattern))
        if matching is not None and (shortest or 0) <= len(matching) <= (longest if longest is not None else
                                                                         len(matching)):
            return matching
        base = re.sub(r"[^a-z0-9]", "", name.lower()) or "placeholder"
        lengths = range(max(shortest or 0, len(base)), (longest if longest is not None else _LONGEST_REPEAT) + 1)
        return next((candidate for length in lengths
                     if regex.fullmatch(str(pattern), candidate := (base * length)[:length])), text)
    return text


def _coerce(name: str, raw: Any, declaration: Mapping[str, Any],
            public_parameter: Callable[[str], str | None] | None = None) -> Any:
    kind = str(declaration.get("Type", "String"))
    where = f"Parameters.{name}"
    if kind.startswith("AWS::SSM::Parameter::Value"):
        public = public_parameter(str(raw)) if public_parameter is not None and str(raw).startswith(
            "/aws/service/") else None
        if public is not None:
            raw = public
        elif "Default" in declaration and raw == declaration["Default"]:
            raise TemplateError(
                f"parameter {name} of type {kind} names an SSM parameter ({raw}) that only exists in AWS: "
                f"pass its value with --parameter-overrides {name}=VALUE", property=where)
        kind = "String"
    if kind.startswith(_LIST_TYPES):
        items = raw if isinstance(raw, list) else [item.strip() for item in str(raw).split(",")] if raw != "" else []
        values = [_text(item) for item in items]
        for item in values:
            _check_scalar(name, item, declaration, "Number" if kind == "List<Number>" else "String")
        return values
    text = _text(raw)
    _check_scalar(name, text, declaration, "Number" if kind == "Number" else "String")
    return text


def _check_scalar(name: str, text: str, declaration: Mapping[str, Any], kind: str) -> None:
    where = f"Parameters.{name}"
    allowed = declaration.get("AllowedValues")
    if allowed is not None and text not in [_text(option) for option in allowed]:
        raise TemplateError(f"value {text!r} is not one of the AllowedValues {allowed}", property=where)
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and kind == "String" and not regex.fullmatch(str(pattern), text):
        hint = declaration.get("ConstraintDescription")
        raise TemplateError(
            f"value {text!r} does not match AllowedPattern {pattern}" + (f" ({hint})" if hint else ""),
            property=where,
        )
    if kind == "Number":
        try:
            number = float(text)
        except ValueError:
            raise TemplateError(f"value {text!r} is not a number", property=where) from None
        if "MinValue" in declaration and number < float(declaration["MinValue"]):  # checked: _check_declaration
            raise TemplateError(f"value {text} is below MinValue {declaration['MinValue']}", property=where)
        if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
            raise TemplateError(f"value {text} is above MaxValue {declaration['MaxValue']}", property=where)
    elif "MinLength" in declaration and len(text) < int(declaration["MinLength"]):
        raise TemplateError(f"value {text!r} is shorter than MinLength {declaration['MinLength']}", property=where)
    elif "MaxLength" in declaration and len(text) > int(declaration["MaxLength"]):
        raise TemplateError(f"value {text!r} is longer than MaxLength {declaration['MaxLength']}", property=where)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
