"""`sluice validate PATH.asl.json …` — static validation with AWS's diagnostic codes.

Also reports `${Name}` placeholders a SAM template was meant to fill (`UNRESOLVED_SUBSTITUTION`):
such a file is not what AWS would run. Exit code 0 when every file is valid, 1 when one is not, 2
when a file cannot be read or parsed.

Example:
    $ sluice validate statemachines/*.asl.json --json | jq '.files[] | select(.valid | not)'
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sluice.commands._io import OK, RUN_FAILED, USAGE_ERROR, fail


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("definitions", nargs="+", help="ASL definition files")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: each file's validity and diagnostics")


def run(args: argparse.Namespace) -> int:
    files = [_check(path) for path in args.definitions]
    if args.json:
        print(json.dumps({"valid": all(file["valid"] for file in files), "files": files}, ensure_ascii=False))
    else:
        for file in files:
            _print(file)
    if any("error" in file for file in files):
        return USAGE_ERROR
    return OK if all(file["valid"] for file in files) else RUN_FAILED


def _check(path: str) -> dict[str, Any]:
    """`{"path", "valid", "diagnostics"}`, or `{"path", "valid": False, "error"}` when unreadable."""
    from dataclasses import asdict  # noqa: PLC0415

    from sluice.asl import DefinitionLoadError, load_definition  # noqa: PLC0415
    from sluice.asl.validation import validate_definition  # noqa: PLC0415
    from sluice.asl.validation.substitutions import unresolved_substitutions  # noqa: PLC0415

    try:
        definition = load_definition(path)
    except DefinitionLoadError as error:
        fail(f"{path}: {error}")  # one line on stderr; the exit code says 2
        return {"path": path, "valid": False, "error": str(error)}
    # A definition too broken to walk is reported as such; its placeholders would add only noise.
    diagnostics = validate_definition(definition) or unresolved_substitutions(definition)
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
