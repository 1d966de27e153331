"""Pass: hands its input (or a fixed `Result`) on, optionally reshaped — no work."""

from __future__ import annotations

from typing import Any

from sluice.asl.frame import Frame
from sluice.asl.states.base import State


class PassState(State):
    TYPE = "Pass"

    async def produce(self, effective: Any, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        if "Result" in self.spec:
            return self.spec["Result"], self.next
        return effective, self.next
