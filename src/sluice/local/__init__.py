"""The local stack: a SAM template's application running in this process, without Docker.

- `LocalStack` — start it from a template, put objects / events / messages / records, run until
  idle, inspect executions, invocations, objects, items and queue contents, read the trace;
- `SamTemplate` — the template as CloudFormation resolves it (parameters, conditions, Globals,
  intrinsics, physical names);
- the pytest fixture `sluice_stack` lives in `sluice.pytest_plugin`.

Example:
    >>> from sluice.local import LocalStack
    >>> with LocalStack.from_template("template.yaml") as stack:
    ...     stack.put_object("RawBucket", "in/orders.csv", b"id\\n1\\n")
    ...     stack.run_until_idle()
    ...     [execution.status for execution in stack.executions()]
    ['SUCCEEDED']

Importing this package is cheap; moto and the engine load when a stack starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sluice.local.errors import EventError, LocalStackError, StackError, TemplateError, UnsupportedFeature

if TYPE_CHECKING:
    from sluice.local.lambda_.invocation import FunctionError, Invocation
    from sluice.local.stack import LocalStack, QueueMessage
    from sluice.local.template.model import SamTemplate
    from sluice.local.trace import Activity, Trace

__all__ = [
    "Activity",
    "EventError",
    "FunctionError",
    "Invocation",
    "LocalStack",
    "LocalStackError",
    "QueueMessage",
    "SamTemplate",
    "StackError",
    "TemplateError",
    "Trace",
    "UnsupportedFeature",
]

_LAZY = {
    "LocalStack": "sluice.local.stack",
    "QueueMessage": "sluice.local.stack",
    "SamTemplate": "sluice.local.template.model",
    "Invocation": "sluice.local.lambda_.invocation",
    "FunctionError": "sluice.local.lambda_.invocation",
    "Activity": "sluice.local.trace",
    "Trace": "sluice.local.trace",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib  # noqa: PLC0415

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sluice.local' has no attribute {name!r}")
