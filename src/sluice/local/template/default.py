"""The template a command reads when none is named: as SAM CLI looks for it, the first of `template.yaml`,
`template.yml` and `template.json` in the working directory.

Example:
    >>> default_template(Path("/nonexistent")) is None
    True
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")


def default_template(directory: Path | None = None) -> Path | None:
    """The first of `TEMPLATE_NAMES` that is a file in `directory` (the working directory), as a relative
    path when `directory` is not given; None when there is none."""
    for name in TEMPLATE_NAMES:
        candidate = (directory / name) if directory is not None else Path(name)
        if candidate.is_file():
            return candidate
    return None
