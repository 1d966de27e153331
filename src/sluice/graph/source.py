"""Which state machine to look at: an ASL file or a template's state machine by logical id.

`load_workflow` accepts a definition file (`statemachines/x.asl.json`) or a logical id of the
template (`FilePipelineStateMachine`). A file that the template deploys (its `DefinitionUri`) is
read through the template, so its `DefinitionSubstitutions` and workflow type apply; any other file
stands alone (STANDARD unless told otherwise). The definition is validated like CreateStateMachine
would, then compiled into the engine's typed state objects (`sluice.asl.program.Program`), which the
graph, the linter and the cost estimate walk.

Example:
    >>> workflow = load_workflow("FilePipelineStateMachine", template="template.yaml")
    >>> workflow.type, workflow.program.start_at
    ('STANDARD', 'Validate')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sluice.asl import STANDARD, DefinitionLoadError, load_definition
from sluice.asl.program import Program, compile_program
from sluice.asl.validation import validate_definition
from sluice.local.errors import TemplateError
from sluice.local.stepfunctions.statemachines import MachineSpec, state_machine_specs
from sluice.local.template.default import default_template
from sluice.local.template.model import SamTemplate

PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


class WorkflowError(Exception):
    """The workflow cannot be found, read or compiled; the message is one line for the user."""


@dataclass(frozen=True)
class Workflow:
    """A state machine definition, compiled, with where it came from."""

    name: str  # the logical id, or the file name
    origin: str  # the definition file (or "Definition" for an inline one)
    type: str  # STANDARD or EXPRESS
    definition: dict[str, Any]  # after DefinitionSubstitutions
    program: Program
    unresolved: tuple[str, ...] = ()  # ${...} placeholders nothing substituted
    logical_id: str | None = None
    template: SamTemplate | None = None


def load_template(path: str | Path) -> SamTemplate:
    try:
        return SamTemplate.load(Path(path))
    except (TemplateError, OSError) as error:
        raise WorkflowError(f"cannot load template {path}: {_one_line(error)}") from None


def load_workflow(target: str, *, template: str | Path | None = None, workflow_type: str | None = None) -> Workflow:
    """A definition file or a logical id; `template` defaults to ./template.yaml (or .yml, .json) when it exists."""
    template_path = Path(template) if template else default_template()
    if template is not None and not Path(template).is_file():
        raise WorkflowError(f"template {template} does not exist")
    path = Path(target)
    if path.is_file():
        if template_path is not None:
            loaded = load_template(template_path)
            for spec in state_machine_specs(loaded).values():
                if (loaded.base_dir / spec.origin).resolve() == path.resolve():
                    return from_spec(spec, loaded)
        try:
            return from_file(path, workflow_type or STANDARD)
        except WorkflowError:
            machines = _template_machines(path)
            if machines is None:
                raise
            raise WorkflowError(f"{target} is a template, not a state machine definition: name one of its state "
                                f"machines ({', '.join(machines) or 'it declares none'})") from None
    if template_path is None:
        raise WorkflowError(f"{target} is neither a definition file nor a state machine (no template.yaml here)")
    loaded = load_template(template_path)
    specs = _specs(loaded)
    if target not in specs:
        known = ", ".join(sorted(specs)) or "none"
        raise WorkflowError(f"{target} is neither a file nor a state machine of {template_path} "
                            f"(state machines: {known})")
    return from_spec(specs[target], loaded)


def _template_machines(path: Path) -> list[str] | None:
    """The state machines of the template at `path`, or None when it is not a template."""
    try:
        template = SamTemplate.load(path)
        return sorted(state_machine_specs(template)) if template.resources else None
    except (TemplateError, OSError):
        return None


def template_workflows(template: SamTemplate) -> list[Workflow]:
    """Every state machine of a template, in template order."""
    return [from_spec(spec, template) for spec in _specs(template).values()]


def from_file(path: Path, workflow_type: str = STANDARD) -> Workflow:
    try:
        definition = load_definition(path)
    except DefinitionLoadError as error:
        raise WorkflowError(_one_line(error)) from None
    return compile_workflow(path.name, str(path), workflow_type, definition)


def from_spec(spec: MachineSpec, template: SamTemplate) -> Workflow:
    return compile_workflow(spec.logical_id, spec.origin, spec.type, spec.definition,
                            logical_id=spec.logical_id, template=template)


def compile_workflow(name: str, origin: str, workflow_type: str, definition: dict[str, Any], *,
                     logical_id: str | None = None, template: SamTemplate | None = None) -> Workflow:
    """Validate and compile; unresolved placeholders are kept (and reported by the linter)."""
    diagnostics = validate_definition(definition, placeholders=True)
    if diagnostics:
        raise WorkflowError(f"{origin}: invalid definition: " + "; ".join(str(d) for d in diagnostics))
    unresolved = tuple(sorted(set(PLACEHOLDER.findall(json.dumps(definition)))))
    try:
        program = compile_program(_compilable(definition) if unresolved else definition)
    except (ValueError, KeyError, TypeError) as error:
        raise WorkflowError(f"{origin}: cannot compile the definition: {_one_line(error)}") from None
    return Workflow(name, origin, workflow_type.upper(), definition, program, unresolved, logical_id, template)


def _compilable(value: Any, key: str = "") -> Any:
    """A copy whose unresolved `Resource` placeholders name a Lambda function after the placeholder.

    Only to compile a definition read without its template: SAM substitutions in `Resource` are
    almost always function ARNs (`${MyFunctionArn}`); the linter still reports each placeholder.
    """
    if isinstance(value, dict):
        return {name: _compilable(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_compilable(item) for item in value]
    if key == "Resource" and isinstance(value, str) and (match := PLACEHOLDER.fullmatch(value)):
        return f"arn:aws:lambda:us-east-1:123456789012:function:{match.group(1)}"
    return value


def _specs(template: SamTemplate) -> dict[str, MachineSpec]:
    try:
        return state_machine_specs(template)
    except TemplateError as error:
        raise WorkflowError(_one_line(error)) from None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
