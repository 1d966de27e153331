"""State machines of a template, registered on the ASL engine under their deployed names.

Reads `AWS::Serverless::StateMachine` (`Definition` or a local `DefinitionUri`, JSON or YAML) and
`AWS::StepFunctions::StateMachine` (`Definition` or `DefinitionString`), applies
`DefinitionSubstitutions` — `${Name}` placeholders in any string of the definition, values
resolved like any property (`!GetAtt IngestFunction.Arn` becomes the function's ARN, which the
in-process Lambda runtime then resolves back to the handler) — and validates the result.

Example:
    >>> machines = state_machine_specs(template)
    >>> machines["FilePipeline"].definition["StartAt"]
    'Validate'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sluice.asl import STANDARD, DefinitionLoadError, Engine, load_definition
from sluice.local.errors import TemplateError
from sluice.local.template.model import ResourceDecl, SamTemplate

MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


@dataclass
class MachineSpec:
    logical_id: str
    name: str
    arn: str
    type: str
    definition: dict[str, Any]
    origin: str


def state_machine_specs(template: SamTemplate) -> dict[str, MachineSpec]:
    return {decl.logical_id: _spec(template, decl) for decl in template.of_type(*MACHINE_TYPES)}


def register(engine: Engine, specs: dict[str, MachineSpec], template: SamTemplate) -> None:
    """Create each state machine on the engine; an invalid definition names the machine."""
    from sluice.asl.validation import DefinitionInvalid  # noqa: PLC0415 - engine validation errors

    for spec in specs.values():
        try:
            engine.create_state_machine(spec.name, spec.definition, type=spec.type,
                                        role_arn=f"arn:aws:iam::{template.account}:role/{spec.name}-role")
        except (DefinitionInvalid, DefinitionLoadError, ValueError) as error:
            raise TemplateError(f"the state machine definition ({spec.origin}) is not valid:\n{error}",
                                resource=spec.logical_id, origin=template.origin) from None


def _spec(template: SamTemplate, decl: ResourceDecl) -> MachineSpec:
    serverless = decl.type == "AWS::Serverless::StateMachine"
    definition, origin = _definition(template, decl, serverless)
    substitutions = template.prop(decl, "DefinitionSubstitutions") or {}
    if not isinstance(substitutions, dict):
        raise TemplateError("DefinitionSubstitutions must be a mapping", resource=decl.logical_id,
                            property="DefinitionSubstitutions", origin=template.origin)
    if substitutions:
        definition = _substitute(definition, {key: _text(value) for key, value in substitutions.items()})
    leftover = sorted(set(_PLACEHOLDER.findall(json.dumps(definition))))
    if leftover:
        template.unsupported(f"definition placeholders without a DefinitionSubstitutions value: "
                             f"{', '.join(leftover)}", resource=decl.logical_id, property="DefinitionSubstitutions")
    machine_type = template.prop(decl, "Type" if serverless else "StateMachineType", STANDARD)
    return MachineSpec(
        logical_id=decl.logical_id,
        name=template.physical_name(decl.logical_id),
        arn=template.ref(decl.logical_id),
        type=str(machine_type).upper(),
        definition=definition,
        origin=origin,
    )


def _definition(template: SamTemplate, decl: ResourceDecl, serverless: bool) -> tuple[dict[str, Any], str]:
    inline = template.prop(decl, "Definition")
    if isinstance(inline, dict):
        return inline, "Definition"
    if not serverless and template.prop(decl, "DefinitionString") is not None:
        text = template.prop(decl, "DefinitionString")
        try:
            return load_definition(str(text)), "DefinitionString"
        except DefinitionLoadError as error:
            raise TemplateError(str(error), resource=decl.logical_id, property="DefinitionString",
                                origin=template.origin) from None
    where = "DefinitionUri" if serverless else "DefinitionS3Location"
    uri = template.prop(decl, where)
    if isinstance(uri, str) and not uri.startswith("s3://"):
        path = template.local_path(uri, decl.logical_id, where)
        if not path.is_file():
            raise TemplateError(f"DefinitionUri {uri} does not exist (looked for {path})", resource=decl.logical_id,
                                property="DefinitionUri", origin=template.origin)
        try:
            return load_definition(Path(path)), uri
        except DefinitionLoadError as error:
            raise TemplateError(str(error), resource=decl.logical_id, property="DefinitionUri",
                                origin=template.origin) from None
    raise TemplateError(f"needs Definition or a local {where} (got {uri!r}); definitions in S3 cannot be read",
                        resource=decl.logical_id, property=where, origin=template.origin)


def _substitute(value: Any, substitutions: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda match: substitutions.get(match.group(1), match.group(0)), value)
    if isinstance(value, dict):
        return {_substitute(key, substitutions): _substitute(item, substitutions) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, substitutions) for item in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)
