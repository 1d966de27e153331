"""`sluice serve` and `sluice up` stop on Ctrl-C or SIGTERM whichever of their threads the kernel hands
the signal to.

A process-directed signal goes to any thread that does not block it (signal(7)); CPython runs the
Python handler on the main thread only, the next time that thread runs bytecode. A main thread parked
in an untimed `Thread.join()` never does, so a signal that landed on a server or worker thread was lost
and the server kept running (seen as a 30 s hang of `test_ctrl_c_stops_cleanly_with_exit_code_0` under
load). The program below sends the signal to one of its own non-main threads with `pthread_kill`,
which makes that case deterministic.

A process may also start with SIGINT ignored (inherited across exec: a non-interactive shell's `&` job,
some test runners' workers); CPython then leaves it ignored, and `kill -INT` did nothing.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sluice.api.server import StepFunctionsServer
from sluice.api.service import StepFunctionsService
from sluice.asl.engine import Engine

SERVER = """\
import os, signal, sys, threading, time
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
        if len(sys.argv) > 2:  # a second Ctrl-C while the world is being stopped
            os.kill(os.getpid(), getattr(signal, sys.argv[1]))
            time.sleep(0.3)  # the main thread runs its handler in the meantime, if it has one
        self.done.set()
        self._worker_thread.join()

endpoint = Idle()
def signal_another_thread():
    while not endpoint._http_thread.is_alive():  # serving, its SIGTERM handler installed
        time.sleep(0.01)
    time.sleep(0.1)  # the main thread is waiting for the server by now
    signal.pthread_kill(threading.get_ident(), getattr(signal, sys.argv[1]))
threading.Thread(target=signal_another_thread, daemon=True).start()
closed = lambda: print("closed" if endpoint.done.is_set() else "closed with the worker still running", file=sys.stderr)
sys.exit(serve_until_stopped(endpoint, command="serve", close=closed))
"""


def serve_and_signal(tmp_path: Path, name: str, *, inherit_ignored_sigint: bool = False,
                     twice: bool = False) -> subprocess.CompletedProcess[str]:
    program = tmp_path / "server.py"
    program.write_text(SERVER, encoding="utf-8")

    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # kept across exec, as a shell's `&` job has it

    return subprocess.run([sys.executable, str(program), name, *(["twice"] if twice else [])], capture_output=True,
                          text=True, timeout=20,
                          check=False, preexec_fn=ignore_sigint if inherit_ignored_sigint else None)


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_signal_delivered_to_another_thread_still_stops_the_server_cleanly(tmp_path: Path, name: str) -> None:
    result = serve_and_signal(tmp_path, name)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["sluice serve: stopped", "closed"]


def test_sigint_stops_a_server_that_was_started_with_sigint_ignored(tmp_path: Path) -> None:
    result = serve_and_signal(tmp_path, "SIGINT", inherit_ignored_sigint=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["sluice serve: stopped", "closed"]


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_second_signal_during_the_clean_up_does_not_cut_it_short(tmp_path: Path, name: str) -> None:
    # Ctrl-C twice, or `timeout` passing on a signal the process got as well: the second one ended the
    # clean-up half way ("Cannot close a running event loop" from `sluice up`).
    result = serve_and_signal(tmp_path, name, twice=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["sluice serve: stopped", "closed"]


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send `request` as it is to the endpoint at `url` and read until the server closes: what a client
    whose framing is broken gets back."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname or "127.0.0.1", address.port or 80), timeout=30) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("header", [b"Content-Length: -5", b"Content-Length: lots"])
def test_a_request_whose_length_is_not_a_count_is_refused_in_one_line(header: bytes) -> None:
    # Before: `int()` raised in the handler thread (a traceback, the connection dropped), and a negative
    # length made `rfile.read(-5)` wait for the client to close.
    with Engine() as engine:
        running = StepFunctionsServer(StepFunctionsService(engine), port=0)
        running.start()
        try:
            request = b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\n"
            answer = raw_exchange(running.url, request + header + b"\r\n\r\n")
        finally:
            running.stop()
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"SerializationException" in answer and b"unreadable request" in answer
