"""What `sluice serve` and `sluice up` do once they listen: serve until stopped, then clean up."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

from sluice.commands._io import OK

if TYPE_CHECKING:
    from sluice.http_endpoint import HttpEndpoint


def serve_until_stopped(server: HttpEndpoint, *, command: str, close: Callable[[], None]) -> int:
    """Serve until Ctrl-C or SIGTERM, then `close` what was served; exit code 0 either way.

    `kill` and a test's terminate() send SIGTERM: it is turned into KeyboardInterrupt, so the
    server shuts down as cleanly as on Ctrl-C. SIGINT gets Python's own handler back even when the
    process inherited it ignored (a job a non-interactive shell starts with `&` does; so may a test
    runner's worker): Python only installs that handler on SIGINT left at its default, and an
    ignored SIGINT left `sluice up` running after `kill -INT`.

    Example:
        >>> serve_until_stopped(server, command="up", close=stack.close)  # prints "sluice up: stopped"
        0
    """
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(f"sluice {command}: stopped", file=sys.stderr)
    finally:
        close()
    return OK


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
