"""What a function's own process holds that sluice's process shares with it: environment variables and
the working directory.

On Lambda each execution environment is a process of its own: it starts in `/var/task` (the function's
code), a handler that sets `os.environ["X"]` or calls `os.chdir` changes only its own process, and the
change lasts for that environment's next invocations. In-process, every function shares sluice's
`os.environ` and working directory, so `ProcessState.applied` gives each invocation the function's view
and puts sluice's back afterwards:

- the environment is the function's configured variables plus what its handler set or removed in
  earlier invocations of the same environment (forgotten at a cold start, `reset`); variables that would
  send boto3 to another endpoint (`AWS_PROFILE`, `AWS_ENDPOINT_URL…`) are hidden;
- the working directory is the function's code directory, as `/var/task` is on Lambda, so a handler
  that opens a file it ships by a relative name finds it.

Example:
    >>> state = ProcessState(Path("functions/ingest"))
    >>> with state.applied({"TABLE": "t"}):
    ...     os.environ["CACHE"] = "warm"
    >>> "CACHE" in os.environ, state.changes
    (False, {'CACHE': 'warm'})
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

# Variables that would send boto3 somewhere other than the local stack.
ESCAPE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL")


class ProcessState:
    """One function's environment variables and working directory, as its own process would keep them."""

    def __init__(self, code_dir: Path) -> None:
        self.code_dir = code_dir
        #: What the handler set (a value) or removed (None) in this execution environment so far.
        self.changes: dict[str, str | None] = {}
        self._environments = 0  # counts resets: an invocation that ended its environment keeps nothing

    def reset(self) -> None:
        """A new execution environment: only the configured variables again."""
        self.changes.clear()
        self._environments += 1

    @contextmanager
    def applied(self, variables: Mapping[str, str]) -> Iterator[None]:
        """The function's environment and working directory for one invocation; sluice's afterwards."""
        saved_environment, saved_directory = dict(os.environ), os.getcwd()
        for name in [name for name in os.environ if name.startswith(ESCAPE_VARIABLES)]:
            del os.environ[name]
        os.environ.update(variables)
        for name, value in self.changes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        given, environment = dict(os.environ), self._environments
        if self.code_dir.is_dir():
            os.chdir(self.code_dir)
        try:
            yield
        finally:
            after = dict(os.environ)
            if environment == self._environments:  # not reset meanwhile (a timeout, sys.exit)
                self.changes.update({name: value for name, value in after.items() if given.get(name) != value})
                self.changes.update(dict.fromkeys(given.keys() - after.keys()))
            os.environ.clear()
            os.environ.update(saved_environment)
            os.chdir(saved_directory)
