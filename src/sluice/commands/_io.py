"""Small helpers shared by commands: reading JSON arguments and reporting errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


class UsageError(Exception):
    """A problem with what the user typed; printed without a traceback."""


def read_json_argument(value: str | None, what: str = "input") -> Any:
    """`JSON`, `@file.json` or `-` (stdin) → the parsed value."""
    if value is None:
        return {}
    if value == "-":
        text, origin = sys.stdin.read(), "standard input"
    elif value.startswith("@"):
        path = Path(value[1:])
        try:
            text, origin = path.read_text(encoding="utf-8"), str(path)
        except OSError as error:
            raise UsageError(f"cannot read {what} file '{path}': {error.strerror}") from error
    else:
        text, origin = value, f"--{what}"
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{origin} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error
    except RecursionError:  # the parser recurses per nesting level
        raise UsageError(f"{origin} is nested too deeply to parse") from None


def fresh_seed() -> int:
    """The seed of a run given no `--seed`: request and execution ids differ from run to run, as on AWS."""
    import secrets  # noqa: PLC0415

    return secrets.randbits(32)


def fail(message: str, code: int = 2) -> int:
    print(f"sluice: error: {message}", file=sys.stderr)
    return code
