"""Read a SAM template and the local files it names, for the offline check scripts.

CloudFormation's YAML short forms (``!Ref``, ``!GetAtt``, ``!Sub`` ...) are loaded as their
long JSON forms (``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``), which is what the SAM
translator and the checks expect.

Example::

    template = load_template(Path("template.yaml"))
    for machine in local_state_machines(template, Path(".")):
        print(machine.logical_id, machine.definition_path)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from samtranslator.yaml_helper import intrinsics_multi_constructor

Template = dict[str, Any]

STATE_MACHINE_TYPE = "AWS::Serverless::StateMachine"


class TemplateError(Exception):
    """The template, or a file it names, cannot be used; the message says which and why."""


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that also understands CloudFormation's ``!Tag`` short forms.

    A subclass, so that registering the tags does not change ``yaml.safe_load`` globally.
    """


_CfnLoader.add_multi_constructor("!", intrinsics_multi_constructor)


def load_template(path: Path) -> Template:
    """Load a SAM/CloudFormation YAML or JSON template into plain Python objects."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read template: {exc.strerror}") from exc
    try:
        document = yaml.load(text, Loader=_CfnLoader)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources mapping)")
    return document


def resources_of_type(template: Template, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(logical_id, properties)`` of every resource of ``resource_type``."""
    for logical_id, resource in template["Resources"].items():
        if isinstance(resource, dict) and resource.get("Type") == resource_type:
            properties = resource.get("Properties")
            yield logical_id, properties if isinstance(properties, dict) else {}


@dataclass(frozen=True)
class LocalStateMachine:
    """A SAM state machine whose definition lives in a local file (``DefinitionUri: path``)."""

    logical_id: str
    definition_path: Path
    #: Path as written in the template, for messages.
    definition_uri: str
    substitutions: dict[str, Any]

    def read_text(self) -> str:
        """The definition file's text; a missing file is a :class:`TemplateError`."""
        try:
            return self.definition_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise TemplateError(
                f"{self.definition_uri}: state machine {self.logical_id}: cannot read its DefinitionUri: {exc.strerror}"
            ) from exc

    def load_definition(self) -> dict[str, Any]:
        """Parse the definition (JSON, or YAML for ``.yaml``/``.yml`` files)."""
        text = self.read_text()
        try:
            is_yaml = self.definition_path.suffix in {".yaml", ".yml"}
            definition = yaml.safe_load(text) if is_yaml else json.loads(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise TemplateError(
                f"{self.definition_uri}: state machine {self.logical_id}: definition is not valid: {exc}"
            ) from exc
        if not isinstance(definition, dict):
            raise TemplateError(f"{self.definition_uri}: state machine {self.logical_id}: definition must be an object")
        return definition


def local_state_machines(template: Template, base_dir: Path) -> Iterator[LocalStateMachine]:
    """Yield the state machines whose ``DefinitionUri`` is a local path (not an S3 location)."""
    for logical_id, properties in resources_of_type(template, STATE_MACHINE_TYPE):
        uri = properties.get("DefinitionUri")
        if not isinstance(uri, str) or uri.startswith("s3://"):
            continue
        substitutions = properties.get("DefinitionSubstitutions") or {}
        if not isinstance(substitutions, dict):
            raise TemplateError(f"state machine {logical_id}: DefinitionSubstitutions must be a mapping")
        yield LocalStateMachine(logical_id, base_dir / uri, uri, substitutions)
