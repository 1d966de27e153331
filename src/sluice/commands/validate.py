"""`sluice validate PATH.asl.json …` — static validation with AWS's diagnostic codes.

Also reports `${Name}` placeholders a SAM template was meant to fill (`UNRESOLVED_SUBSTITUTION`):
such a file is not what AWS would run. A SAM or CloudFormation template stands for every state machine
it declares, each validated as the template deploys it (substitutions made), and reported as
`template.yaml#LogicalId`. Exit code 0 when every file is valid, 1 when one is not, 2 when a file cannot
be read or parsed.

Example:
    $ sluice validate statemachines/*.asl.json --json | jq '.files[] | select(.valid | not)'
    $ sluice validate template.yaml
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sluice import text_files
from sluice.commands._io import OK, RUN_FAILED, USAGE_ERROR, fail

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template", ".json")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("definitions", nargs="+",
                        help="ASL definition files, or SAM templates (each state machine they declare)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: each file's validity and diagnostics")


def run(args: argparse.Namespace) -> int:
    files = [file for path in args.definitions for file in _checked(path)]
    if args.json:
        print(json.dumps({"valid": all(file["valid"] for file in files), "files": files}, ensure_ascii=False))
    else:
        for file in files:
            _print(file)
    if any("error" in file for file in files):
        return USAGE_ERROR
    return OK if all(file["valid"] for file in files) else RUN_FAILED


def _checked(path: str) -> list[dict[str, Any]]:
    """The result of each definition `path` stands for: itself, or each state machine of a template."""
    from sluice.asl import DefinitionLoadError, load_definition  # noqa: PLC0415

    if Path(path).suffix.lower() in TEMPLATE_SUFFIXES and (machines := _template_machines(path)) is not None:
        return machines
    try:
        definition = load_definition(path)
    except DefinitionLoadError as error:
        return [_unreadable(path, str(error))]
    return [_result(path, definition)]


def _template_machines(path: str) -> list[dict[str, Any]] | None:
    """Each state machine of the template at `path`; None when the file is not a template (a YAML definition)."""
    from sluice.graph.source import WorkflowError, load_template  # noqa: PLC0415
    from sluice.local.errors import TemplateError  # noqa: PLC0415
    from sluice.local.stepfunctions.statemachines import state_machine_specs  # noqa: PLC0415
    from sluice.local.template.yaml_loader import parse_template_text  # noqa: PLC0415

    try:
        parse_template_text(text_files.read_text(path), origin=path)
    except (TemplateError, OSError):
        return None  # not a template: read it as a definition, which says what is wrong with it
    try:  # as `sluice lint` and `sluice graph` read a template (its samconfig.toml included)
        specs = state_machine_specs(load_template(path))
    except (WorkflowError, TemplateError) as error:
        return [_unreadable(path, str(error))]
    if not specs:
        print(f"sluice: warning: {path} declares no state machine", file=sys.stderr)
    return [_result(f"{path}#{spec.logical_id}", spec.definition) for spec in specs.values()]


def _unreadable(path: str, error: str) -> dict[str, Any]:
    fail(f"{path}: {error}")  # one line on stderr; the exit code says 2
    return {"path": path, "valid": False, "error": error}


def _result(path: str, definition: Any) -> dict[str, Any]:
    """`{"path", "valid", "diagnostics"}` of one loaded definition."""
    from dataclasses import asdict  # noqa: PLC0415

    from sluice.asl.validation import validate_definition  # noqa: PLC0415
    from sluice.asl.validation.substitutions import unresolved_substitutions  # noqa: PLC0415

    # A definition too broken to walk is reported as such; its placeholders would add only noise.
    diagnostics = validate_definition(definition, placeholders=True) or unresolved_substitutions(definition)
    return {"path": path, "valid": not diagnostics,
            "diagnostics": [{**asdict(diagnostic), "severity": "error"} for diagnostic in diagnostics]}


def _print(file: dict[str, Any]) -> None:
    if "error" in file:
        return  # already said on stderr
    if file["valid"]:
        print(f"{file['path']}: valid")
    for diagnostic in file["diagnostics"]:
        where = f" (state {diagnostic['state']})" if diagnostic["state"] else ""
        print(f"{file['path']}: {diagnostic['code']}: {diagnostic['message']} at {diagnostic['path']}{where}")
