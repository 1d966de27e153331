"""Import a function's code in isolation, as if it had its own execution environment.

On Lambda every function has its own `/var/task` and `/opt/python`; here all functions share one
interpreter. A `CodeSandbox` gives each function a private slice of `sys.modules`: while it is
active its import roots (code directory, then layers) lead `sys.path`, the modules it imported
earlier are put back, and on exit every module loaded from its roots is taken out again. So two
functions that both ship `app.py` (or both use a layer's `sluice_runtime`) never see each other's
modules or module state, and a warm function keeps its own (as a warm Lambda does).

Third-party packages from site-packages are shared: they are read-only code for the handlers. So is
the AWS SDK even when a function ships its own copy (a layer of the latest boto3, a vendored
botocore): the local stack answers AWS calls through this interpreter's botocore (moto's mock and
sluice's hooks are installed there), and a second copy would send them to AWS itself.

Example:
    >>> sandbox = CodeSandbox([Path("functions/ingest"), Path("layers/runtime/python")])
    >>> with sandbox.active():
    ...     handler = sandbox.load("app", "lambda_handler")
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar


class HandlerLoadError(Exception):
    """The handler cannot be imported; `error_type` is the Lambda runtime's name for why."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


#: Packages always taken from this interpreter, never from a function's roots (see the module).
SHARED_SDK = ("boto3", "botocore", "s3transfer")


class CodeSandbox:
    """A private module namespace over a list of import roots."""

    _stack: ClassVar[list[CodeSandbox]] = []
    _all_roots: ClassVar[set[str]] = set()

    def __init__(self, roots: list[Path]) -> None:
        self.roots = [str(root.resolve()) for root in roots]
        self._prefixes = tuple(root.rstrip("/") + "/" for root in self.roots)
        self.modules: dict[str, ModuleType] = {}
        provided = _top_level_names(roots)
        self._provided = provided - set(SHARED_SDK)
        #: The SDK packages the roots ship their own copy of (taken from this interpreter instead).
        self.bundled_sdk = sorted(provided & set(SHARED_SDK))
        self._mark = f"_sluice_sandbox_mark_{id(self)}"  # see `_place_mark`
        self._saved_path: list[str] = []
        self._shadowed: dict[str, ModuleType] = {}
        self._discard = False
        CodeSandbox._all_roots.update(self.roots)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Make this sandbox's code importable, and only its code."""
        outer = CodeSandbox._stack[-1] if CodeSandbox._stack else None
        if outer is not None:
            outer._collect()  # the outer function's modules step aside while we run
        self._enter()
        CodeSandbox._stack.append(self)
        try:
            yield
        finally:
            CodeSandbox._stack.pop()
            self._exit()
            if outer is not None:
                outer._reenter()

    def load(self, module_name: str, attribute: str) -> Callable[..., Any]:
        """Import `module_name` (inside `active()`) and return its handler attribute."""
        try:
            module = importlib.import_module(module_name)
        except SyntaxError as error:
            raise HandlerLoadError("Runtime.UserCodeSyntaxError",
                                   f"Syntax error in module '{module_name}': {error}") from error
        except ImportError as error:
            raise HandlerLoadError("Runtime.ImportModuleError",
                                   f"Unable to import module '{module_name}': {error}") from error
        handler = getattr(module, attribute, None)
        if not callable(handler):
            raise HandlerLoadError("Runtime.HandlerNotFound",
                                   f"Handler '{attribute}' missing on module '{module_name}'")
        return handler  # type: ignore[no-any-return]

    def reset(self) -> None:
        """Forget every module: the next import is a cold start. Inside `active()` this takes
        effect on exit, so modules imported by the current call are dropped too."""
        if self in CodeSandbox._stack:
            self._discard = True
        else:
            self.modules.clear()

    # -- internals -------------------------------------------------------------------------

    def _enter(self) -> None:
        for name in self.bundled_sdk:  # loaded from this interpreter before the roots lead sys.path
            if name not in sys.modules:
                importlib.import_module(name)
        self._saved_path = sys.path[:]
        sys.path[:] = self.roots + [entry for entry in self._saved_path if entry not in CodeSandbox._all_roots]
        # A module of the same name imported outside (e.g. a test importing the layer package
        # directly) would otherwise be returned by `import`: step it aside too.
        self._shadowed = {}
        outside = {top for top in self._provided
                   if (present := sys.modules.get(top)) is not None and self.modules.get(top) is not present}
        if outside:
            # One pass over the whole table, however many names step aside: a test process holds
            # thousands of modules, and a stack may invoke functions thousands of times.
            packages = tuple(top + "." for top in outside)
            for name in [name for name in sys.modules if name in outside or name.startswith(packages)]:
                self._shadowed[name] = sys.modules.pop(name)
        sys.modules.update(self.modules)
        self._place_mark()

    def _exit(self) -> None:
        self._collect()
        if self._discard:
            self.modules.clear()
            self._discard = False
        sys.modules.update(self._shadowed)
        self._shadowed = {}
        sys.path[:] = self._saved_path

    def _reenter(self) -> None:
        sys.modules.update(self.modules)
        self._place_mark()

    def _collect(self) -> None:
        """Move modules loaded from our roots out of sys.modules into our private table."""
        for name in self._loaded_since_mark():
            module = sys.modules[name]
            if self._owns(module):
                self.modules[name] = module
        for name, module in self.modules.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]

    def _place_mark(self) -> None:
        """Put our mark last in sys.modules: what is imported while we are active comes after it.

        Why: a dict keeps insertion order, so the names loaded since are found without copying the
        whole table, which a test process fills with thousands of modules while a stack may invoke
        functions thousands of times. The mark is a name of our own: a module that someone deletes
        and imports again moves to the end, and would hide what came before it if it were the mark.
        """
        sys.modules.pop(self._mark, None)
        sys.modules[self._mark] = _MARK

    def _loaded_since_mark(self) -> list[str]:
        """Names put in sys.modules since the mark, which is taken away. If the mark is gone (a
        test that restored sys.modules), every name is a candidate: `_owns` filters them."""
        if self._mark not in sys.modules:
            return list(sys.modules)
        loaded: list[str] = []
        for name in reversed(sys.modules):
            if name == self._mark:
                break
            loaded.append(name)
        del sys.modules[self._mark]
        return loaded

    def _owns(self, module: ModuleType) -> bool:
        location = getattr(module, "__file__", None)
        if location:
            return str(location).startswith(self._prefixes)
        search = getattr(module, "__path__", None) or []
        return any(str(entry).startswith(self._prefixes) for entry in search)


#: The value of a sandbox's mark in sys.modules: an empty module that nothing imports.
_MARK = ModuleType("_sluice_sandbox_mark", "Where a code sandbox's imports begin (sluice.local.lambda_.sandbox).")


def _top_level_names(roots: list[Path]) -> set[str]:
    """Modules and packages directly under the roots (what `import x` would find there)."""
    names: set[str] = set()
    for root in roots:
        if not root.is_dir():
            continue
        for entry in root.iterdir():
            if entry.suffix == ".py":
                names.add(entry.stem)
            elif entry.is_dir() and entry.name.isidentifier():
                names.add(entry.name)
    return names
