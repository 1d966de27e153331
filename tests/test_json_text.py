"""`sluice.json_text.loads`: every way `json.loads` fails on bad text is a `JSONDecodeError` that callers
already turn into their own error (found by the bad-input campaign: a 5,000-digit number in an execution
input, a definition or a request body came out as a bare `ValueError` traceback)."""

from __future__ import annotations

import doctest
import json

import pytest

from sluice import json_text


def test_the_module_example_holds() -> None:
    assert doctest.testmod(json_text).failed == 0


@pytest.mark.parametrize("text", ["[1, 2.5]", b'{"a": "\xc3\xa9"}', '{"n": ' + "9" * 4300 + "}"])
def test_json_reads_as_json_loads_reads_it(text: str | bytes) -> None:
    assert json_text.loads(text) == json.loads(text)


def test_a_number_longer_than_python_reads_is_a_decode_error_at_the_number() -> None:
    text = '{"a": "x",\n "n": -' + "7" * 5000 + "}"
    with pytest.raises(json.JSONDecodeError) as raised:
        json_text.loads(text)
    assert raised.value.msg == "Number of 5000 digits is longer than the 4300 Python reads"
    assert (raised.value.lineno, raised.value.colno) == (2, 8)  # the first digit


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, b"[" * 100_000 + b"]" * 100_000])
def test_nesting_deeper_than_the_stack_is_a_decode_error(text: str | bytes) -> None:
    with pytest.raises(json.JSONDecodeError, match="JSON nested too deeply to parse"):
        json_text.loads(text)


def test_a_callers_hook_raising_value_error_is_the_callers_to_report() -> None:
    def refuse(_: str) -> float:
        raise ValueError("no floats here")

    with pytest.raises(ValueError, match="no floats here") as raised:
        json_text.loads("[1.5]", parse_float=refuse)
    assert not isinstance(raised.value, json.JSONDecodeError)


@pytest.mark.parametrize("data", [b"\x80", b'{"a": "\xff\xfe"}', b'{"a": "caf\xe9"}'])
def test_bytes_that_are_not_utf8_are_a_decode_error(data: bytes) -> None:
    # Found by the API Gateway service-integration campaign: json.loads' own UnicodeDecodeError escaped.
    with pytest.raises(json.JSONDecodeError, match="not UTF-8"):
        json_text.loads(data)
