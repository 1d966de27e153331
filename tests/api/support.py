"""Constants and recorders shared by the API tests."""

from __future__ import annotations

from typing import Any

ROLE = "arn:aws:iam::123456789012:role/sfn-role"


class Calls:
    """What the in-process Lambda functions saw, so tests can read task tokens from it."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.failures_left = 0
