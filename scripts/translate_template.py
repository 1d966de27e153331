"""Translate the SAM template to plain CloudFormation offline, for cfn-lint and checkov.

``sam validate`` runs the same SAM translator but throws its output away, and cfn-lint
checks a SAM template against SAM's own schemas only; the generated resources (event
source mappings, IAM roles, the state machine with its ASL definition) are never linted.
This script produces them without AWS credentials:

* every ``DefinitionUri`` that is a local ASL file is inlined as ``Definition`` first, and
  after translation the state machine carries that ``Definition`` object (instead of SAM's
  ``Fn::Join`` of JSON lines), so cfn-lint validates the ASL itself;
* local ``CodeUri``/``ContentUri`` directories are checked to exist (and, for Python
  functions, to contain the handler module) and then replaced by placeholder S3 URIs,
  which is what ``sam package`` would do;
* managed policy names are resolved from the map bundled with the translator; a name it
  does not know is an error (use the policy ARN) instead of a call to IAM.

Usage::

    python -m scripts.translate_template template.yaml -o .aws-sam/checks/template.translated.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TypeGuard

import boto3
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from scripts.sam_template import (
    Template,
    TemplateError,
    load_template,
    local_state_machines,
    resources_of_type,
)

DEFAULT_OUTPUT = Path(".aws-sam/checks/template.translated.json")
PLACEHOLDER_BUCKET = "sluice-offline-translation"
#: Stands in for AWS::AccountId; nothing is deployed with it.
PLACEHOLDER_ACCOUNT = "123456789012"


class _NoIamPolicyLoader:
    """Managed-policy loader that refuses to call IAM (the translator's fallback)."""

    def load(self) -> dict[str, str]:
        raise TemplateError(
            "a function or state machine names a managed policy that the SAM translator's bundled "
            "map does not know; write its full ARN instead of its name"
        )


def _placeholder(kind: str, logical_id: str) -> str:
    return f"s3://{PLACEHOLDER_BUCKET}/{kind}/{logical_id}"


def _is_local(uri: Any) -> TypeGuard[str]:
    """A path in the repository, as opposed to an S3 URI or an {Bucket, Key} location."""
    return isinstance(uri, str) and not uri.startswith("s3://")


def _check_function_code(base_dir: Path, logical_id: str, function: dict[str, Any]) -> None:
    """Fail unless a function's local CodeUri exists and holds its Python handler module.

    ``function`` is the function's properties with Globals applied.
    """
    code_uri = function["CodeUri"]
    code_dir = base_dir / code_uri
    if not code_dir.is_dir():
        raise TemplateError(f"function {logical_id}: CodeUri {code_uri} is not a directory")
    handler = function.get("Handler")
    if isinstance(handler, str) and "." in handler and str(function.get("Runtime", "")).startswith("python"):
        module = handler.rsplit(".", 1)[0].replace(".", "/") + ".py"
        if not (code_dir / module).is_file():
            raise TemplateError(
                f"function {logical_id}: handler {handler} needs {Path(code_uri) / module}, which does not exist"
            )


def prepare_for_translation(template: Template, base_dir: Path) -> dict[str, dict[str, Any]]:
    """Inline local ASL files and stand in for local code paths, in place.

    Returns the inlined definitions by state machine logical id.
    """
    function_globals = template.get("Globals", {}).get("Function", {})
    for logical_id, properties in resources_of_type(template, "AWS::Serverless::Function"):
        function = {**function_globals, **properties}
        if function.get("PackageType") == "Image" or "InlineCode" in function or not _is_local(function.get("CodeUri")):
            continue
        _check_function_code(base_dir, logical_id, function)
        properties["CodeUri"] = _placeholder("functions", logical_id)
    if _is_local(function_globals.get("CodeUri")):
        function_globals["CodeUri"] = _placeholder("functions", "Globals")

    for logical_id, properties in resources_of_type(template, "AWS::Serverless::LayerVersion"):
        content_uri = properties.get("ContentUri")
        if _is_local(content_uri):
            if not (base_dir / content_uri).is_dir():
                raise TemplateError(f"layer {logical_id}: ContentUri {content_uri} is not a directory")
            properties["ContentUri"] = _placeholder("layers", logical_id)

    inlined: dict[str, dict[str, Any]] = {}
    for machine in local_state_machines(template, base_dir):
        definition = machine.load_definition()
        properties = template["Resources"][machine.logical_id]["Properties"]
        del properties["DefinitionUri"]
        properties["Definition"] = definition
        inlined[machine.logical_id] = definition
    return inlined


def translate(template: Template, base_dir: Path, region: str) -> Template:
    """Return the CloudFormation translation of a SAM template, without AWS credentials."""
    inlined = prepare_for_translation(template, base_dir)
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    parameters = {"AWS::Region": region, "AWS::AccountId": PLACEHOLDER_ACCOUNT}
    try:
        translated: Template = translator.translate(
            template,
            parameter_values=parameters,
            passthrough_metadata=True,
            get_managed_policy_map=_NoIamPolicyLoader().load,
        )
    except InvalidDocumentException as exc:
        raise TemplateError("\n".join(cause.message for cause in exc.causes)) from exc
    for logical_id, definition in inlined.items():
        resource = translated["Resources"].get(logical_id, {})
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::StepFunctions::StateMachine" and "DefinitionString" in properties:
            del properties["DefinitionString"]
            properties["Definition"] = definition
    return translated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("template", nargs="?", type=Path, default=Path("template.yaml"))
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)

    try:
        template = load_template(args.template)
        translated = translate(template, args.template.parent, args.region)
    except TemplateError as exc:
        for line in str(exc).splitlines():
            print(f"{args.template}: error: {line}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(translated, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    machines = sum(1 for _ in resources_of_type(translated, "AWS::StepFunctions::StateMachine"))
    print(
        f"{args.template}: translated {len(translated['Resources'])} resources "
        f"({machines} state machines, ASL inlined) -> {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
