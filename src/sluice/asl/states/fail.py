"""Fail: stops the workflow with an error name and cause (static, path, intrinsic or JSONata)."""

from __future__ import annotations

from typing import Any

from sluice.asl import intrinsics
from sluice.asl.errors import StatesError
from sluice.asl.frame import Frame
from sluice.asl.payload import evaluate_jsonata, jsonata_states, require_field_path, require_path
from sluice.asl.states.base import State


class FailState(State):
    TYPE = "Fail"

    def __init__(self, name: str, spec: dict[str, Any], query_language: str) -> None:
        super().__init__(name, spec, query_language)
        self.exited_event = None  # a Fail state is entered, never exited

    async def run(self, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        error = self._field("Error", raw, frame)
        cause = self._field("Cause", raw, frame)
        raise StatesError(error, cause)

    def _field(self, name: str, raw: Any, frame: Frame) -> Any:
        if self.jsonata:
            value = self.spec.get(name)
            return evaluate_jsonata(value, jsonata_states(frame, raw), frame, name) if value else value
        if (path := self.spec.get(f"{name}Path")) is not None:
            if intrinsics.is_intrinsic(path):
                return intrinsics.evaluate_intrinsic(path, lambda p: require_path(p, raw, frame), frame.runtime.rng)
            return require_field_path(path, f"{name}Path", raw, frame)
        return self.spec.get(name)
