"""How deep definitions and data may nest, and iterative checks that never recurse.

The engine walks definitions and payloads with ordinary recursive Python (compiling branches,
validating templates, copying mocked responses, JSONata's own evaluator). Python stops such a walk
at 1,000 frames with a `RecursionError`, so input nested deeper than that must be refused *before*
anything recursive sees it. The checks here use explicit stacks, so they work at any depth.

AWS documents no nesting limit for either (its quotas are sizes: 1 MB of definition, 256 KiB of
payload), but `ValidateStateMachineDefinition` has a `TOO_DEEPLY_NESTED` code ("The states are too
deeply nested"), so it has one. The limits below are ours, chosen conservatively:

* `MAX_STATE_NESTING` (Parallel/Map inside Parallel/Map): real workflows nest a handful of levels;
  40 leaves room for any of them while keeping compile (about 3 frames a level) and validation far
  below Python's limit.
* `MAX_JSON_DEPTH` (arrays/objects inside arrays/objects, in a payload or a definition): the
  deepest recursive walk over data costs two frames a level (`copy.deepcopy` of a mocked
  response), so 256 levels stay under 600 frames even when called from a deep stack.

Example:
    >>> json_problem({"a": [1, float("nan")]})
    'NaN is not a JSON number'
    >>> state_nesting({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
    ...     {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}]}}})
    1
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

MAX_STATE_NESTING = 40
MAX_JSON_DEPTH = 256


def json_problem(value: Any, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why `value` is not a JSON value Step Functions would accept, or None when it is.

    Refused: NaN and ±Infinity (RFC 8259 has no such numbers; AWS rejects them as invalid JSON),
    values JSON has no type for (sets, bytes, objects), non-string object keys, and nesting deeper
    than `max_depth`.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= max_depth:
                return f"nesting is deeper than {max_depth} levels"
            if isinstance(item, list):
                stack.extend((child, depth + 1) for child in item)
                continue
            for key, child in item.items():
                if not isinstance(key, str):
                    return f"object key {key!r} is not a string"
                stack.append((child, depth + 1))
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"{_constant(item)} is not a JSON number"
        elif item is not None and not isinstance(item, str | int):  # bool is an int
            return f"a {type(item).__name__} is not a JSON value"
    return None


def state_nesting(definition: Mapping[str, Any]) -> int:
    """How many Parallel/Map levels the deepest state sits inside (0 for a flat workflow)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(definition, 0)]
    while stack:
        workflow, depth = stack.pop()
        deepest = max(deepest, depth)
        states = workflow.get("States") if isinstance(workflow, Mapping) else None
        if not isinstance(states, Mapping):
            continue
        for state in states.values():
            if not isinstance(state, Mapping):
                continue
            branches = state.get("Branches")
            children = list(branches) if isinstance(branches, list) else []
            children += [state[key] for key in ("ItemProcessor", "Iterator") if key in state]
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _constant(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    return "Infinity" if number > 0 else "-Infinity"
