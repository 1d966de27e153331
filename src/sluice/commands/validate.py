"""`sluice validate PATH.asl.json …` — static validation with AWS's diagnostic codes."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("definitions", nargs="+", help="ASL definition files")


def run(args: argparse.Namespace) -> int:
    from sluice.asl import DefinitionLoadError, load_definition  # noqa: PLC0415
    from sluice.asl.validation import validate_definition  # noqa: PLC0415

    failures = 0
    for path in args.definitions:
        try:
            diagnostics = validate_definition(load_definition(path))
        except DefinitionLoadError as error:
            print(f"{path}: {error}")
            failures += 1
            continue
        if not diagnostics:
            print(f"{path}: valid")
            continue
        failures += 1
        for diagnostic in diagnostics:
            where = f" (state {diagnostic.state})" if diagnostic.state else ""
            print(f"{path}: {diagnostic.code}: {diagnostic.message} at {diagnostic.path}{where}")
    return 1 if failures else 0
