"""Check that each state machine's ``${Name}`` placeholders match its DefinitionSubstitutions.

Step Functions replaces ``${Name}`` in a definition with the value of ``Name`` from
``DefinitionSubstitutions`` at deployment. A placeholder without a substitution is deployed
as the literal text ``${Name}`` (a queue URL or function ARN that does not exist, found
only when an execution reaches that state); a substitution that nothing uses is usually a
typo of one that is missing. Both are errors here, naming the file, the state machine and
the variable.

Checked: every ``AWS::Serverless::StateMachine`` with a local ``DefinitionUri`` file or an
inline ``Definition``.

Usage::

    python -m scripts.check_asl_substitutions template.yaml
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.sam_template import (
    STATE_MACHINE_TYPE,
    Template,
    TemplateError,
    load_template,
    local_state_machines,
    resources_of_type,
)

# What DefinitionSubstitutions replaces: `${` + key + `}`; keys cannot contain `}`.
PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Definition:
    """One state machine's definition text and its substitution keys."""

    logical_id: str
    #: Where the definition lives: the DefinitionUri file, or the template for inline ones.
    source: str
    text: str
    substitutions: frozenset[str]


def definitions(template: Template, template_path: Path) -> Iterator[Definition]:
    """Yield every state machine definition that this check can read."""
    for machine in local_state_machines(template, template_path.parent):
        yield Definition(
            machine.logical_id, machine.definition_uri, machine.read_text(), frozenset(machine.substitutions)
        )
    for logical_id, properties in resources_of_type(template, STATE_MACHINE_TYPE):
        inline: Any = properties.get("Definition")
        if isinstance(inline, dict):
            substitutions = properties.get("DefinitionSubstitutions") or {}
            yield Definition(
                logical_id,
                f"{template_path} (inline Definition)",
                json.dumps(inline),
                frozenset(substitutions),
            )


def problems(definition: Definition) -> list[str]:
    """Messages for placeholders without a substitution and substitutions without a use."""
    used = set(PLACEHOLDER.findall(definition.text))
    where = f"{definition.source}: state machine {definition.logical_id}"
    messages = [
        f"{where}: ${{{name}}} is used but DefinitionSubstitutions does not define {name}"
        for name in sorted(used - definition.substitutions)
    ]
    messages += [
        f"{where}: DefinitionSubstitutions defines {name} but the definition never uses ${{{name}}}"
        for name in sorted(definition.substitutions - used)
    ]
    return messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("template", nargs="?", type=Path, default=Path("template.yaml"))
    args = parser.parse_args(argv)

    try:
        found = list(definitions(load_template(args.template), args.template))
    except TemplateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    messages = [message for definition in found for message in problems(definition)]
    for message in messages:
        print(f"error: {message}", file=sys.stderr)
    if messages:
        return 1
    print(f"{args.template}: substitutions match in {len(found)} state machine definition(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
