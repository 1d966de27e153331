"""What a Task calls, in a few words, and which template function a Lambda ARN belongs to.

Example:
    >>> function_label(task_state, template)          # arn:…:function:sluice-dev-FileValidate…
    'λ FileValidateFunction'
"""

from __future__ import annotations

from sluice.asl.states.task import TaskState
from sluice.asl.tasks.resources import LAMBDA_FUNCTION, function_name
from sluice.local.template.model import SamTemplate

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def lambda_target(task: TaskState) -> str | None:
    """The function a Task invokes (name or ARN), for a Lambda ARN or `lambda:invoke` with a fixed name."""
    resource = task.resource
    if resource.kind == LAMBDA_FUNCTION:
        return resource.arn
    if resource.service == "lambda" and resource.action == "invoke":
        # JSONPath `Parameters`, JSONata `Arguments`; a `FunctionName.$` path is only known at run time.
        request = task.spec.get("Parameters", task.spec.get("Arguments"))
        name = request.get("FunctionName") if isinstance(request, dict) else None
        return name if isinstance(name, str) else "(dynamic)"
    return None


def function_logical_id(template: SamTemplate | None, target: str) -> str | None:
    """The template function whose physical name `target` (name or ARN) names, if any."""
    if template is None:
        return None
    name = function_name(target) if target.startswith("arn:") or ":" not in target else target
    for decl in template.of_type(*FUNCTION_TYPES):
        if decl.logical_id == name or template.physical_name(decl.logical_id) == name:
            return decl.logical_id
    return None


def function_label(task: TaskState, template: SamTemplate | None) -> str:
    target = lambda_target(task)
    if target is not None:
        return f"λ {function_logical_id(template, target) or function_name(target)}"
    return task.resource.arn.split(":::", 1)[-1] if ":::" in task.resource.arn else task.resource.arn
