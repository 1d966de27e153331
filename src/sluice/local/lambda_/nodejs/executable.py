"""The `node` that runs Node.js functions, and what its version says about a function's runtime.

Example:
    >>> node = find_node()
    >>> print(node.version_note("nodejs22.x"))   # "" when the majors match
    runs on this machine's Node.js 20 (the template names nodejs22.x)
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass

#: `module.register` (ES module resolve hooks for layers' `/opt` paths) arrived in Node.js 20.6 and 18.19.
MINIMUM = (18, 19)


@dataclass(frozen=True)
class Node:
    path: str
    version: tuple[int, int]

    def version_note(self, runtime: str) -> str:
        """A word when the template's `nodejsNN.x` is another major version than this node's."""
        wanted = re.fullmatch(r"nodejs(\d+)\.x", runtime)
        if wanted is None or int(wanted.group(1)) == self.version[0]:
            return ""
        return f"runs on this machine's Node.js {self.version[0]} (the template names {runtime})"


@functools.cache
def find_node() -> Node | None:
    """The `node` on PATH, if it is recent enough to host functions."""
    path = shutil.which("node")
    if path is None:
        return None
    try:
        printed = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.(\d+)", printed.strip())
    if match is None:
        return None
    version = (int(match.group(1)), int(match.group(2)))
    return Node(path, version) if version >= MINIMUM else None
