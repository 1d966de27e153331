"""Column types: every accepted spelling normalizes to one form; everything else is a clear violation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sluice_runtime.datasets.catalog import Column, Schema
from sluice_runtime.datasets.columns import ValueViolation, coerce, conforms, validate_record


def column(kind: str, **options: Any) -> Column:
    return Column(name="c", type=kind, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("integer", " -12 ", -12),
        ("decimal", "12.50", "12.50"),
        ("decimal", "-.5", "-0.5"),
        ("number", "1e3", 1000.0),
        ("boolean", "Yes", True),
        ("boolean", "0", False),
        ("date", "2024-06-11", "2024-06-11"),
        ("timestamp", "2024-06-11T11:15:00+02:00", "2024-06-11T09:15:00Z"),
        ("timestamp", "2024-06-11T09:15:00.25Z", "2024-06-11T09:15:00.250000Z"),
        ("string", " kept as is ", " kept as is "),
    ],
)
def test_text_cells_normalize(kind: str, text: str, expected: Any) -> None:
    assert coerce(column(kind), text, from_text=True) == expected


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("integer", "12.5", "'12.5' is not an integer"),
        ("decimal", "1,5", "'1,5' is not a decimal number"),
        ("number", "nan", "'nan' is not a finite number"),
        ("boolean", "maybe", "is not a boolean"),
        ("date", "11/06/2024", "is not an ISO 8601 date"),
        ("timestamp", "2024-06-11T09:15:00", "has no UTC offset"),
        ("timestamp", "yesterday", "is not an ISO 8601 timestamp"),
    ],
)
def test_bad_text_cells_say_what_is_wrong(kind: str, value: str, message: str) -> None:
    with pytest.raises(ValueViolation, match=message):
        coerce(column(kind), value, from_text=True)


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("integer", True, "expected an integer, got boolean"),
        ("integer", 1.5, "expected an integer, got number"),
        ("string", 7, "expected a string, got number"),
        ("boolean", "true", "expected a boolean, got string"),
        ("decimal", [1], "expected a decimal number, got array"),
    ],
)
def test_json_values_must_have_the_declared_type(kind: str, value: Any, message: str) -> None:
    with pytest.raises(ValueViolation, match=message):
        coerce(column(kind), value, from_text=False)


def test_nulls_are_allowed_only_in_optional_columns() -> None:
    assert coerce(column("integer"), "", from_text=True) is None
    assert coerce(column("integer"), None, from_text=False) is None
    with pytest.raises(ValueViolation, match="required value is missing"):
        coerce(column("integer", required=True), "", from_text=True)


def test_string_constraints() -> None:
    assert coerce(column("string", allowed=("EUR", "USD")), "EUR", from_text=True) == "EUR"
    with pytest.raises(ValueViolation, match="is not one of EUR, USD"):
        coerce(column("string", allowed=("EUR", "USD")), "eur", from_text=True)
    with pytest.raises(ValueViolation, match=r"does not match \^o-\\d\+\$"):
        coerce(column("string", pattern=r"^o-\d+$"), "x-1", from_text=True)


def test_records_report_every_problem_and_handle_undeclared_fields() -> None:
    schema = Schema(columns=(Column(name="id", type="integer", required=True), Column(name="at", type="date")))

    _, problems = validate_record(schema, {"id": "x", "at": "2024-13-01", "extra": "1"}, from_text=True)
    assert problems == ["id: 'x' is not an integer", "at: '2024-13-01' is not an ISO 8601 date (YYYY-MM-DD)",
                        "undeclared field(s): extra"]

    keep = schema.model_copy(update={"extra_columns": "keep"})
    assert validate_record(keep, {"id": 1, "extra": [1]}, from_text=False) == ({"id": 1, "at": None, "extra": [1]}, [])
    ignore = schema.model_copy(update={"extra_columns": "ignore"})
    assert validate_record(ignore, {"id": 1, "extra": [1]}, from_text=False) == ({"id": 1, "at": None}, [])


def test_bool_never_conforms_to_an_integer_column() -> None:
    assert conforms(column("integer"), 1)
    assert not conforms(column("integer"), True)
    assert not conforms(column("decimal"), "1e3")  # normalized decimals are plain notation
    assert not conforms(column("timestamp"), "2024-06-11T11:15:00+02:00")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_normalized_decimals_conform_and_keep_their_value(number: Any) -> None:
    normalized = coerce(column("decimal"), str(number), from_text=True)

    assert conforms(column("decimal"), normalized)
    assert type(number)(normalized) == number


# Fixed offsets: an ISO 8601 timestamp carries an offset, not a zone (no DST folds or gaps).
OFFSETS = st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@given(st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=OFFSETS))
def test_normalized_timestamps_conform_and_denote_the_same_instant(moment: datetime) -> None:
    normalized = coerce(column("timestamp"), moment.isoformat(), from_text=True)

    assert conforms(column("timestamp"), normalized)
    assert datetime.fromisoformat(normalized) == moment
