"""The layer's declarative JSON files (pipeline registry, dataset catalog): read, validate, explain.

Both files are loaded the same way: cached per path and modification time (a warm Lambda reads a
file once), validated by a pydantic model, and every error names the entry it is about —
`pipelines[2] 'dataset-ready' -> trigger.eventbridge.detail_type: Field required` — rather than
pydantic's bare location.

Example:
    >>> registry = load_validated(Path("pipelines.json"), Registry, what="pipeline registry",
    ...                           entries="pipelines", error=RegistryError)    # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sluice_runtime.errors import ConfigurationError

Model = TypeVar("Model", bound=BaseModel)


def load_validated(
    path: Path,
    model: type[Model],
    *,
    what: str,
    entries: str,
    error: type[ConfigurationError],
    hidden: frozenset[str] = frozenset(),
) -> Model:
    """Load `path` as `model`; raise `error` naming the file (and entry) on any problem.

    `entries` is the top-level list whose items are named in messages; `hidden` are location parts
    to leave out (discriminator tags pydantic adds for tagged unions).
    """
    target = path.resolve()
    try:
        stamp = target.stat().st_mtime_ns
    except OSError as exc:
        raise error(f"{target}: cannot read {what} ({exc.strerror})") from exc
    key = (target, stamp, model)
    if key not in _LOADED:
        try:
            raw = json.loads(target.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise error(f"{target}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
        try:
            _LOADED[key] = model.model_validate(raw)
        except ValidationError as exc:
            raise error(f"{target}: invalid {what}:\n" + explain(exc, raw, entries, hidden)) from exc
    loaded = _LOADED[key]
    assert isinstance(loaded, model)
    return loaded


# (file, modification time, model) -> the validated model: a warm Lambda reads each file once.
_LOADED: dict[tuple[Path, int, type[BaseModel]], BaseModel] = {}


def explain(exc: ValidationError, raw: Any, entries: str, hidden: frozenset[str] = frozenset()) -> str:
    """One line per error, locating it by entry index and name."""
    lines = []
    for problem in exc.errors():
        location = list(problem["loc"])
        where = ".".join(str(part) for part in location)
        if len(location) >= 2 and location[0] == entries and isinstance(location[1], int):
            entry = raw[entries][location[1]]
            name = entry.get("name", "?") if isinstance(entry, dict) else "?"
            rest = ".".join(str(part) for part in location[2:] if part not in hidden) or "(entry)"
            where = f"{entries}[{location[1]}] '{name}' -> {rest}"
        lines.append(f"  {where}: {str(problem['msg']).removeprefix('Value error, ')}")
    return "\n".join(lines)
