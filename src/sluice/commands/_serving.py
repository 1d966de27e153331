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
    server shuts down as cleanly as on Ctrl-C. SIGINT gets a handler even when the process inherited
    it ignored (a job a non-interactive shell starts with `&` does; so may a test runner's worker):
    Python only installs its own on SIGINT left at its default, and an ignored SIGINT left `sluice up`
    running after `kill -INT`. Once the first signal has come, later ones are ignored until the clean-up
    is done: a second Ctrl-C (or `timeout` passing on the signal it got too) used to cut the clock's
    shutdown short and end in "Cannot close a running event loop".

    Example:
        >>> serve_until_stopped(server, command="up", close=stack.close)  # prints "sluice up: stopped"
        0
    """
    previous = {number: signal.signal(number, _interrupt) for number in _STOPPING}
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(f"sluice {command}: stopped", file=sys.stderr)
    finally:
        close()
        for number, handler in previous.items():
            signal.signal(number, handler)
    return OK


_STOPPING = (signal.SIGINT, signal.SIGTERM)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    for number in _STOPPING:  # the clean-up this starts must run to its end
        signal.signal(number, signal.SIG_IGN)
    raise KeyboardInterrupt
