"""Choice: picks the next state from the first matching rule, else `Default`.

JSONPath rules compare paths with the operators in `choice_rules`; JSONata rules evaluate a
`Condition`. A rule may carry its own `Assign` (and `Output` in JSONata); the state-level ones
apply when `Default` is taken. No match and no Default: `States.NoChoiceMatched`.
"""

from __future__ import annotations

from typing import Any

from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.frame import Frame
from sluice.asl.payload import (
    PayloadTemplate,
    compile_parameters,
    contextual,
    evaluate_jsonata,
    jsonata_states,
)
from sluice.asl.states.base import _DEFAULT, State
from sluice.asl.states.choice_rules import Predicate, compile_rule


class ChoiceState(State):
    TYPE = "Choice"

    def __init__(self, name: str, spec: dict[str, Any], query_language: str) -> None:
        super().__init__(name, spec, query_language)
        self.rules: list[tuple[dict[str, Any], Predicate | None]] = [
            (rule, None if self.jsonata else compile_rule(rule)) for rule in spec.get("Choices", [])
        ]
        # Each JSONPath rule's own `Assign`, compiled with it (the state-level one is `assign_template`).
        self.rule_assigns: list[PayloadTemplate | None] = [
            None if self.jsonata or rule.get("Assign") is None else compile_parameters(rule["Assign"])
            for rule, _ in self.rules
        ]
        self.default: str | None = spec.get("Default")

    async def run(self, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        if self.jsonata:
            return self._run_jsonata(raw, frame)
        effective = self.effective_input(raw, frame)
        for (rule, predicate), rule_assign in zip(self.rules, self.rule_assigns, strict=True):
            if predicate is not None and predicate(effective, frame):
                chosen, assign = rule["Next"], rule_assign
                break
        else:
            chosen, assign = self._default_next(), self.assign_template
        assigned = None if assign is None else assign.evaluate(effective, frame)
        output = self.select_output(effective, frame)  # the variables as entered, as in `State._attempt`
        if assigned is not None:
            frame.assign(assigned)
        return output, chosen

    def _run_jsonata(self, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        states = jsonata_states(frame, raw)
        matched = next(
            ((index, r) for index, (r, _) in enumerate(self.rules) if self._condition(index, r, states, frame)), None
        )
        rule = None if matched is None else matched[1]
        # A matched rule's own fields are named under its index (`Choices[1]/Output/v`), the state's
        # own (taken with Default) plainly (floci-io/floci#2689, measured against AWS).
        within = "" if matched is None else f"Choices[{matched[0]}]/"
        chosen, assign = self._outcome(rule)
        output_template = (rule or {}).get("Output", self.output if rule is None else _DEFAULT)
        output = raw
        if output_template is not _DEFAULT:
            output = evaluate_jsonata(output_template, states, frame, f"{within}Output")
        if assign is not None:
            frame.assign(evaluate_jsonata(assign, states, frame, f"{within}Assign"))
        return output, chosen

    def _condition(self, index: int, rule: dict[str, Any], states: dict[str, Any], frame: Frame) -> bool:
        field_name = f"Choices[{index}]/Condition"
        value = evaluate_jsonata(rule["Condition"], states, frame, field_name)
        if not isinstance(value, bool):
            raise contextual(
                ErrorName.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{rule['Condition']}' specified for the field '{field_name}' "
                f"returned an unexpected result type. Expected 'boolean', but was '{type(value).__name__}'",
            )
        return value

    def _outcome(self, rule: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
        if rule is not None:
            return rule["Next"], rule.get("Assign")
        return self._default_next(), self.assign

    def _default_next(self) -> str:
        if self.default is None:
            raise StatesError(ErrorName.NO_CHOICE_MATCHED, "No Matches!")
        return self.default
