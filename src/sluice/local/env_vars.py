"""SAM's `--env-vars` file: `{"FunctionLogicalId": {"VAR": "value"}, "Parameters": {"VAR": "value"}}`.

As with `sam local invoke`, `Parameters` applies to every function and a function's own section
wins; only variables the template declares for the function are overridden (others are reported,
not silently added).

Example:
    >>> apply_env_vars(specs, {"Parameters": {"LOG_LEVEL": "DEBUG"}, "IngestFunction": {"TABLE": "t"}})
    []
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sluice import json_text
from sluice.local.errors import EventError
from sluice.local.lambda_.spec import FunctionSpec


def load_env_vars(source: str | Path | Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Read and check an env-vars document (a path or an already-parsed mapping)."""
    if isinstance(source, Mapping):
        document: Any = source
        origin = "env vars"
    else:
        origin = str(source)
        try:
            document = json_text.loads(Path(source).read_text(encoding="utf-8"))
        except OSError as error:
            raise EventError(f"cannot read the env vars file {origin}: {error.strerror}") from error
        except json.JSONDecodeError as error:
            raise EventError(f"{origin} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") \
                from error
    if not isinstance(document, Mapping):
        raise EventError(f'{origin} must be a JSON object like {{"MyFunction": {{"VAR": "value"}}}}')
    checked: dict[str, dict[str, str]] = {}
    for section, variables in document.items():
        if not isinstance(variables, Mapping):
            raise EventError(f"{origin}: {section!r} must map variable names to values")
        checked[str(section)] = {}
        for name, value in variables.items():
            if isinstance(value, dict | list):
                raise EventError(f"{origin}: {section}.{name} must be a string, number or boolean")
            checked[str(section)][str(name)] = "true" if value is True else "false" if value is False else \
                "" if value is None else str(value)
    return checked


def apply_env_vars(specs: Mapping[str, FunctionSpec], overrides: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Override declared variables in place; return warnings about what was not applied."""
    warnings = []
    by_name = {spec.name: spec for spec in specs.values()}
    for section in overrides:
        if section != "Parameters" and section not in specs and section not in by_name:
            warnings.append(f"env vars: {section!r} is not a function of the template (functions: "
                            f"{', '.join(sorted(specs)) or 'none'})")
    for spec in specs.values():
        wanted = dict(overrides.get("Parameters", {}))
        wanted.update(overrides.get(spec.name, {}))
        wanted.update(overrides.get(spec.logical_id, {}))
        for name, value in wanted.items():
            if name in spec.environment:
                spec.environment[name] = value
            elif name not in overrides.get("Parameters", {}):
                warnings.append(f"env vars: {spec.logical_id} does not declare {name} in its Environment, so it is "
                                "not set (as with sam local)")
    return warnings
