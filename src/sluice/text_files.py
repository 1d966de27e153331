"""Read a user's text file as UTF-8, where bytes that are not UTF-8 fail like an unreadable file.

`Path.read_text` raises `UnicodeDecodeError` (a `ValueError`) for a binary file or one saved in another
encoding, which no caller's `except OSError` catches: a zip given as a template, or a definition saved
as UTF-16, ended in a traceback. Here it is an `OSError` (`EILSEQ`, "Illegal byte sequence") whose
`strerror` says where, so every caller's existing "cannot read …: {strerror}" message covers it.

Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.yaml"
    >>> _ = path.write_bytes(b"Resources: \\xff")
    >>> read_text(path)
    Traceback (most recent call last):
    ...
    OSError: [Errno 84] not UTF-8 text (byte 0xff at offset 11): '...t.yaml'
"""

from __future__ import annotations

import errno
from pathlib import Path


def read_text(path: Path | str) -> str:
    """The file's text, decoded as UTF-8 (as SAM, CloudFormation and Step Functions read it)."""
    return decode(Path(path).read_bytes(), str(path))


def decode(data: bytes, origin: str) -> str:
    """`data` read from `origin` (a file, a line of one) as UTF-8, or the `OSError` `read_text` raises."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        problem = f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        raise OSError(errno.EILSEQ, problem, origin) from None
