"""sluice's in-process AWS Step Functions engine.

Example:
    >>> from sluice.asl import Engine
    >>> execution = Engine().run({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}, {"a": 1})
    >>> execution.status, execution.output
    ('SUCCEEDED', {'a': 1})
"""

from sluice.asl.engine import (
    EXPRESS,
    STANDARD,
    Engine,
    ExecutionAlreadyExists,
    InvalidExecutionInput,
    StateMachine,
)
from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.execution import Execution
from sluice.asl.jsonata_bounds import JsonataLimits
from sluice.asl.loader import DefinitionLoadError, load_definition

__all__ = [
    "EXPRESS",
    "STANDARD",
    "DefinitionLoadError",
    "Engine",
    "ErrorName",
    "Execution",
    "ExecutionAlreadyExists",
    "InvalidExecutionInput",
    "JsonataLimits",
    "StateMachine",
    "StatesError",
    "load_definition",
]
