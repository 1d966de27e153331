"""Capture what a handler prints or logs, per invocation, the way CloudWatch Logs groups it per
request.

Handlers usually bind their output stream once, at import (`Logger()` of Powertools keeps the
`sys.stdout` it saw; `logging.StreamHandler()` keeps `sys.stderr`), and imports happen inside the
first invocation. So during invocations `sys.stdout`/`sys.stderr` are *routing streams*, and a
stream bound to one keeps routing: each write goes to the log of the invocation running in this
context (a context variable), or to the process's stream outside invocations. The root logger
gets the handler the Python runtime installs on Lambda (`[LEVEL]\\ttime\\trequest id\\tmessage`).

Example:
    >>> with LogCapture() as capture, capture.recording(InvocationLog("req-1")) as log:
    ...     print("hello")
    >>> log.text
    'hello\\n'
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO, cast

_current: ContextVar[InvocationLog | None] = ContextVar("sluice_invocation_log", default=None)


class InvocationLog:
    """Everything one invocation wrote, in order; optionally echoed live to a stream."""

    def __init__(self, request_id: str, *, log_format: str = "Text", echo: TextIO | None = None) -> None:
        self.request_id = request_id
        self.log_format = log_format
        self.echo = echo
        self._parts: list[str] = []

    def write(self, text: str) -> None:
        self._parts.append(text)
        if self.echo is not None:
            self.echo.write(text)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def tail(self, limit: int = 4096) -> str:
        """The last `limit` bytes, as `LogType=Tail` returns them."""
        return self.text.encode()[-limit:].decode(errors="ignore")


def current_log() -> InvocationLog | None:
    return _current.get()


class _RoutingStream(io.TextIOBase):
    """A text stream that writes to the running invocation's log, else to the process's stream."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name  # "stdout" or "stderr"
        self.fallback: TextIO = getattr(sys, name)

    def _target(self) -> TextIO:
        current: Any = getattr(sys, self.name)
        return self.fallback if current is self else cast("TextIO", current)

    def write(self, text: str) -> int:
        log = _current.get()
        if log is None:
            return self._target().write(text)
        log.write(text)
        return len(text)

    def flush(self) -> None:
        self._target().flush()

    def fileno(self) -> int:
        return self._target().fileno()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._target(), "encoding", "utf-8") or "utf-8"


class LambdaLogHandler(logging.Handler):
    """The root-logger handler of Lambda's Python runtime (text or JSON `LogFormat`)."""

    def emit(self, record: logging.LogRecord) -> None:
        log = _current.get()
        if log is None:
            return
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception:
            self.handleError(record)
            return
        moment = datetime.fromtimestamp(record.created, tz=UTC)
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        if log.log_format == "JSON":
            line = json.dumps({"timestamp": stamp, "level": record.levelname, "message": message,
                               "logger": record.name, "requestId": log.request_id})
        else:
            line = f"[{record.levelname}]\t{stamp}\t{log.request_id}\t{message}"
        log.write(line + "\n")


class LogCapture:
    """Routes handler output to invocation logs for as long as a stack is open.

    During an invocation `sys.stdout`/`sys.stderr` are routing streams (so `print` and streams
    created at import time are captured); in between, the process's own streams are back — test
    runners that swap `sys.stdout` per test (pytest) keep working, and a stream a handler bound
    earlier still lands in the right invocation because routing is decided at write time.
    """

    def __init__(self) -> None:
        self._streams: dict[str, _RoutingStream] = {}
        self._handler = LambdaLogHandler()

    def __enter__(self) -> LogCapture:
        self.install()
        return self

    def __exit__(self, *_: object) -> None:
        self.uninstall()

    def install(self) -> None:
        if not self._streams:
            self._streams = {name: _RoutingStream(name) for name in ("stdout", "stderr")}
            logging.getLogger().addHandler(self._handler)

    def uninstall(self) -> None:
        if self._streams:
            logging.getLogger().removeHandler(self._handler)
            self._streams = {}

    @contextmanager
    def recording(self, log: InvocationLog) -> Iterator[InvocationLog]:
        token = _current.set(log)
        swapped = {}
        for name, stream in self._streams.items():
            current = getattr(sys, name)
            if current is not stream:
                stream.fallback = current
                swapped[name] = current
                setattr(sys, name, stream)
        try:
            yield log
        finally:
            for name, previous in swapped.items():
                if getattr(sys, name) is self._streams[name]:
                    setattr(sys, name, previous)
            _current.reset(token)
