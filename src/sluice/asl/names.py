"""Names of state machines and executions, with the rules Step Functions enforces.

AWS: 1 to 80 characters, none of: whitespace, brackets `< > { } [ ]`, wildcards `? *`, special
characters `" # % \\ ^ | ~ \\` $ & , ; : /`, control characters (U+0000 to U+001F, U+007F to U+009F).

Example:
    >>> is_valid_name("orders-2024-06-11"), is_valid_name("bad name!")
    (True, False)
"""

from __future__ import annotations

import re

MAX_NAME_LENGTH = 80
_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


class InvalidName(ValueError):
    """A name Step Functions would reject (the API's `InvalidName`)."""


def is_valid_name(name: object) -> bool:
    return isinstance(name, str) and 1 <= len(name) <= MAX_NAME_LENGTH and _FORBIDDEN.search(name) is None


def check_name(name: object) -> str:
    """`name`, or InvalidName naming it."""
    if not is_valid_name(name):
        raise InvalidName(f"Invalid Name: '{name}'")
    assert isinstance(name, str)
    return name
