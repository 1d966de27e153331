"""unresolved-substitution: a `${Name}` placeholder that no `DefinitionSubstitutions` entry replaces.

Why: SAM and CloudFormation replace `${Name}` from DefinitionSubstitutions at deploy time; a name
left over is deployed literally (a Resource `${FnArn}` is rejected, a bucket name `${Bucket}`
fails at run time). AWS SAM: "AWS::Serverless::StateMachine — DefinitionSubstitutions"
(https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-statemachine.html).
A definition file linted without the template that deploys it has all its placeholders unresolved:
lint the template (or pass `--template`).
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.graph.source import Workflow
from sluice.lint.finding import ERROR, Finding, Rule

RULE = Rule("unresolved-substitution", ERROR, "${...} placeholder without a DefinitionSubstitutions value",
            "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-statemachine.html")


def check(workflow: Workflow) -> Iterator[Finding]:
    for name in workflow.unresolved:
        where = "the template's DefinitionSubstitutions" if workflow.template else "a template (none deploys this file)"
        yield RULE.finding(workflow.origin, workflow.name, None,
                           f"${{{name}}} is not substituted by {where}",
                           f"add {name} to DefinitionSubstitutions, or lint through the template that deploys it")
