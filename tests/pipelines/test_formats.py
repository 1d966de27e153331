"""Scanning and chunking: whatever the content and however S3 cuts the stream, the chunks cover
every record exactly once, in order, at record boundaries."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sluice_runtime.datasets.catalog import CsvFormat, JsonLinesFormat
from sluice_runtime.datasets.formats import FormatViolation, read_records, scan

BOM = b"\xef\xbb\xbf"
CSV = CsvFormat(type="csv")
JSONL = JsonLinesFormat(type="jsonl")


def blocks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def reassemble(data: bytes, fmt: Any, header: Any, chunks: Any) -> list[tuple[int, dict[str, Any]]]:
    return [record for chunk in chunks
            for record in read_records(data[chunk.start : chunk.end], fmt, header, first_row=chunk.first_row)]


# Any text a UTF-8 file can hold (no surrogates), minus NUL and bare CR (csv treats both specially).
cells = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00\r"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=40),
    rows_per_chunk=st.integers(1, 7),
    max_chunks=st.integers(1, 6),
    block=st.integers(1, 64),
    bom=st.booleans(),
)
def test_csv_chunks_cover_every_record_once(rows: list[list[str]], rows_per_chunk: int, max_chunks: int,
                                            block: int, bom: bool) -> None:
    header = ["a", "b", "c"]
    data = BOM * bom + csv_bytes(header, rows)  # Excel's "CSV UTF-8" starts with a byte order mark

    result = scan(blocks(data, block), CSV, rows_per_chunk=rows_per_chunk, max_chunks=max_chunks, sample_rows=5)

    assert result.rows == len(rows)
    assert result.bytes == len(data) and result.sha256 == hashlib.sha256(data).hexdigest()
    assert len(result.chunks) <= max_chunks
    assert [c.index for c in result.chunks] == list(range(len(result.chunks)))
    assert all(a.end == b.start for a, b in zip(result.chunks, result.chunks[1:], strict=False))
    records = reassemble(data, CSV, result.header, result.chunks)
    assert [number for number, _ in records] == list(range(1, len(rows) + 1))
    assert [[r[h] for h in header] for _, r in records] == rows
    assert [c.rows for c in result.chunks] == [
        sum(1 for n, _ in records if c.first_row <= n < c.first_row + c.rows) for c in result.chunks]
    assert result.sample == records[:5]


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.dictionaries(st.sampled_from("xyz"), st.integers() | cells, max_size=3), max_size=30),
    rows_per_chunk=st.integers(1, 5),
    block=st.integers(1, 50),
    bom=st.booleans(),
)
def test_jsonl_chunks_cover_every_record_once(values: list[dict[str, Any]], rows_per_chunk: int, block: int,
                                              bom: bool) -> None:
    # Blank lines in between are skipped; a leading byte order mark is dropped by the scan and the first
    # chunk alike (found by the bad-input campaign: the scan took the file, then its transform failed it).
    data = BOM * bom + "".join(json.dumps(v) + "\n\n" for v in values).encode()

    result = scan(blocks(data, block), JSONL, rows_per_chunk=rows_per_chunk, max_chunks=500, sample_rows=0)

    assert result.header is None and result.rows == len(values)
    assert [r for _, r in reassemble(data, JSONL, None, result.chunks)] == values


def test_quoted_newlines_stay_inside_their_record() -> None:
    data = b'id,note\n1,"two\nlines"\n2,plain\n'

    result = scan([data], CSV, rows_per_chunk=1, max_chunks=10, sample_rows=0)

    assert [(c.start, c.end) for c in result.chunks] == [(8, 22), (22, 30)]
    assert reassemble(data, CSV, result.header, result.chunks) == [(1, {"id": "1", "note": "two\nlines"}),
                                                                   (2, {"id": "2", "note": "plain"})]


def test_a_byte_order_mark_is_not_part_of_the_header() -> None:
    result = scan([b"\xef\xbb\xbfid,amount\n1,2\n"], CSV, rows_per_chunk=10, max_chunks=1, sample_rows=1)

    assert result.header == ("id", "amount")


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"id,amount\n1,2,3\n", CSV, "row 1 has 3 fields; the header has 2"),
        (b'id,amount\n1,"2\n', CSV, "malformed CSV"),
        (b"id\n\xff\xfe\n", CSV, "line 2 is not valid UTF-8"),
        (b"", CSV, "the file has no header row"),
        (b'{"a": 1}\n[1, 2]\n', JSONL, "row 2: expected a JSON object, got list"),
        (b'{"a": 1}\n{"a": \n', JSONL, "row 2: invalid JSON"),
    ],
)
def test_malformed_content_says_where(data: bytes, fmt: Any, message: str) -> None:
    with pytest.raises(FormatViolation, match=message):
        scan([data], fmt, rows_per_chunk=10, max_chunks=10, sample_rows=10)
