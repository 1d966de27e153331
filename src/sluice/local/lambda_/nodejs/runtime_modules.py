"""The packages Lambda's Node.js runtime gives every function, which an application does not ship.

Lambda's `nodejs18.x` and later runtimes include the AWS SDK for JavaScript v3 (`@aws-sdk/*`) in the
runtime's own `node_modules` (with the `@smithy/*` packages it is built on), and `nodejs16.x` and earlier
the v2 SDK (`aws-sdk`) (AWS Lambda developer
guide: "Building Lambda functions with Node.js", runtime-included SDK versions). Public applications
import them without listing them in their `package.json`. SAM CLI's containers have them; here, the
first function that imports one has it installed with npm into a cache shared by every stack (the
runtime modules directory, `$SLUICE_CACHE_DIR` or `~/.cache/sluice/nodejs-runtime`), which the `node`
host resolves from after the function's own `node_modules`, as Lambda's runtime does.

Example:
    >>> modules = RuntimeModules(Path("/tmp/runtime"), install=npm_install)
    >>> provided_package("Cannot find package '@aws-sdk/client-s3' imported from /var/task/app.mjs", "nodejs20.x")
    '@aws-sdk/client-s3'
    >>> modules.provide("@aws-sdk/client-s3")   # installed once, then found
    True
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from sluice.local.disk_cache import cache_directory

# The SDK's own packages and the Smithy ones it is built on, which the runtime's node_modules hold too.
_MISSING = re.compile(r"Cannot find (?:package|module) '((?:@(?:aws-sdk|smithy)/[A-Za-z0-9._-]+)|aws-sdk)(?:/[^']*)?'")
_LOCK = threading.Lock()

#: Installs `package` into `directory`'s `node_modules`; the text it printed when it failed, else None.
Install = Callable[[Path, str], "str | None"]


def provided_package(message: str, runtime: str) -> str | None:
    """The runtime-provided package an import failure names, if the function's runtime provides it."""
    match = _MISSING.search(message)
    if match is None:
        return None
    package = match.group(1)
    major = re.fullmatch(r"nodejs(\d+)\.x", runtime)
    v3 = major is None or int(major.group(1)) >= 18
    return package if (package == "aws-sdk") != v3 else None


def npm_install(directory: Path, package: str) -> str | None:
    """`npm install` of one package into `directory` (its `node_modules`); what npm said when it failed."""
    npm = shutil.which("npm")
    if npm is None:
        return "there is no npm on PATH"
    directory.mkdir(parents=True, exist_ok=True)
    manifest = directory / "package.json"
    if not manifest.is_file():
        # Saved into a manifest of its own: npm prunes what no manifest names, so each install would remove
        # the packages installed before it.
        manifest.write_text('{"name": "sluice-nodejs-runtime", "private": true}\n', encoding="utf-8")
    try:
        done = subprocess.run([npm, "install", "--prefix", str(directory), "--save", "--no-audit", "--no-fund",
                               "--loglevel=error", package], capture_output=True, text=True, timeout=600,
                              check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    return None if done.returncode == 0 else (done.stderr or done.stdout).strip()[-500:]


class RuntimeModules:
    """The runtime's `node_modules` (what `provide` has installed), shared by every Node.js function."""

    def __init__(self, directory: Path | None = None, *, install: Install = npm_install) -> None:
        self.directory = directory or cache_directory("nodejs-runtime")
        self.install = install
        self.failures: dict[str, str] = {}

    @property
    def node_modules(self) -> Path:
        return self.directory / "node_modules"

    def has(self, package: str) -> bool:
        """Whether `package` was installed here completely (an install cut short leaves no mark, and runs again)."""
        return self._mark(package).is_file() and (self.node_modules / package / "package.json").is_file()

    def _mark(self, package: str) -> Path:
        return self.directory / "installed" / (package.replace("/", "__") + ".done")

    def provide(self, package: str) -> bool:
        """Whether `package` is there, installing it first if need be (once per process if that fails)."""
        with _LOCK:
            if self.has(package):
                return True
            if package in self.failures:
                return False
            failure = self.install(self.directory, package)
            if failure is None and (self.node_modules / package / "package.json").is_file():
                self._mark(package).parent.mkdir(parents=True, exist_ok=True)
                self._mark(package).touch()
                return True
            self.failures[package] = failure or "npm installed nothing"
            return False
