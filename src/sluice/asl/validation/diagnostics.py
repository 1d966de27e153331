"""Diagnostics: what is wrong, AWS's error code for it, and where (`/States/A/Next`).

Codes are the ones `ValidateStateMachineDefinition` and `CreateStateMachine` report
(`SCHEMA_VALIDATION_FAILED`, `MISSING_TRANSITION_TARGET`, …). Locations are JSON pointers printed
the way AWS prints them: array positions in brackets (`/States/C/Choices[0]/Next`), names
unescaped, and no location at all for whole-workflow problems (`MISSING_END_STATE`).

Example:
    >>> error = DefinitionInvalid([Diagnostic("MISSING_TRANSITION_TARGET", "Missing 'Next' target: B",
    ...                                      "/States/A/Next", "A")])
    >>> print(error)
    Invalid State Machine Definition: MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Code:
    """AWS diagnostic codes (ValidateStateMachineDefinitionDiagnostic, "List of error codes")."""

    SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
    MISSING_TRANSITION_TARGET = "MISSING_TRANSITION_TARGET"
    MISSING_END_STATE = "MISSING_END_STATE"
    DUPLICATE_STATE_NAME = "DUPLICATE_STATE_NAME"
    INVALID_STATE_NAME = "INVALID_STATE_NAME"
    DUPLICATE_LABEL_NAME = "DUPLICATE_LABEL_NAME"
    INVALID_LABEL_NAME = "INVALID_LABEL_NAME"
    INVALID_JSONATA_EXPRESSION = "INVALID_JSONATA_EXPRESSION"
    MISSING_DESCRIPTION = "MISSING_DESCRIPTION"
    TOO_DEEPLY_NESTED = "TOO_DEEPLY_NESTED"
    # sluice's own: a `${Name}` DefinitionSubstitutions placeholder left in a definition file.
    UNRESOLVED_SUBSTITUTION = "UNRESOLVED_SUBSTITUTION"


@dataclass(frozen=True)
class Diagnostic:
    """One problem: AWS code, human message, JSON pointer ("" = the whole workflow), state name."""

    code: str
    message: str
    path: str
    state: str | None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" + (f" at {self.path}" if self.path else "")


class DefinitionInvalid(Exception):
    """Raised by `ensure_valid`; `str()` lists every diagnostic the way AWS joins them."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("Invalid State Machine Definition: " + ", ".join(map(str, diagnostics)))


@dataclass
class Report:
    """Collects diagnostics in the order the rules find them."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, code: str, message: str, path: str, state: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, path, state))

    def schema(self, message: str, path: str, state: str | None = None) -> None:
        self.add(Code.SCHEMA_VALIDATION_FAILED, message, path, state)
