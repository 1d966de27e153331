"""Run the rules over paths: templates (their resources and every state machine) and definition files.

Example:
    >>> report = lint_paths(["template.yaml"])
    >>> report.errors, sorted({f.rule for f in report.findings})[:2]
    (0, ['retry-all-errors', 'task-no-timeout'])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sluice.graph.source import Workflow, WorkflowError, load_template, load_workflow, template_workflows
from sluice.lint.finding import ERROR, SEVERITY_ORDER, Finding, Rule
from sluice.lint.rules import TEMPLATE_RULES, WORKFLOW_RULES
from sluice.lint.suppress import disabled_rules, metadata_disabled
from sluice.lint.walk import iter_states
from sluice.local.errors import TemplateError
from sluice.local.template.model import SamTemplate

DEFINITION_INVALID = Rule("definition-invalid", ERROR, "the definition does not load, validate or compile",
                          "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html")
TEMPLATE_INVALID = Rule("template-invalid", ERROR,
                        "a template value does not resolve as CloudFormation would resolve it",
                        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html")
ALL_RULES: tuple[Rule, ...] = (DEFINITION_INVALID, TEMPLATE_INVALID, *(rule for rule, _ in WORKFLOW_RULES),
                               *(rule for rule, _ in TEMPLATE_RULES))
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template")


class LintInputError(Exception):
    """A path that does not exist or a template that cannot be read (exit code 2)."""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    linted: list[str] = field(default_factory=list)  # what was checked: templates and state machines

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == ERROR)

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)


def lint_paths(paths: Sequence[str | Path], *, template: str | Path | None = None,
               workflow_type: str | None = None) -> Report:
    """Lint each path: a SAM template, or an ASL definition (read through `template` when it deploys it)."""
    if template is not None and not Path(template).is_file():
        raise LintInputError(f"{template}: no such template")
    report = Report()
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise LintInputError(f"{path}: no such file")
        if path.suffix.lower() in TEMPLATE_SUFFIXES:
            _lint_template(path, report, seen)
            continue
        try:
            workflow = load_workflow(str(path), template=template, workflow_type=workflow_type)
        except WorkflowError as error:
            report.findings.append(DEFINITION_INVALID.finding(str(path), path.name, None, str(error),
                                                              "fix the definition (sluice validate shows where)"))
            continue
        if _key(workflow) not in seen:
            seen.add(_key(workflow))
            report.findings.extend(lint_workflow(workflow))
            report.linted.append(workflow.name)
    report.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.file, f.target, f.state or "", f.rule))
    return report


def lint_workflow(workflow: Workflow) -> list[Finding]:
    """Every finding of the workflow rules, minus the suppressed ones."""
    findings = [finding for _, check in WORKFLOW_RULES for finding in check(workflow)]
    return [f for f in findings if f.rule not in _suppressed(workflow, f.state)]


def lint_template(template: SamTemplate, workflows: list[Workflow]) -> list[Finding]:
    """Every finding of the template rules, minus the suppressed ones.

    A value a rule reads may not resolve (a `Ref` to nothing, a `Sub` of an unknown name): CloudFormation
    would refuse the stack, so that is a finding of its own, reported once, and the other rules still run.
    """
    findings: list[Finding] = []
    unresolved: dict[tuple[str, str | None, str | None], TemplateError] = {}
    for _, check in TEMPLATE_RULES:
        try:
            findings.extend(check(template, workflows))
        except TemplateError as error:
            unresolved.setdefault((error.message, error.resource, error.property), error)
    findings.extend(
        TEMPLATE_INVALID.finding(template.origin, error.resource or Path(template.origin).name, None,
                                 f"{error.property + ': ' if error.property else ''}{error.message}",
                                 "fix the value: CloudFormation would reject the template")
        for error in unresolved.values()
    )
    return [f for f in findings if f.rule not in _resource_suppressions(template, f.target)]


def _lint_template(path: Path, report: Report, seen: set[str]) -> None:
    try:
        template = load_template(path)
    except WorkflowError as error:
        raise LintInputError(str(error)) from None
    workflows: list[Workflow] = []
    try:
        workflows = template_workflows(template)
    except WorkflowError as error:
        report.findings.append(DEFINITION_INVALID.finding(str(path), path.name, None, str(error),
                                                          "fix the state machine definition"))
    report.findings.extend(lint_template(template, workflows))
    report.linted.append(str(path))
    for workflow in workflows:
        if _key(workflow) in seen:
            continue
        seen.add(_key(workflow))
        report.linted.append(workflow.name)
        report.findings.extend(lint_workflow(workflow))


def _suppressed(workflow: Workflow, state_path: str | None) -> set[str]:
    rules = disabled_rules(workflow.definition.get("Comment"))
    if workflow.template is not None and workflow.logical_id is not None:
        rules |= _resource_suppressions(workflow.template, workflow.logical_id)
    if state_path is not None:
        states = dict(iter_states(workflow.program))
        parts = state_path.split("/")
        # A suppression on a Map or Parallel state covers the states nested in it.
        for depth in range(1, len(parts) + 1):
            state = states.get("/".join(parts[:depth]))
            if state is not None:
                rules |= disabled_rules(state.spec.get("Comment"))
    return rules


def _resource_suppressions(template: SamTemplate, logical_id: str) -> set[str]:
    decl = template.resources.get(logical_id)
    return metadata_disabled(decl.metadata) if decl is not None else set()


def _key(workflow: Workflow) -> str:
    return str(Path(workflow.origin).resolve()) if workflow.origin.endswith((".json", ".yaml", ".yml")) \
        else f"{workflow.name}:{workflow.origin}"


def rules_used(findings: Iterable[Finding]) -> list[Rule]:
    used = {finding.rule for finding in findings}
    return [rule for rule in ALL_RULES if rule.id in used]
