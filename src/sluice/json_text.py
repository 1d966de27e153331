"""`json.loads` whose every failure on bad text is a `json.JSONDecodeError`, with a position.

Every caller that reads JSON from outside (a definition, an execution input, a request body, an event,
an S3 object) maps `JSONDecodeError` to its own error: `InvalidExecutionInput`, `INVALID_JSON_DESCRIPTION`,
`States.Runtime`, a one-line usage error. `json.loads` itself fails in two more ways that would escape
all of them as a bare traceback:

* an integer longer than Python converts (4,300 digits by default, CVE-2020-10735) raises a plain
  `ValueError`;
* nesting deeper than the interpreter's stack raises `RecursionError`;
* bytes that are not UTF-8 (nor the UTF-16 or UTF-32 RFC 8259 lets `json` detect) raise
  `UnicodeDecodeError`.

Here all three become `JSONDecodeError`s naming what is wrong. `src/sluice` reads JSON through this module
only (ruff's banned-api rule, pyproject.toml), so no new caller can miss them.

Example:
    >>> loads('{"a": [1, 2.5]}')
    {'a': [1, 2.5]}
    >>> loads('{"n": ' + "9" * 5000 + "}")
    Traceback (most recent call last):
    ...
    json.decoder.JSONDecodeError: Number of 5000 digits is longer than the 4300 Python reads: line 1 column 7 (char 6)
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any


def loads(text: str | bytes | bytearray, **options: Any) -> Any:
    """`json.loads(text, **options)`, raising only `json.JSONDecodeError` for text it cannot read."""
    try:
        return json.loads(text, **options)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("JSON nested too deeply to parse", _as_str(text), 0) from None
    except UnicodeDecodeError as error:
        raise json.JSONDecodeError(f"The bytes are not UTF-8 text ({error.reason})", _as_str(text),
                                   error.start) from None
    except ValueError:
        found = _long_number(_as_str(text))
        if found is None:  # a hook of the caller's (parse_float, object_hook) raised: theirs to report
            raise
        raise json.JSONDecodeError(
            f"Number of {len(found.group())} digits is longer than the {sys.get_int_max_str_digits()} Python reads",
            found.string,
            found.start(),
        ) from None


def _as_str(text: str | bytes | bytearray) -> str:
    return text if isinstance(text, str) else bytes(text).decode("utf-8", errors="replace")


def _long_number(text: str) -> re.Match[str] | None:
    limit = sys.get_int_max_str_digits()
    return re.search(rf"[0-9]{{{limit + 1},}}", text) if limit else None
