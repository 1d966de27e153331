"""Activities of a template, created on the ASL engine under their names.

An `AWS::StepFunctions::Activity` exists before any state machine runs, as CloudFormation creates
it: a Task whose `Resource` is its ARN (usually through `DefinitionSubstitutions: {X: !Ref
Activity}`) queues work for it, and a worker — a test, a script, a handler — takes the work with
GetActivityTask through any boto3 Step Functions client of the stack (`sluice.asl.tasks.activities`).

Example:
    >>> register_activities(engine, template)
    >>> [activity.name for activity in engine.activities.all()]
    ['ReviewActivity']
"""

from __future__ import annotations

from sluice.asl import Engine
from sluice.asl.names import is_valid_name
from sluice.local.errors import TemplateError
from sluice.local.template.model import SamTemplate

ACTIVITY_TYPE = "AWS::StepFunctions::Activity"


def register_activities(engine: Engine, template: SamTemplate) -> None:
    """Create each activity of the template; a missing or invalid `Name` names the resource."""
    for decl in template.of_type(ACTIVITY_TYPE):
        name = template.prop(decl, "Name")
        if not is_valid_name(name):
            problem = "is required" if name is None else f"{name!r} is not a valid activity name (1-80 characters, " \
                "no whitespace, brackets, wildcards or special characters)"
            raise TemplateError(f"Name {problem}", resource=decl.logical_id, property="Name",
                                origin=template.origin)
        engine.create_activity(str(name))
