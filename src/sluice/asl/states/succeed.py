"""Succeed: ends the workflow (or branch/iteration) successfully with its input."""

from __future__ import annotations

from typing import Any

from sluice.asl.frame import Frame
from sluice.asl.states.base import State


class SucceedState(State):
    TYPE = "Succeed"

    async def produce(self, effective: Any, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        return effective, None
