"""Evaluate CloudFormation intrinsic functions the way CloudFormation does at deploy time.

Supported: `Ref`, `Fn::GetAtt` (list and dotted forms), `Fn::Sub` (string and `[template, vars]`,
`${!Literal}`), `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::If` (with `AWS::NoValue`),
`Fn::Equals`/`And`/`Or`/`Not`, `Condition`, `Fn::FindInMap`, `Fn::Base64`, `Fn::GetAZs`,
`Fn::ToJsonString`, `Fn::Length`, `Fn::ImportValue` and `Fn::Transform` with `AWS::Include`.
Names (parameters, pseudo parameters, resources, attributes, exports, included files) come from a
`References` object, so this module knows nothing about resource types or files.

Example:
    >>> class Names:
    ...     def ref(self, name): return {"Stage": "dev", "AWS::Region": "eu-west-1"}[name]
    ...     def get_att(self, name, attribute): return f"arn:aws:s3:::{name.lower()}"
    ...     def condition(self, name): return True
    >>> IntrinsicResolver(Names()).resolve({"Fn::Sub": "${Stage}-${Raw.Arn}-${!Literal}"})
    'dev-arn:aws:s3:::raw-${Literal}'
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sluice.local.errors import TemplateError, UnsupportedFeature


class Placeholder(str):
    """An attribute of a resource sluice does not emulate (`!GetAtt Endpoint.DnsEntries`): text that
    stands for a value only AWS would know. It is whatever shape the template uses it as, as a deployed
    value would be: `Fn::Select` of it is a placeholder again, its `Fn::Split` a list whose every item
    is one (`PlaceholderParts`), and `Fn::Join` of it is itself, so a template reading such an attribute
    as a list still resolves.

    Example:
        >>> Placeholder("vpce.DnsEntries")
        'vpce.DnsEntries'
    """


class PlaceholderParts(list[str]):
    """`Fn::Split` of a placeholder: a list (as a property taking a list wants it) of the placeholder,
    whose `Fn::Select` past its end is a placeholder too, as the parts of a deployed value would be."""


class _NoValue:
    """`AWS::NoValue`: the property (or list item) is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_UNSUPPORTED = {
    "Fn::Cidr": "CIDR blocks belong to networking, which sluice does not emulate",
    "Fn::GetStackOutput": "cross-stack outputs need a deployed stack",
}
#: `{{resolve:ssm:…}}`, `{{resolve:secretsmanager:…}}`: CloudFormation reads the value at deploy time.
_DYNAMIC_REFERENCE = "{{resolve:"
#: The one macro CloudFormation itself provides; any other `Fn::Transform` runs a deployed Lambda.
INCLUDE_TRANSFORM = "AWS::Include"


class References(Protocol):
    """The names a template can refer to."""

    def ref(self, name: str) -> Any: ...

    def get_att(self, name: str, attribute: str) -> Any: ...

    def condition(self, name: str) -> bool: ...

    def import_value(self, export: str, resource: str | None, property: str | None) -> Any:
        """The value another stack exports as `export`."""
        ...

    def include(self, location: str, resource: str | None, property: str | None) -> Any:
        """The parsed snippet an `AWS::Include` transform's `Location` points at."""
        ...

    def dynamic_reference(self, text: str, resource: str | None, property: str | None) -> Any:
        """`text` (holding a `{{resolve:…}}` dynamic reference) as CloudFormation would pass it on."""
        ...


class IntrinsicResolver:
    """Resolves a property value tree. `path` arguments only serve error messages."""

    def __init__(
        self,
        references: References,
        mappings: Mapping[str, Any] | None = None,
        resource: str | None = None,
    ) -> None:
        self.references = references
        self.mappings = mappings or {}
        self.resource = resource
        self._functions: dict[str, Callable[[Any, str], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::Equals": self._condition_function,
            "Fn::And": self._condition_function,
            "Fn::Or": self._condition_function,
            "Fn::Not": self._condition_function,
            "Condition": self._condition_function,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::GetAZs": self._get_azs,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::Length": self._length,
            "Fn::ImportValue": self._import_value,
            "Fn::Transform": self._transform,
        }

    def for_resource(self, resource: str | None) -> IntrinsicResolver:
        return IntrinsicResolver(self.references, self.mappings, resource)

    # -- entry points ---------------------------------------------------------------------

    def resolve(self, value: Any, path: str = "") -> Any:
        """The value with every intrinsic evaluated; `AWS::NoValue` entries removed."""
        if isinstance(value, dict):
            if len(value) == 1:
                (key, argument), = value.items()
                if key in self._functions:
                    return self._functions[key](argument, path)
                if key in _UNSUPPORTED:
                    raise UnsupportedFeature(f"{key} is not supported: {_UNSUPPORTED[key]}",
                                             resource=self.resource, property=path or None)
            resolved = {}
            for key, item in value.items():
                result = self.resolve(item, _join_path(path, key))
                if result is not NO_VALUE:
                    resolved[key] = result
            return resolved
        if isinstance(value, list):
            items = [self.resolve(item, f"{path}[{index}]") for index, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        if isinstance(value, str) and _DYNAMIC_REFERENCE in value:
            return self.references.dynamic_reference(value, self.resource, path or None)
        return value

    def evaluate_condition(self, expression: Any, path: str) -> bool:
        """A condition expression (`Fn::Equals` …, or `{"Condition": name}`) as a bool."""
        if isinstance(expression, dict) and len(expression) == 1:
            (key, argument), = expression.items()
            if key == "Condition":
                if not isinstance(argument, str):
                    raise self._error("Condition takes a condition name", path)
                return self.references.condition(argument)
            if key == "Fn::Equals":
                pair = self._arguments(key, argument, path, 2)
                left, right = (self.resolve(item, path) for item in pair)
                return _scalar_text(left) == _scalar_text(right)
            if key in ("Fn::And", "Fn::Or"):
                if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
                    raise self._error(f"{key} takes a list of 2 to 10 conditions", path)
                results = [self.evaluate_condition(item, path) for item in argument]
                return all(results) if key == "Fn::And" else any(results)
            if key == "Fn::Not":
                (inner,) = self._arguments(key, argument, path, 1)
                return not self.evaluate_condition(inner, path)
        raise self._error(
            f"a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, not {expression!r}", path
        )

    # -- functions ------------------------------------------------------------------------

    def _ref(self, argument: Any, path: str) -> Any:
        name = self.resolve(argument, path)
        if not isinstance(name, str):
            raise self._error(f"Ref takes a name, not {name!r}", path)
        if name == "AWS::NoValue":
            return NO_VALUE
        return self._lookup(lambda: self.references.ref(name), path)

    def _get_att(self, argument: Any, path: str) -> Any:
        if isinstance(argument, str):
            name, _, attribute = argument.partition(".")
        elif isinstance(argument, list) and len(argument) == 2:
            # `[!Sub "Bucket${Id}", !Ref Property]`: AWS::LanguageExtensions allows intrinsics in both.
            name, attribute = self.resolve(argument[0], path), self.resolve(argument[1], path)
        else:
            raise self._error(f"Fn::GetAtt takes [resource, attribute] or 'resource.attribute', not {argument!r}",
                              path)
        if not isinstance(name, str) or not isinstance(attribute, str) or not name or not attribute:
            raise self._error(f"Fn::GetAtt takes [resource, attribute], not {argument!r}", path)
        return self._lookup(lambda: self.references.get_att(name, attribute), path)

    def _sub(self, argument: Any, path: str) -> str:
        if isinstance(argument, str):
            template, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) \
                and isinstance(argument[1], dict):
            template = argument[0]
            variables = {key: self.resolve(value, path) for key, value in argument[1].items()}
        else:
            raise self._error("Fn::Sub takes a string or [string, {variables}]", path)

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                resource, _, attribute = name.partition(".")
                value = self._lookup(lambda: self.references.get_att(resource, attribute), path)
            else:
                value = self._lookup(lambda: self.references.ref(name), path)
            if isinstance(value, list | dict):
                raise self._error(f"Fn::Sub variable ${{{name}}} is a {type(value).__name__}, not a string",
                                  path)
            return _scalar_text(value)

        return str(self.resolve(_SUB_VARIABLE.sub(replace, template), path))

    def _join(self, argument: Any, path: str) -> str:
        delimiter, items = self._arguments("Fn::Join", argument, path, 2)
        values = self.resolve(items, path)
        if isinstance(values, Placeholder) and isinstance(delimiter, str):
            return values  # an unknown list, joined: still unknown
        if not isinstance(delimiter, str) or not isinstance(values, list):
            raise self._error("Fn::Join takes [delimiter, [values]]", path)
        return delimiter.join(_scalar_text(value) for value in values)

    def _select(self, argument: Any, path: str) -> Any:
        index, items = (self.resolve(item, path) for item in self._arguments("Fn::Select", argument, path, 2))
        if isinstance(items, Placeholder):
            return Placeholder(f"{items}.{index}")  # an item of an unknown list: unknown too
        if not isinstance(items, list):
            raise self._error(f"Fn::Select takes a list, not {items!r}", path)
        try:
            position = int(index)
        except (TypeError, ValueError):
            raise self._error(f"Fn::Select index {index!r} is not a number", path) from None
        if isinstance(items, PlaceholderParts) and not 0 <= position < len(items):
            return Placeholder(f"{items[0]}.{position}")
        if not 0 <= position < len(items):
            raise self._error(f"Fn::Select index {position} is outside the list of {len(items)} items", path)
        return items[position]

    def _split(self, argument: Any, path: str) -> list[str]:
        delimiter, text = (self.resolve(item, path) for item in self._arguments("Fn::Split", argument, path, 2))
        if not isinstance(delimiter, str) or not isinstance(text, str):
            raise self._error("Fn::Split takes [delimiter, string]", path)
        if isinstance(text, Placeholder):
            return PlaceholderParts([text])  # the parts of unknown text: as many as are asked for
        return text.split(delimiter)

    def _if(self, argument: Any, path: str) -> Any:
        name, when_true, when_false = self._arguments("Fn::If", argument, path, 3)
        if not isinstance(name, str):
            raise self._error("Fn::If takes [condition name, value if true, value if false]", path)
        chosen = when_true if self.references.condition(name) else when_false
        return self.resolve(chosen, path)

    def _condition_function(self, argument: Any, path: str) -> Any:
        # Outside `Conditions`, Fn::Equals & co. appear only inside Fn::If conditions.
        raise self._error("condition functions are only allowed in Conditions and Fn::If", path)

    def _find_in_map(self, argument: Any, path: str) -> Any:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise self._error("Fn::FindInMap takes [map, top-level key, second-level key]", path)
        map_name, top, second = (self.resolve(item, path) for item in argument[:3])
        default = argument[3].get("DefaultValue") if len(argument) == 4 and isinstance(argument[3], dict) else None
        mapping = self.mappings.get(map_name)
        if not isinstance(mapping, dict):
            raise self._error(f"Fn::FindInMap: there is no mapping {map_name!r}", path)
        try:
            return mapping[str(top)][str(second)]
        except (KeyError, TypeError):
            if default is not None:
                return self.resolve(default, path)
            raise self._error(f"Fn::FindInMap: mapping {map_name!r} has no [{top!r}][{second!r}]", path) from None

    def _base64(self, argument: Any, path: str) -> str:
        text = self.resolve(argument, path)
        return base64.b64encode(_scalar_text(text).encode()).decode()

    def _get_azs(self, argument: Any, path: str) -> list[str]:
        region = self.resolve(argument, path) or self.references.ref("AWS::Region")
        return [f"{region}{zone}" for zone in "abc"]

    def _to_json_string(self, argument: Any, path: str) -> str:
        return json.dumps(self.resolve(argument, path), separators=(",", ":"))

    def _length(self, argument: Any, path: str) -> int:
        value = self.resolve(argument, path)
        if isinstance(value, Placeholder):
            return 1  # an unknown list's length: one, as its items stand for one unknown value
        if not isinstance(value, list):
            raise self._error("Fn::Length takes a list", path)
        return len(value)

    def _import_value(self, argument: Any, path: str) -> Any:
        export = self.resolve(argument, path)
        if not isinstance(export, str) or not export:
            raise self._error(f"Fn::ImportValue takes an export name, not {export!r}", path)
        return self.references.import_value(export, self.resource, path or None)

    def _transform(self, argument: Any, path: str) -> Any:
        if not isinstance(argument, dict) or not isinstance(argument.get("Name"), str):
            raise self._error("Fn::Transform takes {Name: macro, Parameters: {...}}", path)
        name = argument["Name"]
        if name != INCLUDE_TRANSFORM:
            raise UnsupportedFeature(f"Fn::Transform {name} is not supported: macros other than "
                                     f"{INCLUDE_TRANSFORM} run a Lambda function in the CloudFormation service",
                                     resource=self.resource, property=path or None)
        location = self.resolve((argument.get("Parameters") or {}).get("Location"), path)
        if not isinstance(location, str) or not location:
            raise self._error(f"{INCLUDE_TRANSFORM} needs Parameters.Location (a file path)", path)
        # The included snippet may itself hold intrinsics: CloudFormation resolves them in place.
        return self.resolve(self.references.include(location, self.resource, path or None), path)

    # -- helpers --------------------------------------------------------------------------

    def _arguments(self, function: str, argument: Any, path: str, count: int) -> list[Any]:
        if not isinstance(argument, list) or len(argument) != count:
            raise self._error(f"{function} takes a list of {count} arguments, not {argument!r}", path)
        return argument

    def _lookup(self, get: Callable[[], Any], path: str) -> Any:
        try:
            return get()
        except TemplateError as error:
            if error.resource is None and error.property is None:
                raise TemplateError(error.message, resource=self.resource, property=path or None) from None
            raise

    def _error(self, message: str, path: str) -> TemplateError:
        return TemplateError(message, resource=self.resource, property=path or None)


def _join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _scalar_text(value: Any) -> str:
    """How CloudFormation renders a scalar inside a string (`true`, not `True`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
