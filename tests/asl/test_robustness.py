"""The engine never hangs or crashes on hostile input (issue 10): each bug found, as a test.

Every case ends in an AWS error (a validation error, `InvalidExecutionInput`, or a FAILED execution
with AWS's error name), never a Python exception, a hang, or "sluice internal error".
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from sluice.asl import Engine, InvalidExecutionInput, JsonataLimits
from sluice.asl.limits import MAX_JSON_DEPTH, MAX_STATE_NESTING
from sluice.asl.validation import DefinitionInvalid, validate_definition


def _pass(output: str) -> dict[str, Any]:
    state = {"Type": "Pass", "Output": output, "End": True}
    return {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": state}}


def _nested_parallels(depth: int) -> dict[str, Any]:
    workflow: dict[str, Any] = {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True}}}
    for level in range(depth):  # state names are unique across a whole definition
        workflow = {"StartAt": f"P{level}", "States": {f"P{level}": {"Type": "Parallel", "Branches": [workflow],
                                                                    "End": True}}}
    return workflow


# -- bug 1: JSONata evaluation is bounded --------------------------------------------------------


def test_runaway_tail_recursion_is_stopped_by_the_time_bound() -> None:
    # JSONata optimises the tail call, so this loops forever without growing any stack.
    with Engine(jsonata_limits=JsonataLimits(timeout_seconds=0.3)) as engine:
        started = time.monotonic()
        execution = engine.run(_pass("{% ($f := function($x){ $f($x) }; $f(1)) %}"), {})
    assert time.monotonic() - started < 5
    assert execution.status == "FAILED"
    assert execution.error == "States.QueryEvaluationError"
    assert execution.cause == (
        "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression "
        "'($f := function($x){ $f($x) }; $f(1))' specified for the field 'Output' threw an error during "
        "evaluation: Expression evaluation timeout: Check for infinite loop"
    )


def test_deep_recursion_trips_the_depth_bound_with_aws_cause(engine: Engine) -> None:
    execution = engine.run(_pass("{% ($f := function($x){ $f($x) + 1 }; $f(1)) %}"), {})
    assert execution.error == "States.QueryEvaluationError"
    assert execution.cause is not None
    assert execution.cause.endswith(
        "threw an error during evaluation: Stack overflow error: Check for non-terminating recursive "
        "function. Consider rewriting as tail-recursive"
    )


def test_aws_rejects_a_sum_of_200_terms_as_too_deep(engine: Engine) -> None:
    # Measured against AWS (floci-io/floci#2737): its depth bound sits near 100.
    execution = engine.run(_pass("{% " + "+".join(["1"] * 200) + " %}"), {})
    assert execution.error == "States.QueryEvaluationError"
    assert "Stack overflow error" in (execution.cause or "")


def test_tail_recursion_within_bounds_still_evaluates(engine: Engine) -> None:
    execution = engine.run(_pass("{% ($f := function($x){ $x > 300 ? $x : $f($x + 1) }; $f(1)) %}"), {})
    assert execution.status == "SUCCEEDED"
    assert execution.output == 301


def test_jsonata_error_cause_names_field_and_code(engine: Engine) -> None:
    execution = engine.run(_pass("{% 1 + 'a' %}"), {})
    assert execution.cause == (
        "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression "
        "'1 + 'a'' specified for the field 'Output' threw an error during evaluation. T2002: The right side "
        "of the + operator must evaluate to a number"
    )


def test_a_huge_range_fails_instead_of_exhausting_memory(engine: Engine) -> None:
    execution = engine.run(_pass("{% $count($range(0, 1e12, 1)) %}"), {})
    assert execution.error == "States.QueryEvaluationError"
    assert "memory limit exceeded" in (execution.cause or "")


# -- bug 2: nesting never reaches Python's recursion limit -----------------------------------------


def test_1200_nested_parallels_fail_validation_not_with_recursion_error(engine: Engine) -> None:
    with pytest.raises(DefinitionInvalid, match="TOO_DEEPLY_NESTED"):
        engine.run(_nested_parallels(1200), {})


def test_nesting_limit_is_enforced_without_validation() -> None:
    with Engine(validate=False) as engine, pytest.raises(DefinitionInvalid, match="TOO_DEEPLY_NESTED"):
        engine.create_state_machine("deep", _nested_parallels(1200))


def test_nesting_at_the_limit_runs(engine: Engine) -> None:
    assert validate_definition(_nested_parallels(MAX_STATE_NESTING)) == []
    execution = engine.run(_nested_parallels(MAX_STATE_NESTING), {"a": 1})
    assert execution.status == "SUCCEEDED"
    assert execution.describe()["output"]  # the output and the history render too
    assert len(list(execution.history)) > 4 * MAX_STATE_NESTING


def test_deeply_nested_definition_text_is_a_load_error(tmp_path: Any) -> None:
    from sluice.asl import DefinitionLoadError, load_definition  # noqa: PLC0415

    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DefinitionLoadError, match="INVALID_JSON_DESCRIPTION"):
        load_definition(path)


def test_deeply_nested_template_in_a_definition_is_a_schema_error() -> None:
    template: Any = 1
    for _ in range(MAX_JSON_DEPTH + 10):
        template = {"a": template}
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": template, "End": True}}}
    assert [d.code for d in validate_definition(definition)] == ["SCHEMA_VALIDATION_FAILED"]


def test_100k_nested_input_is_invalid_execution_input(engine: Engine) -> None:
    data: Any = []
    for _ in range(100_000):
        data = [data]
    with pytest.raises(InvalidExecutionInput, match="nesting is deeper than"):
        engine.run({"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True}}}, data)


def test_a_very_long_result_path_does_not_recurse(engine: Engine) -> None:
    path = "$" + ".a" * 3000
    execution = engine.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "ResultPath": path,
                                                             "End": True}}}, {})
    assert execution.status == "SUCCEEDED"


# -- bug 3: input mistakes get AWS's own error, never "sluice internal error" ------------------------


def _map(**fields: Any) -> dict[str, Any]:
    processor = {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True}}}
    return {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}}}


def test_missing_items_path_is_aws_runtime_error(engine: Engine) -> None:
    execution = engine.run(_map(ItemsPath="$.items"), {})
    assert execution.error == "States.Runtime"
    assert execution.cause == (
        "An error occurred while executing the state 'M' (entered at the event id #2). "
        "Invalid path '$.items' : No results for path: $['items']"
    )


@pytest.mark.parametrize(
    ("definition", "data", "error"),
    [
        (_map(ItemsPath="$.i", MaxConcurrencyPath="$.c"), {"i": [1], "c": "x"}, "States.Runtime"),
        (_map(ItemsPath="$.i", MaxConcurrencyPath="$.c"), {"i": [1]}, "States.Runtime"),
        (_map(ItemsPath="$.i"), {"i": 5}, "States.Runtime"),
        ({"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}}, {},
         "States.Runtime"),
        ({"StartAt": "W", "States": {"W": {"Type": "Wait", "TimestampPath": "$.t", "End": True}}}, {},
         "States.Runtime"),
        ({"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e"}}}, {}, "States.Runtime"),
        ({"StartAt": "F", "States": {"F": {"Type": "Fail", "CausePath": "States.Format('{}', $.c)"}}}, {},
         "States.Runtime"),
    ],
    ids=["max-concurrency-not-int", "max-concurrency-missing", "items-not-array", "seconds-path", "timestamp-path",
         "error-path", "intrinsic-argument"],
)
def test_path_mistakes_fail_with_aws_errors(engine: Engine, definition: dict[str, Any], data: Any, error: str) -> None:
    execution = engine.run(definition, data)
    assert (execution.status, execution.error) == ("FAILED", error)
    assert "sluice internal error" not in (execution.cause or "")
    assert (execution.cause or "").startswith("An error occurred while executing the state")


@pytest.mark.parametrize(("result", "error", "cause"), [
    ({"x": float("nan")}, "States.Runtime", "not valid JSON"),
    ({"x": float("inf")}, "States.Runtime", "not valid JSON"),
    # Lambda's Python runtime cannot serialise these itself: "Unable to marshal response".
    ({1, 2}, "Runtime.MarshalError", "Unable to marshal response"),
    ({"when": object()}, "Runtime.MarshalError", "Unable to marshal response"),
])
def test_a_task_result_that_is_not_json_fails_the_state(result: Any, error: str, cause: str) -> None:
    task = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": True}
    with Engine(functions={"f": lambda event, context: result}) as engine:
        execution = engine.run({"StartAt": "T", "States": {"T": task}}, {})
    assert execution.error == error
    assert cause in (execution.cause or "")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_nan_and_infinity_input_is_invalid_execution_input(engine: Engine, value: float) -> None:
    with pytest.raises(InvalidExecutionInput, match="is not a JSON number"):
        engine.run({"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True}}}, {"x": value})


def test_input_over_256_kib_is_invalid_execution_input(engine: Engine) -> None:
    with pytest.raises(InvalidExecutionInput, match="262144 bytes"):
        engine.run({"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True}}}, {"x": "y" * 262_144})


def test_lone_surrogates_pass_through(engine: Engine) -> None:
    # JSON can carry one ("\ud800"), and the JVM strings AWS uses can hold it.
    execution = engine.run({"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True}}}, {"s": "\ud800"})
    assert execution.output == {"s": "\ud800"}


# -- the CLI reports these in one line, without a traceback ----------------------------------------


def _execute(*argv: str) -> int:
    import argparse  # noqa: PLC0415

    from sluice.commands import execute  # noqa: PLC0415

    parser = argparse.ArgumentParser()
    execute.configure(parser)
    return execute.run(parser.parse_args(argv))


@pytest.mark.parametrize(
    ("definition", "data", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "{}", "nested too deeply to parse"),
        ('{"StartAt": "L", "States": {"L": {"Type": "Pass", "End": true}}}', "[" * 100_000 + "]" * 100_000,
         "nested too deeply to parse"),
        ('{"StartAt": "L", "States": {"L": {"Type": "Pass", "End": true}}}', '{"x": NaN}',
         "Invalid State Machine Execution Input: 'NaN is not a JSON number'"),
    ],
    ids=["deep-definition", "deep-input", "nan-input"],
)
def test_cli_execute_reports_bad_definition_or_input_in_one_line(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], definition: str, data: str, message: str
) -> None:
    (tmp_path / "machine.json").write_text(definition)
    (tmp_path / "input.json").write_text(data)
    assert _execute(str(tmp_path / "machine.json"), "--input", f"@{tmp_path / 'input.json'}") == 2
    error = capsys.readouterr().err
    assert message in error
    assert "Traceback" not in error
    assert error.count("\n") == 1
