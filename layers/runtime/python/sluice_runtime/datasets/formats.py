"""Read CSV and JSON Lines: one streaming scan that plans chunks, and a reader for one chunk.

`scan` reads the whole object once, as a stream of byte blocks: it hashes it (SHA-256, the content
identity the pipeline compares against what is published), checks that every record parses (UTF-8,
CSV quoting and field counts, one JSON object per line), keeps the first rows as a sample, and cuts
the records into chunks of `rows_per_chunk` at record boundaries. A chunk is a byte range, so a chunk
worker reads exactly its records with one ranged GET. CSV records may span lines (a quoted newline):
the boundary is where the CSV reader finished a record, never a raw newline.

`read_records` parses one chunk's bytes (with the header found by the scan for CSV).

Example:
    >>> result = scan([b"id,amount\\n1,2.5\\n2,3\\n"], CsvFormat(type="csv"), rows_per_chunk=1,
    ...               max_chunks=10, sample_rows=1)
    >>> result.header, result.rows, [(c.start, c.end) for c in result.chunks]
    (('id', 'amount'), 2, [(10, 16), (16, 20)])
    >>> list(read_records(b"2,3\\n", CsvFormat(type="csv"), result.header, first_row=2))
    [(2, {'id': '2', 'amount': '3'})]
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sluice_runtime import strict_json
from sluice_runtime.datasets.catalog import CsvFormat, JsonLinesFormat
from sluice_runtime.errors import InvalidJson

_BOM = b"\xef\xbb\xbf"


class FormatViolation(ValueError):
    """The object is not well-formed in its declared format (the message says where)."""


@dataclass(frozen=True)
class ChunkBounds:
    """Records `first_row` .. `first_row + rows - 1` (1-based data rows) live in bytes [start, end)."""

    index: int
    start: int
    end: int
    first_row: int
    rows: int


@dataclass
class ScanResult:
    bytes: int = 0
    sha256: str = ""
    rows: int = 0
    header: tuple[str, ...] | None = None
    chunks: list[ChunkBounds] = field(default_factory=list)
    sample: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


class _Lines:
    """Splits byte blocks into lines (ends kept), hashing and counting every byte on the way."""

    def __init__(self, blocks: Iterable[bytes]) -> None:
        self._blocks = blocks
        self.digest = hashlib.sha256()
        self.consumed = 0  # bytes handed out as lines so far
        self.line_number = 0

    def __iter__(self) -> Iterator[bytes]:
        buffer = bytearray()
        for block in self._blocks:
            self.digest.update(block)
            buffer += block
            start = 0
            while (newline := buffer.find(b"\n", start)) >= 0:
                yield self._emit(bytes(buffer[start : newline + 1]))
                start = newline + 1
            del buffer[:start]
        if buffer:
            yield self._emit(bytes(buffer))

    def _emit(self, line: bytes) -> bytes:
        self.consumed += len(line)
        self.line_number += 1
        return line

    def text(self) -> Iterator[str]:
        """The lines decoded as UTF-8 (a leading byte order mark is dropped)."""
        for raw in self:
            line = raw[len(_BOM) :] if self.line_number == 1 and raw.startswith(_BOM) else raw
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatViolation(f"line {self.line_number} is not valid UTF-8 ({exc.reason})") from None


class _Planner:
    """Cuts records into chunks of `rows_per_chunk`, then merges neighbours down to `max_chunks`."""

    def __init__(self, rows_per_chunk: int, max_chunks: int, sample_rows: int) -> None:
        self._rows_per_chunk, self._max_chunks, self._sample_rows = rows_per_chunk, max_chunks, sample_rows
        self.result = ScanResult()
        self._start = 0
        self._rows_in_chunk = 0

    def begin(self, offset: int) -> None:
        self._start = offset

    def record(self, record: dict[str, Any], end: int) -> None:
        self.result.rows += 1
        if len(self.result.sample) < self._sample_rows:
            self.result.sample.append((self.result.rows, record))
        self._rows_in_chunk += 1
        if self._rows_in_chunk == self._rows_per_chunk:
            self._close(end)

    def finish(self, lines: _Lines) -> ScanResult:
        if self._rows_in_chunk:
            self._close(lines.consumed)
        self.result.bytes, self.result.sha256 = lines.consumed, lines.digest.hexdigest()
        chunks = self.result.chunks
        if len(chunks) > self._max_chunks:
            size = math.ceil(len(chunks) / self._max_chunks)
            groups = [chunks[i : i + size] for i in range(0, len(chunks), size)]
            self.result.chunks = [
                ChunkBounds(index, group[0].start, group[-1].end, group[0].first_row, sum(c.rows for c in group))
                for index, group in enumerate(groups)
            ]
        return self.result

    def _close(self, end: int) -> None:
        first_row = self.result.rows - self._rows_in_chunk + 1
        self.result.chunks.append(
            ChunkBounds(len(self.result.chunks), self._start, end, first_row, self._rows_in_chunk)
        )
        self._start, self._rows_in_chunk = end, 0


def scan(
    blocks: Iterable[bytes],
    fmt: CsvFormat | JsonLinesFormat,
    *,
    rows_per_chunk: int,
    max_chunks: int,
    sample_rows: int,
) -> ScanResult:
    """Read an object once: digest, size, record count, header, sample and chunk plan."""
    lines = _Lines(blocks)
    planner = _Planner(rows_per_chunk, max_chunks, sample_rows)
    if isinstance(fmt, CsvFormat):
        _scan_csv(lines, fmt, planner)
    else:
        _scan_jsonl(lines, planner)
    return planner.finish(lines)


def _scan_csv(lines: _Lines, fmt: CsvFormat, planner: _Planner) -> None:
    reader = csv.reader(lines.text(), delimiter=fmt.delimiter, quotechar=fmt.quotechar, strict=True)
    header: tuple[str, ...] | None = None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise FormatViolation(f"line {lines.line_number}: malformed CSV ({exc})") from None
        if not row:
            continue  # a blank line
        if header is None:
            header = tuple(name.strip() for name in row)
            planner.result.header = header
            planner.begin(lines.consumed)
            continue
        planner.record(_csv_record(row, header, planner.result.rows + 1), lines.consumed)
    if header is None:
        raise FormatViolation("the file has no header row")


def _scan_jsonl(lines: _Lines, planner: _Planner) -> None:
    for text in lines.text():
        if text.strip():
            planner.record(_json_record(text, planner.result.rows + 1), lines.consumed)


def read_records(
    data: bytes, fmt: CsvFormat | JsonLinesFormat, header: Sequence[str] | None, *, first_row: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, record) for each record in one chunk's bytes; raw CSV cells stay text."""
    if first_row == 1 and isinstance(fmt, JsonLinesFormat) and data.startswith(_BOM):
        # JSON Lines' first chunk starts at the file's first byte, so it holds the byte order mark the scan
        # dropped (RFC 8259 section 8.1 lets a parser ignore one). A CSV chunk starts after the header.
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatViolation(f"chunk starting at row {first_row} is not valid UTF-8 ({exc.reason})") from None
    row_number = first_row
    if isinstance(fmt, CsvFormat):
        if header is None:
            raise FormatViolation("a CSV chunk needs the header found by the scan")
        reader = csv.reader(
            io.StringIO(text, newline=""), delimiter=fmt.delimiter, quotechar=fmt.quotechar, strict=True
        )
        try:
            for row in reader:
                if row:
                    yield row_number, _csv_record(row, tuple(header), row_number)
                    row_number += 1
        except csv.Error as exc:
            raise FormatViolation(f"row {row_number}: malformed CSV ({exc})") from None
        return
    for line in text.splitlines():
        if line.strip():
            yield row_number, _json_record(line, row_number)
            row_number += 1


def _csv_record(row: list[str], header: tuple[str, ...], row_number: int) -> dict[str, Any]:
    if len(row) != len(header):
        raise FormatViolation(f"row {row_number} has {len(row)} fields; the header has {len(header)}")
    return dict(zip(header, row, strict=True))


def _json_record(text: str, row_number: int) -> dict[str, Any]:
    try:
        value = strict_json.loads(text)
    except InvalidJson as exc:  # syntax, NaN/Infinity, duplicate names, lone surrogates (RFC 8259, 7493)
        raise FormatViolation(f"row {row_number}: invalid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise FormatViolation(f"row {row_number}: expected a JSON object, got {type(value).__name__}")
    return value
