"""`sluice.text_files.read_text`: a file that is not UTF-8 fails as an unreadable file does, so every
command's "cannot read …" line covers it (found by the bad-input campaign: a binary file given as a
template or a definition came out as a `UnicodeDecodeError` traceback)."""

from __future__ import annotations

import doctest
import errno
from pathlib import Path

import pytest

from sluice import text_files


def test_the_module_example_holds() -> None:
    assert doctest.testmod(text_files, optionflags=doctest.ELLIPSIS).failed == 0


def test_utf8_text_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{"name": "café ☕"}', encoding="utf-8")
    assert text_files.read_text(path) == '{"name": "café ☕"}'


@pytest.mark.parametrize(("data", "said"), [
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x9c", "not UTF-8 text (byte 0x9c at offset 10)"),  # a zip
    ('{"a": "é"}'.encode("utf-16"), "not UTF-8 text (byte 0xff at offset 0)"),  # UTF-16 with its BOM
])
def test_bytes_that_are_not_utf8_are_an_os_error_saying_where(tmp_path: Path, data: bytes, said: str) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(data)
    with pytest.raises(OSError, match="not UTF-8 text") as raised:
        text_files.read_text(path)
    assert (raised.value.errno, raised.value.strerror, raised.value.filename) == (errno.EILSEQ, said, str(path))
