"""What `sam` would read from `samconfig.toml` (or `.yaml`): stack name, region, parameter overrides.

SAM looks up `[<env>.<command>.parameters]` and falls back to `[<env>.global.parameters]`. sluice
emulates the *deployed* stack, so it layers `global` < `deploy` < the local command's own section
(`local_invoke` for `sluice invoke`); a later section wins key by key.

Example:
    >>> parse_parameter_overrides('Stage=dev ParameterKey=LogLevel,ParameterValue=DEBUG Note="a b"')
    {'Stage': 'dev', 'LogLevel': 'DEBUG', 'Note': 'a b'}
"""

from __future__ import annotations

import shlex
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sluice import text_files
from sluice.local.errors import TemplateError

CONFIG_NAMES = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")


@dataclass
class SamConfig:
    """The settings sluice takes from a SAM config file."""

    stack_name: str | None = None
    region: str | None = None
    parameter_overrides: dict[str, str] = field(default_factory=dict)
    origin: str | None = None


def find_config(directory: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def load_samconfig(
    path: Path | None, *, environment: str = "default", commands: Iterable[str] = ("deploy", "local_invoke")
) -> SamConfig:
    """Settings for `environment`, `global` first and then each of `commands` in order."""
    if path is None:
        return SamConfig()
    document = _read(path)
    env = document.get(environment)
    if env is None:
        return SamConfig(origin=str(path))
    if not isinstance(env, Mapping):
        raise TemplateError(f"[{environment}] must be a table", origin=str(path))
    merged: dict[str, Any] = {}
    overrides: dict[str, str] = {}
    for section in ("global", *commands):
        table = env.get(section) or {}
        if not isinstance(table, Mapping):
            raise TemplateError(f"[{environment}.{section}] must be a table", origin=str(path))
        parameters = table.get("parameters") or {}
        if not isinstance(parameters, Mapping):
            raise TemplateError(f"[{environment}.{section}.parameters] must be a table", origin=str(path))
        merged.update(parameters)
        if "parameter_overrides" in parameters:
            where = f"{path} [{environment}.{section}.parameters] parameter_overrides"
            overrides.update(parse_parameter_overrides(parameters["parameter_overrides"], where))
    return SamConfig(
        stack_name=_optional_str(merged.get("stack_name")),
        region=_optional_str(merged.get("region")),
        parameter_overrides=overrides,
        origin=str(path),
    )


def parse_parameter_overrides(value: str | Iterable[str], origin: str = "--parameter-overrides") -> dict[str, str]:
    """SAM's two spellings: `Key=Value` and `ParameterKey=Key,ParameterValue=Value`, space separated."""
    if not isinstance(value, str | list | tuple):
        raise TemplateError(f"must be a string or a list of strings, not {value!r}", origin=origin)
    try:
        tokens = [token for item in ([value] if isinstance(value, str) else value) for token in shlex.split(str(item))]
    except ValueError as error:
        raise TemplateError(f"cannot split {value!r}: {error}", origin=origin) from error
    parsed: dict[str, str] = {}
    for token in tokens:
        if token.startswith("ParameterKey="):
            key_part, sep, value_part = token.partition(",ParameterValue=")
            if not sep:
                raise TemplateError(
                    f"{token!r} has ParameterKey= but no ,ParameterValue=", origin=origin
                )
            parsed[key_part.removeprefix("ParameterKey=")] = value_part
            continue
        key, sep, text = token.partition("=")
        if not sep or not key:
            raise TemplateError(f"{token!r} is not Key=Value", origin=origin)
        parsed[key] = text
    return parsed


def _read(path: Path) -> dict[str, Any]:
    try:
        text = text_files.read_text(path)
    except OSError as error:
        raise TemplateError(f"cannot read: {error.strerror}", origin=str(path)) from error
    try:
        document = tomllib.loads(text) if path.suffix == ".toml" else _yaml_document(text)
    except (tomllib.TOMLDecodeError, _InvalidYaml) as error:
        raise TemplateError(f"not valid {path.suffix.lstrip('.').upper()}: {error}", origin=str(path)) from error
    if not isinstance(document, dict):
        raise TemplateError("a SAM config file must be a table of environments", origin=str(path))
    return document


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


class _InvalidYaml(ValueError):
    """PyYAML's error, raised without importing PyYAML for a `samconfig.toml`."""


def _yaml_document(text: str) -> Any:
    import yaml  # noqa: PLC0415 - most projects' samconfig is TOML

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _InvalidYaml(str(error)) from error
