"""Intrinsic functions: AWS-recorded results, documented behaviour, errors and properties."""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sluice.asl.errors import StatesError
from sluice.asl.intrinsics import (
    IntrinsicCall,
    IntrinsicSyntaxError,
    LiteralArg,
    PathArg,
    StringArg,
    evaluate_intrinsic,
    is_intrinsic,
    parse_intrinsic,
)
from sluice.asl.paths import ROOT_CONTEXT, compile_path
from tests.asl.helpers import CORPUS


def run(expression: str, data: Any = None, *, seed: int = 0) -> Any:
    """Evaluate against `data` as both the state input (`$`) and `$$.Execution.Input`."""
    return evaluate_intrinsic(expression, resolver(data), random.Random(seed))


def resolver(data: Any) -> Callable[[str], Any]:
    def resolve(path: str) -> Any:
        compiled = compile_path(path)
        root = {"Execution": {"Input": data}} if compiled.root == ROOT_CONTEXT else data
        return compiled.get(root)

    return resolve


def failure(expression: str, data: Any = None) -> StatesError:
    with pytest.raises(StatesError) as caught:
        run(expression, data)
    return caught.value


# --- AWS-recorded cases --------------------------------------------------------------------------


def recorded_function_cases() -> Iterator[Any]:
    """Single-Pass-state cases `{"FunctionResult.$": <call>}` with a recorded, unmasked output."""
    for line in CORPUS.read_text().splitlines():
        case = json.loads(line)
        states = list(case["definition"]["States"].values())
        parameters = states[0].get("Parameters", {}) if len(states) == 1 else {}
        expression = parameters.get("FunctionResult.$", "")
        output = case["expected"].get("output")
        if not is_intrinsic(expression) or not isinstance(output, dict):
            continue
        if "<" in json.dumps(output) or output["FunctionResult"] == "RandomNumberGenerated":
            continue  # placeholders for ARNs or random numbers: checked by dedicated tests
        yield pytest.param(expression, case["input"], output["FunctionResult"], id=case["id"].split("::")[-1])


@pytest.mark.parametrize(("expression", "data", "expected"), list(recorded_function_cases()))
def test_recorded_function_results(expression: str, data: Any, expected: Any) -> None:
    result = run(expression, data)
    assert result == expected
    assert type(result) is type(expected)  # AWS keeps 1 and 1.0 apart


def test_the_recorded_corpus_yields_cases_for_most_functions() -> None:
    # Guards the filter above against silently dropping the recorded cases.
    cases = list(recorded_function_cases())
    names = {parse_intrinsic(param.values[0]).name for param in cases}
    assert len(cases) >= 40
    assert len(names) >= 13, names


def test_format_renders_an_object_like_a_java_map() -> None:
    # test_generic.py::TestGeneric::test_context_json_path renders $$.StateMachine as
    # "{Id=arn:..., Name=...}" (ARN and name placeholders replaced by real-looking values here).
    state_machine = {"Id": "arn:aws:states:us-east-1:111111111111:stateMachine:sm", "Name": "sm"}
    result = run("States.Format('fst={} and snd={}.', $.name, $.sm)", {"name": "exec-1", "sm": state_machine})
    assert result == "fst=exec-1 and snd={Id=arn:aws:states:us-east-1:111111111111:stateMachine:sm, Name=sm}."


def test_fail_state_cause_path_intrinsic() -> None:
    # test_base.py::TestSnfBase::test_state_fail_intrinsic
    cause = run(
        "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)",
        {"Error": "error string", "Cause": "cause string"},
    )
    assert cause == "This is a custom error message for error string, caused by cause string."


def test_math_random_recorded_bounds() -> None:
    # test_math_operations.py::TestMathOperations::test_math_random#exec_hist_resp_1 (value masked)
    values = {run("States.MathRandom($.a, $.b)", {"a": 9999, "b": 99999}, seed=s) for s in range(50)}
    assert all(isinstance(value, int) and 9999 <= value < 99999 for value in values)
    assert len(values) > 1


def every_recorded_intrinsic() -> Iterator[str]:
    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                is_expression = key.endswith(".$") or key in ("ErrorPath", "CausePath")
                if is_expression and isinstance(value, str) and is_intrinsic(value):
                    yield value
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for line in CORPUS.read_text().splitlines():
        yield from walk(json.loads(line)["definition"])


def test_every_intrinsic_aws_accepted_parses() -> None:
    expressions = set(every_recorded_intrinsic())
    assert len(expressions) > 30
    for expression in expressions:
        assert isinstance(parse_intrinsic(expression), IntrinsicCall)


# --- Parser --------------------------------------------------------------------------------------


def test_parse_builds_a_tree_of_arguments() -> None:
    call = parse_intrinsic(
        "States.Array('a', -1.5, 2, true, null, $.x[0], $$.Execution.Id, $v.f, States.UUID())"
    )
    assert call.args == (
        StringArg("a"),
        LiteralArg(-1.5),
        LiteralArg(2),
        LiteralArg(True),
        LiteralArg(None),
        PathArg("$.x[0]"),
        PathArg("$$.Execution.Id"),
        PathArg("$v.f"),
        IntrinsicCall("States.UUID", ()),
    )
    assert list(parse_intrinsic("States.Array($.a, States.Array($b))").paths()) == ["$.a", "$b"]


def test_string_escapes_and_significant_braces() -> None:
    arg = parse_intrinsic(r"States.Format('it\'s \{\} {} \\')").args[0]
    assert arg == StringArg("it's {} {} \\", frozenset({8, 9}))


def test_paths_keep_brackets_with_spaces_and_commas() -> None:
    call = parse_intrinsic("States.Array($['a b, c'], $.x[?(@.y == 1)], $)")
    assert call.args == (PathArg("$['a b, c']"), PathArg("$.x[?(@.y == 1)]"), PathArg("$"))


def test_whitespace_between_tokens_is_ignored() -> None:
    assert parse_intrinsic("States.Array( 1 ,\n2 )").args == (LiteralArg(1), LiteralArg(2))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("States.Foo(1)", "unknown intrinsic function 'States.Foo'"),
        ("States.Array(", "missing ')'"),
        ("States.Array(1 2)", "expected ',' or ')'"),
        ("States.Array(1,)", "expected an argument"),
        ("States.Array(1) trailing", "unexpected 'trailing'"),
        ("States.Array($.a[0)", "mismatched ')'"),
        ("States.Array($.a[0]", "missing ')'"),
        ("States.Array('abc)", "unterminated string literal"),
        (r"States.Base64Decode('YWJj\nZA==')", "open escape"),
        ("States.Array(1.)", "malformed number"),
        ("States.Array(.5)", "expected an argument"),
        ("States.Array(01)", "malformed number"),
        ("States.Array([1,2])", "expected an argument"),
        ("States.Array($['a)", "unterminated bracket"),
        ("States.Array(nul)", "expected an argument"),
    ],
)
def test_syntax_errors_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(IntrinsicSyntaxError, match="Invalid intrinsic function call") as caught:
        parse_intrinsic(text)
    assert problem in str(caught.value)


def test_nesting_is_limited_to_ten_levels() -> None:
    def nested(depth: int) -> str:
        return "1" if depth == 0 else f"States.Array({nested(depth - 1)})"

    assert run(nested(10)) == json.loads("[" * 10 + "1" + "]" * 10)
    with pytest.raises(IntrinsicSyntaxError, match="nested at most 10 deep"):
        parse_intrinsic(nested(11))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Format('{}', $.a)", True),
        ("States.UUID()", True),
        ("$.States.x", False),
        ("States.Format", False),
        (" States.UUID()", False),
    ],
)
def test_is_intrinsic(text: str, expected: bool) -> None:
    assert is_intrinsic(text) is expected


# --- Functions: documented behaviour -------------------------------------------------------------


def test_format_placeholders_and_rendering() -> None:
    assert (
        run("States.Format('Hello, my name is {}.', $.name)", {"name": "Arnav"}) == "Hello, my name is Arnav."
    )
    assert run("States.Format($.template, $.name)", {"template": "Hi {}", "name": "A"}) == "Hi A"
    rendered = run(
        "States.Format('{}|{}|{}|{}|{}', $.n, $.b, $.i, $.f, $.l)",
        {"n": None, "b": False, "i": -1, "f": 3.5, "l": [1, "x"]},
    )
    assert rendered == "null|false|-1|3.5|[1, x]"
    assert run(r"States.Format('\{\} {}', 1)") == "{} 1"


@pytest.mark.parametrize(
    "expression",
    [
        "States.Format('{} {}', 'x')",
        "States.Format('{}', 'x', 'y')",
        "States.Format('Hello {', 'x')",
        "States.Format('}')",
        "States.Format('Hello {{}}', 'x')",
        "States.Format($.t)",
        "States.Format(1)",
    ],
)
def test_format_rejects_bad_templates(expression: str) -> None:
    error = failure(expression, {"t": "{"})
    assert error.error == "States.Runtime"
    assert "Invalid arguments in States.Format" in str(error.cause)


def test_json_functions() -> None:
    assert run("States.StringToJson($.s)", {"s": '{"foo": "bar"}'}) == {"foo": "bar"}
    assert run("States.StringToJson('')") is None
    assert run("States.JsonToString($.o)", {"o": {"é": [1, 2.5, None, True]}}) == '{"é":[1,2.5,null,true]}'
    merged = run(
        "States.JsonMerge($.a, $.b, false)", {"a": {"a": {"a1": 1}, "b": 2}, "b": {"a": {"a3": 1}, "c": 3}}
    )
    assert merged == {"a": {"a3": 1}, "b": 2, "c": 3}


def test_array_functions() -> None:
    data = {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5}
    assert run("States.ArrayPartition($.inputArray, 4)", data) == [[1, 2, 3, 4], [5, 6, 7, 8], [9]]
    assert run("States.ArrayContains($.inputArray, 5)", data) is True
    assert run("States.ArrayRange(1, 9, 2)") == [1, 3, 5, 7, 9]
    assert run("States.ArrayRange(5, 1, -2)") == [5, 3, 1]
    assert run("States.ArrayRange(5, 1, 1)") == []
    assert run("States.ArrayGetItem($.inputArray, $.index)", data) == 6
    assert run("States.ArrayLength($.inputArray)", data) == 9
    assert run("States.ArrayUnique($.a)", {"a": [1, 2, 3, 3, 3, 3, 3, 3, 4]}) == [1, 2, 3, 4]


def test_array_unique_is_structural_and_type_aware() -> None:
    values = [{"a": 1, "b": 2}, {"b": 2, "a": 1}, 1, 1.0, True, "1", None, None]
    assert run("States.ArrayUnique($)", values) == [{"a": 1, "b": 2}, 1, 1.0, True, "1", None]


def test_array_contains_compares_text_as_aws_does() -> None:
    # Observed on AWS: a boolean matches its string spelling, objects match only in key order.
    assert run("States.ArrayContains($.a, true)", {"a": ["true"]}) is True
    assert run("States.ArrayContains($.a, false)", {"a": [0, 1]}) is False
    assert run("States.ArrayContains($.a, $.t)", {"a": [{"a": 1, "b": 2}], "t": {"b": 2, "a": 1}}) is False


def test_fractions_are_truncated_except_by_math_add() -> None:
    assert run("States.ArrayRange(1.4, 5.6, 2.2)") == [1, 3, 5]
    assert run("States.ArrayRange(5.4, -0.6, -2.4)") == [5, 3, 1]
    assert run("States.ArrayPartition($, 2.6)", [1, 2, 3, 4, 5]) == [[1, 2], [3, 4], [5]]
    assert run("States.ArrayGetItem($, 1.2)", [10, 20, 30]) == 20
    assert run("States.MathAdd(1.4, 2.5)") == 4
    assert run("States.MathAdd(-1.5, 0)") == -1


def test_array_get_item_on_an_empty_array_is_null() -> None:
    assert run("States.ArrayGetItem($, 999)", []) is None


def test_array_range_allows_exactly_one_thousand_items() -> None:
    assert len(run("States.ArrayRange(1, 1000, 1)")) == 1000
    assert len(run("States.ArrayRange(1000, 1, -1)")) == 1000
    assert "at most 1000" in str(failure("States.ArrayRange(1, 1001, 1)").cause)


def test_encoding_and_hashing() -> None:
    assert run("States.Base64Encode('Data to encode')") == "RGF0YSB0byBlbmNvZGU="
    assert run("States.Base64Encode('🚀')") == "8J+agA=="
    assert run("States.Base64Decode('4pyT')") == "✓"
    assert run("States.Base64Decode('YWJjZA')") == "abcd"  # missing padding tolerated
    assert run("States.Base64Decode('!YWJj ZA==!')") == "abcd"  # like a MIME decoder
    assert run("States.Hash($.Data, $.Algorithm)", {"Data": "input data", "Algorithm": "SHA-1"}) == (
        "aaff4a450a104cd177d28d18d74485e8cae074b7"  # the AWS page drops a digit
    )
    assert run("States.Hash(123, 'MD5')") == "202cb962ac59075b964b07152d234b70"  # md5("123")


def test_string_inputs_are_limited_to_ten_thousand_characters() -> None:
    ok = {"s": "a" * 10_000, "astral": "🚀" * 5_001}
    assert len(run("States.Base64Encode($.s)", ok)) > 0
    for expression in ("States.Base64Encode($.astral)", "States.Hash($.astral, 'MD5')"):
        assert "longer than 10000" in str(failure(expression, ok).cause)


def test_math_functions() -> None:
    assert run("States.MathAdd($.value1, $.step)", {"value1": 111, "step": -1}) == 110
    assert run("States.MathAdd(2147483646, 1)") == 2147483647
    assert run("States.MathRandom(-5, 5, 42)") == -5  # observed on AWS for seed 42
    assert run("States.MathRandom(1, 1000, 7)", seed=1) == run("States.MathRandom(1, 1000, 7)", seed=2)
    assert 1 <= run("States.MathRandom(1.6, 5.4)") < 5


def test_string_split_uses_every_delimiter_character() -> None:
    data = {"inputString": "This.is+a,test=string", "splitter": ".+,="}
    assert run("States.StringSplit($.inputString, $.splitter)", data) == ["This", "is", "a", "test", "string"]
    assert run("States.StringSplit('a,,b,', ',')") == ["a", "b"]
    assert run("States.StringSplit('abc', '')") == ["abc"]


def test_uuid_is_a_v4_uuid_from_the_execution_rng() -> None:
    first, again, other = (
        run("States.UUID()", seed=3),
        run("States.UUID()", seed=3),
        run("States.UUID()", seed=4),
    )
    assert uuid.UUID(first).version == 4
    assert first == again != other


# --- Functions: invalid arguments ----------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "States.ArrayRange('a', 5, 1)",
        "States.ArrayRange(1, 10, 0)",
        "States.ArrayRange(1, 10, 0.49)",
        "States.ArrayPartition($.arr, 0.49)",
        "States.ArrayPartition($.arr, -1)",
        "States.ArrayPartition('not-array', 2)",
        "States.ArrayPartition($.arr, null)",
        "States.ArrayContains('not-array', 'x')",
        "States.ArrayGetItem($.arr, 3)",
        "States.ArrayGetItem($.arr, -1)",
        "States.ArrayGetItem($.arr, '1')",
        "States.ArrayLength($.obj)",
        "States.ArrayUnique('x')",
        "States.Base64Encode(123)",
        "States.Base64Decode($.obj)",
        "States.Hash('data', 'sha-256')",
        "States.Hash('hello', 123)",
        "States.JsonMerge($.obj, $.arr, false)",
        "States.JsonMerge($.obj, $.obj, true)",
        "States.MathAdd(2147483647, 1)",
        "States.MathAdd(3000000000, 0)",
        "States.MathAdd(true, 1)",
        "States.MathAdd('1', 2)",
        "States.MathAdd(1e309, 1)",
        "States.ArrayRange(0, 1e309, 1)",
        "States.MathRandom(1, 1)",
        "States.MathRandom(10, 5)",
        "States.MathRandom(1.4, 1.6)",
        "States.MathRandom(1, 10, null)",
        "States.StringSplit(123, ',')",
        "States.StringSplit('a,b', null)",
        "States.StringToJson('{bad json}')",
        "States.StringToJson('NaN')",
        "States.StringToJson(1)",
        "States.Hash()",
        "States.Base64Encode('a', 'b')",
        "States.UUID(1)",
        "States.ArrayRange(1, 5)",
        "States.MathRandom(1, 10, 5, 99)",
    ],
)
def test_invalid_arguments_fail_the_state_like_aws(expression: str) -> None:
    error = failure(expression, {"arr": [10, 20, 30], "obj": {"a": 1}})
    name = parse_intrinsic(expression).name
    assert error.error == "States.Runtime"
    assert str(error.cause).startswith(f"Invalid arguments in {name}: ")
    assert error.contextual  # the interpreter prefixes the state name, as AWS does


def test_resolver_errors_propagate_unchanged() -> None:
    boom = StatesError("States.Runtime", "The JSONPath '$.missing' could not be found in the input '{}'")

    def resolve(path: str) -> Any:
        raise boom

    with pytest.raises(StatesError) as caught:
        evaluate_intrinsic("States.ArrayLength($.missing)", resolve, random.Random(0))
    assert caught.value is boom


# --- Properties ----------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.text(max_size=300))
def test_base64_round_trip(text: str) -> None:
    encoded = run("States.Base64Encode($)", text)
    assert base64.b64decode(encoded).decode("utf-8") == text
    assert run("States.Base64Decode($)", encoded) == text


@given(st.lists(st.integers(), max_size=40), st.integers(min_value=1, max_value=50))
def test_array_partition_concatenates_back(items: list[int], size: int) -> None:
    chunks = run("States.ArrayPartition($.items, $.size)", {"items": items, "size": size})
    assert [item for chunk in chunks for item in chunk] == items
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= size for chunk in chunks)


@given(JSON_VALUES)
def test_json_to_string_then_string_to_json_is_identity(value: Any) -> None:
    text = run("States.JsonToString($.v)", {"v": value})
    assert run("States.StringToJson($.t)", {"t": text}) == value


@given(st.text(max_size=60), st.text(min_size=1, max_size=4))
def test_string_split_tokens_are_non_empty_and_delimiter_free(text: str, delimiters: str) -> None:
    tokens = run("States.StringSplit($.t, $.d)", {"t": text, "d": delimiters})
    assert all(token and not set(token) & set(delimiters) for token in tokens)
    assert "".join(tokens) == "".join(char for char in text if char not in delimiters)


@given(st.integers(-500, 500), st.integers(-500, 500), st.integers(-50, 50).filter(bool))
def test_array_range_matches_python_range(start: int, end: int, step: int) -> None:
    stop = end + (1 if step > 0 else -1)
    assert run("States.ArrayRange($.a, $.b, $.c)", {"a": start, "b": end, "c": step}) == list(
        range(start, stop, step)
    )


@given(st.text(max_size=80))
def test_escaped_literal_formats_to_itself(text: str) -> None:
    escaped = "".join("\\" + char if char in "'{}\\" else char for char in text)
    assert run(f"States.Format('{escaped}')") == text


@given(st.integers(-(2**31), 2**31 - 2), st.integers(1, 10_000), st.integers(-(2**63), 2**63 - 1))
def test_seeded_math_random_is_deterministic_and_in_range(start: int, width: int, seed: int) -> None:
    end = min(start + width, 2**31 - 1)
    expression = "States.MathRandom($.s, $.e, $.seed)"
    data = {"s": start, "e": end, "seed": seed}
    value = run(expression, data, seed=1)
    assert value == run(expression, data, seed=2)
    assert start <= value < end
