"""`sluice serve` and `sluice up` stop on Ctrl-C or SIGTERM whichever of their threads the kernel hands
the signal to.

A process-directed signal goes to any thread that does not block it (signal(7)); CPython runs the
Python handler on the main thread only, the next time that thread runs bytecode. A main thread parked
in an untimed `Thread.join()` never does, so a signal that landed on a server or worker thread was lost
and the server kept running (seen as a 30 s hang of `test_ctrl_c_stops_cleanly_with_exit_code_0` under
load). The program below sends the signal to one of its own non-main threads with `pthread_kill`,
which makes that case deterministic.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SERVER = """\
import signal, sys, threading, time
from http.server import BaseHTTPRequestHandler
from sluice.commands._serving import serve_until_stopped
from sluice.http_endpoint import HttpEndpoint

class Idle(HttpEndpoint):
    def __init__(self):
        super().__init__(BaseHTTPRequestHandler, host="127.0.0.1", port=0, worker="idle")
        self.done = threading.Event()
    def _run_worker(self):
        self.done.wait()
    def _stop_worker(self):
        self.done.set()
        self._worker_thread.join()

endpoint = Idle()
def signal_another_thread():
    while not endpoint._http_thread.is_alive():  # serving, its SIGTERM handler installed
        time.sleep(0.01)
    time.sleep(0.1)  # the main thread is waiting for the server by now
    signal.pthread_kill(threading.get_ident(), getattr(signal, sys.argv[1]))
threading.Thread(target=signal_another_thread, daemon=True).start()
sys.exit(serve_until_stopped(endpoint, command="serve", close=lambda: print("closed", file=sys.stderr)))
"""


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_signal_delivered_to_another_thread_still_stops_the_server_cleanly(tmp_path: Path, name: str) -> None:
    program = tmp_path / "server.py"
    program.write_text(SERVER, encoding="utf-8")
    result = subprocess.run([sys.executable, str(program), name], capture_output=True, text=True, timeout=20,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["sluice serve: stopped", "closed"]
