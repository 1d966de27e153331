"""Small helpers shared by commands: reading JSON arguments, reporting errors, the exit-code
convention, and a console that does not wrap piped output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sluice import json_text, text_files

if TYPE_CHECKING:
    from rich.console import Console

# The one convention every command follows (README "Exit codes"); shown in each command's --help.
OK, RUN_FAILED, USAGE_ERROR, INTERNAL_ERROR = 0, 1, 2, 3
EXIT_CODES = """exit codes:
  0  ok
  1  the run or pipeline failed (a failed execution, quarantined input, a followed failure)
  2  usage or input error (bad arguments, a missing or unreadable file, an invalid definition)
  3  internal error: a bug in sluice, said in one line (SLUICE_DEBUG=1 shows the traceback)"""
# Piped output is not wrapped: a key split across two lines breaks grep, diff and copy-paste.
UNWRAPPED_WIDTH = 100_000


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
            text, origin = text_files.read_text(path), str(path)
        except OSError as error:
            raise UsageError(f"cannot read {what} file '{path}': {error.strerror}") from error
    else:
        text, origin = value, f"--{what}"
    try:
        return json_text.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{origin} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error


def port_number(text: str) -> int:
    """An argparse `type` for a TCP port: 0 (any free port) to 65535, or a usage error naming the range."""
    import argparse  # noqa: PLC0415

    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {port}")
    return port


def fresh_seed() -> int:
    """The seed of a run given no `--seed`: request and execution ids differ from run to run, as on AWS."""
    import secrets  # noqa: PLC0415

    return secrets.randbits(32)


def fail(message: str, code: int = USAGE_ERROR) -> int:
    """Print one `sluice: error: …` line to stderr; the exit code to return.

    A message with line breaks of its own (a parser's excerpt, a name holding a newline) is folded onto
    the one line, so a script reading stderr line by line sees one error.
    """
    one_line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    print(f"sluice: error: {one_line}", file=sys.stderr)
    return code


def console(file: TextIO) -> Console:
    """A rich console on `file` that wraps at the terminal's width, and not at all when piped.

    Example:
        >>> console(sys.stdout).print(tree)
    """
    from rich.console import Console  # noqa: PLC0415 - rich is imported only by commands that draw

    return Console(file=file, highlight=False, width=None if file.isatty() else UNWRAPPED_WIDTH)
