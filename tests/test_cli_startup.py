"""`sluice execute` imports only what the definition it runs needs (issue #14: start-up is most of
a short run, and the whole-process benchmark counts it)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.runtime.moto_stack import ROOT

COUNTER_LOOP = ROOT / "benchmarks" / "definitions" / "counter_loop.asl.json"

# Run in a fresh interpreter: the test process has imported half of sluice already.
_PROBE = """
import contextlib, io, json, sys
from sluice.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(*argv: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    assert result["code"] == 0, done.stderr
    return set(result["modules"])


def test_a_pass_choice_loop_loads_neither_other_commands_nor_unused_state_types() -> None:
    modules = _modules_after("execute", str(COUNTER_LOOP), "--type", "EXPRESS", "--input",
                             '{"n": 0, "limit": 3}', "--json")
    assert {"sluice.asl.states.pass_", "sluice.asl.states.choice"} <= modules  # what the loop uses
    unused = {"sluice.local", "sluice.commands.up", "importlib.metadata",
              "sluice.asl.states.map", "sluice.asl.states.parallel", "sluice.asl.states.task"}
    assert not unused & modules
