"""Load an ASL definition from JSON, YAML or JSON5 (files or text), with a clear error.

Example:
    >>> load_definition('{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}')["StartAt"]
    'A'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sluice import json_text, text_files


class DefinitionLoadError(ValueError):
    """The definition could not be read or parsed (AWS: INVALID_JSON_DESCRIPTION)."""


def load_definition(source: Mapping[str, Any] | str | Path) -> dict[str, Any]:
    """A definition as a dict, from a mapping, a file path, or JSON/YAML/JSON5 text."""
    if isinstance(source, Mapping):
        return dict(source)
    text, suffix = _read(source)
    loaded = _parse(text, suffix, str(source) if isinstance(source, Path) else "definition")
    if not isinstance(loaded, dict):
        raise DefinitionLoadError("INVALID_JSON_DESCRIPTION: a state machine definition must be a JSON object")
    return loaded


def _read(source: str | Path) -> tuple[str, str]:
    if isinstance(source, Path) or (
        isinstance(source, str) and not source.lstrip().startswith(("{", "StartAt")) and "\n" not in source
    ):
        path = Path(source)
        try:
            return text_files.read_text(path), path.suffix.lower()
        except OSError as error:
            raise DefinitionLoadError(f"Cannot read definition file '{path}': {error.strerror}") from error
    return str(source), ""


def _parse(text: str, suffix: str, origin: str) -> Any:
    try:
        return _parse_text(text, suffix, origin)
    except RecursionError:  # every parser here recurses per nesting level
        raise DefinitionLoadError(f"INVALID_JSON_DESCRIPTION: {origin} is nested too deeply to parse") from None


def _parse_text(text: str, suffix: str, origin: str) -> Any:
    if suffix in {".yaml", ".yml"}:
        import yaml  # noqa: PLC0415 - only YAML users pay for it

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise DefinitionLoadError(f"INVALID_JSON_DESCRIPTION: {origin} is not valid YAML: {error}") from error
    try:
        return json_text.loads(text)
    except json.JSONDecodeError as error:
        if suffix not in {".json5", ""}:
            raise DefinitionLoadError(
                f"INVALID_JSON_DESCRIPTION: {origin} is not valid JSON: {error.msg} "
                f"at line {error.lineno} column {error.colno}"
            ) from error
    import json5  # noqa: PLC0415

    try:
        return json5.loads(text)
    except ValueError as error:
        raise DefinitionLoadError(f"INVALID_JSON_DESCRIPTION: {origin} is not valid JSON5: {error}") from error
