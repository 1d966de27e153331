"""Cold-start cost of every handler in `functions/`, as a ratio to `import boto3` measured in the same run.

Each sample is a fresh interpreter (`python -c ...`) started in `functions/<name>/` with the layer's
`python/` directory on PYTHONPATH, as Lambda lays it out (/opt/python), and with the variables the
Lambda runtime sets (`LAMBDA_TASK_ROOT`, `AWS_EXECUTION_ENV`, `AWS_LAMBDA_FUNCTION_NAME`,
`_X_AMZN_TRACE_ID`, the X-Ray daemon address). They matter: outside Lambda the X-Ray SDK builds a
centralised sampler with two botocore clients when it is imported (aws/aws-xray-sdk-python#273), which
inside Lambda it never does, and the layer keeps the garbage collector out of a cold start only inside
Lambda (`sluice_runtime.cold_start`).
The routing variables come from `events/env.json`, as `sam local invoke --env-vars events/env.json`
applies them, so that each sample event takes the path it stands for (a Kinesis batch is claimed and
started, not set aside as an unknown route). Runs are interleaved (baselines, then every handler, round
after round) so drift hits all columns alike; the figure is the median.

A second reference, `libraries`, is a process that only loads what every handler's first call needs
before any sluice code runs: botocore's session module, pydantic (one model validated) and Powertools with its
Tracer built and patching botocore, in the Lambda environment. It shows how much of a first call is the
libraries' own floor and how much is the handler's.

A third, `libraries + an S3 client`, goes on to create the client a step that reads or writes S3 makes
on its first call (botocore's session, the endpoints file, S3's model and endpoint rules): the floor of
any handler whose first call reaches S3, before its own code.

Every program but the fourth imports botocore as the layer ships it: this environment's botocore, with
the parsed copies of the JSON data the runtime's clients read that the layer's Makefile writes
(`sluice_runtime.botocore_loader`, ADR 0010).

A fourth, `libraries, no bytecode`, is the same process importing the layer's packages as SAM's
`python3.13` build method would ship them: wheels unpacked and sources copied with no `.pyc`, into a
read-only `/opt` (`PYTHONDONTWRITEBYTECODE`), so that every module is compiled on every cold start
(SAM's zip dates every file 1980-01-01, which no timestamp-checked bytecode matches either). The
layer's Makefile ships hash-based bytecode instead (ADR 0012), which is what the handler columns,
reading compiled modules, measure.

A fifth, `libraries + batch and idempotency`, adds Powertools' batch processing (imported before
pydantic, as the batch handlers import it, so its parser models stay unloaded) and idempotency
utilities to `libraries`: the floor of the handlers that consume a batch with exactly-once claims
(`ordered`, `stream`) before their own code and their clients run. When this floor alone is over the
first-call goal, no handler written on those utilities can meet it.

Every program ends the moment its work is done, with `os._exit(0)`, the baseline included: a Lambda
execution environment never exits during a cold start, and an interpreter's shutdown (module teardown
and its final collections) costs in proportion to what the process holds: about 60 ms after `import
boto3`, 100-200 ms after a first call that loaded S3's or DynamoDB's service model. Timing the
baseline's shutdown but not a handler's would flatter every handler; timing both would add a cost that
no invocation pays.

Columns:
* `import` - `import app`: what the Lambda init phase pays. Goal: at most 1.3x `import boto3`.
* `first call` - `import app` and then the handler invoked on its first sample event
  (`events/<name>-*.json`), tracing on as deployed (`Tracing: Active`, so the Powertools Tracer is
  built), up to the moment it sends its first AWS request: a botocore `before-send` hook ends the
  process there, so no network time is counted. A handler that makes no AWS call runs to its end.
  Goal: at most 1.5x `import boto3`. `vs libraries` is the same time as a ratio to `libraries`.

Usage:
    .venv/bin/python benchmarks/cold_start.py [--runs 11] [--import-goal 1.3] [--call-goal 1.5]

Exits 1 when a handler misses a goal.
"""

from __future__ import annotations

import argparse
import functools
import importlib.metadata
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import botocore
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "runtime" / "python"
FUNCTIONS = ROOT / "functions"
EVENTS = ROOT / "events"

# Ends every program: no interpreter shutdown (see the module's docstring).
_DONE = "import os; os._exit(0)\n"
# Ends the process at the first AWS request: what follows is network time, not cold start. The hook is
# added to botocore's built-in handlers when the handler's own code first imports botocore, not by
# importing botocore first: the handler's modules load in the order Lambda loads them.
_STOP_AT_FIRST_SEND = """\
import os, sys
class _StopAtFirstSend:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "botocore.handlers":
            return None
        sys.meta_path.remove(cls)
        import importlib.util
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module
        def exec_module(module):
            load(module)
            module.BUILTIN_HANDLERS.append(("before-send", lambda **_: os._exit(0)))
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, _StopAtFirstSend)
"""
LIBRARIES = (
    "import botocore.session, pydantic\n"
    "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
    "Tracer(patch_modules=('botocore',))\n"
    "class Model(pydantic.BaseModel):\n    value: int\n"
    "Model(value=1)\n"
)
LIBRARIES_AND_CLIENT = LIBRARIES + "botocore.session.get_session().create_client('s3')\n"
LIBRARIES_AND_BATCH = ("import aws_lambda_powertools.utilities.batch\n"
                       "import aws_lambda_powertools.utilities.idempotency\n" + LIBRARIES)
# The `context` every first call is handed (also the tests' probes: tests/runtime/test_cold_start.py).
CONTEXT = (
    "class Context:\n"
    "    function_name = 'sluice-cold-start'; memory_limit_in_mb = 512\n"
    "    invoked_function_arn = 'arn:aws:lambda:us-east-1:123456789012:function:sluice-cold-start'\n"
    "    aws_request_id = 'c6af9ac6-7b61-11e6-9a41-93e812345678'\n"
    "    def get_remaining_time_in_millis(self): return 600000\n"
)

ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "AWS_LAMBDA_FUNCTION_NAME": "sluice-cold-start",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "PYTHONPATH": str(LAYER),
}


def handlers() -> list[str]:
    """Every deployed function that has a sample event."""
    return sorted(path.parent.name for path in FUNCTIONS.glob("*/app.py") if sample_event(path.parent.name))


def sample_event(name: str) -> Path | None:
    samples = sorted(EVENTS.glob(f"{name}-*.json"))
    return samples[0] if samples else None


@functools.cache
def template_environments() -> dict[str, dict[str, str]]:
    """Each function's `Environment.Variables` from template.yaml, resolved as the local stack does, by
    code directory."""
    from sluice.local.lambda_.spec import function_specs  # noqa: PLC0415
    from sluice.local.template.model import SamTemplate  # noqa: PLC0415

    specs = function_specs(SamTemplate.load(ROOT / "template.yaml"))
    return {spec.code_dir.name: spec.environment for spec in specs.values()}


@functools.cache
def sample_overrides() -> dict[str, str]:
    """`events/env.json`'s `Parameters`: the resource names the sample events carry (SAM CLI's env-vars
    file; its `Parameters` apply to every function whose template declares the variable)."""
    overrides: dict[str, str] = json.loads((EVENTS / "env.json").read_text(encoding="utf-8"))["Parameters"]
    return overrides


def lambda_env(name: str) -> dict[str, str]:
    """What the Lambda runtime sets, plus the function's variables from the template and env.json."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "SLUICE_", "AWS_"))}
    declared = template_environments().get(name, {})
    overrides = {key: value for key, value in sample_overrides().items() if key in declared}
    return {**inherited, **declared, **overrides, **ENV, "LAMBDA_TASK_ROOT": str(FUNCTIONS / name)}


def layer_without_bytecode(into: Path) -> Path:
    """The layer as `BuildMethod: python3.13` ships it, from this environment's installed copies: every
    file of its requirements and their dependencies (extras and markers as pip resolves them) and the
    runtime's sources, with no bytecode."""
    todo = [Requirement(line) for line in (LAYER / "requirements.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        distribution = importlib.metadata.distribution(requirement.name)
        if distribution.name.lower() in seen:
            continue
        seen.add(distribution.name.lower())
        for file in distribution.files or []:
            if file.parts[0] == ".." or "__pycache__" in file.parts or file.suffix == ".pyc":
                continue  # console scripts outside site-packages; bytecode
            (into / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(str(file.locate())), into / file)
        for dependency in map(Requirement, distribution.requires or []):
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": extra})
                                                for extra in requirement.extras or {""}):
                todo.append(dependency)
    shutil.copytree(LAYER / "sluice_runtime", into / "sluice_runtime", ignore=shutil.ignore_patterns("__pycache__"))
    return into


def botocore_as_the_layer_ships_it(into: Path) -> Path:
    """A site directory holding this environment's botocore plus the parsed copies of its data that the
    layer's Makefile writes, by the same command. Files are hard links where the file system allows
    (else copies with their dates), so botocore's installed bytecode stays valid."""

    def link(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    shutil.copytree(Path(botocore.__file__).parent, into / "botocore", copy_function=link)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(into), str(LAYER)))}
    subprocess.run([sys.executable, "-B", "-m", "sluice_runtime.botocore_loader", str(into / "botocore" / "data")],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    return into


def program_env(name: str | None, layer: Path | None = None, botocore_site: Path | None = None) -> dict[str, str]:
    """A program's environment: with `layer` (no bytecode, none written) in place of the layer and the
    environment's own packages, or else with `botocore_site` after the layer and bytecode written, so
    that the warm-up run leaves every sample compiled modules to read (`PYTHONDONTWRITEBYTECODE`, set in
    some CI and sandbox images, would have every sample compile each layer module edited since its
    bytecode was last written)."""
    env = lambda_env(name) if name else {**os.environ, **ENV}
    if layer is not None:
        return {**env, "PYTHONPATH": str(layer), "PYTHONDONTWRITEBYTECODE": "1"}
    env = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
    if botocore_site is not None:
        env["PYTHONPATH"] = os.pathsep.join((env["PYTHONPATH"], str(botocore_site)))
    return env


def timed(code: str, name: str | None, layer: Path | None = None, botocore_site: Path | None = None) -> float:
    """Wall-clock seconds of a fresh interpreter running `code` (in the function's directory), in
    `program_env(name, layer, botocore_site)`."""
    cwd = FUNCTIONS / name if name else ROOT
    env = program_env(name, layer, botocore_site)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def programs() -> dict[str, tuple[str, str | None]]:
    # The libraries floor runs in a step function's directory for its Lambda environment; it imports no app.
    cases: dict[str, tuple[str, str | None]] = {
        "boto3": ("import boto3\n", None),
        "libraries": (LIBRARIES, "file_reduce"),
        "libraries + an S3 client": (LIBRARIES_AND_CLIENT, "file_reduce"),
        "libraries, no bytecode": (LIBRARIES, "file_reduce"),
        "libraries + batch and idempotency": (LIBRARIES_AND_BATCH, "ordered"),
    }
    for name in handlers():
        event = sample_event(name)
        cases[f"{name}/import"] = ("import app\n", name)
        cases[f"{name}/first call"] = (
            _STOP_AT_FIRST_SEND + "import json, app\n" + CONTEXT
            + f"try:\n    app.handler(json.load(open({str(event)!r})), Context())\nexcept Exception:\n    pass\n",
            name,
        )
    return {case: (code + _DONE, name) for case, (code, name) in cases.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--import-goal", type=float, default=1.3)
    parser.add_argument("--call-goal", type=float, default=1.5)
    args = parser.parse_args()

    cases = programs()
    with tempfile.TemporaryDirectory(prefix="sluice-layer-") as scratch:
        unbuilt = layer_without_bytecode(Path(scratch) / "unbuilt")
        shipped = botocore_as_the_layer_ships_it(Path(scratch) / "shipped")
        layers = {case: unbuilt if case.endswith("no bytecode") else None for case in cases}
        for case, (code, name) in cases.items():  # warm the OS file cache and .pyc files once
            timed(code, name, layers[case], shipped)
        samples: dict[str, list[float]] = {case: [] for case in cases}
        for _ in range(args.runs):
            for case, (code, name) in cases.items():
                samples[case].append(timed(code, name, layers[case], shipped))
    median = {case: statistics.median(values) for case, values in samples.items()}
    base, libraries = median["boto3"], median["libraries"]
    compiling, with_client = median["libraries, no bytecode"], median["libraries + an S3 client"]
    with_batch = median["libraries + batch and idempotency"]

    print(f"median of {args.runs} fresh interpreters, each ended when its work is done; `import boto3` = "
          f"{base * 1000:.0f} ms; libraries (botocore, pydantic, Powertools + Tracer) = {libraries * 1000:.0f} ms, "
          f"{libraries / base:.2f}x; libraries + an S3 client = {with_client * 1000:.0f} ms, "
          f"{with_client / base:.2f}x; libraries + batch and idempotency (the batch handlers' floor) = "
          f"{with_batch * 1000:.0f} ms, {with_batch / base:.2f}x; the libraries shipped without bytecode "
          f"(BuildMethod: python3.13) = {compiling * 1000:.0f} ms, {compiling / base:.2f}x\n")
    print(f"{'handler':<16} {'import':>16} {'first call':>16} {'vs libraries':>13}   "
          f"goals <= {args.import_goal}x, <= {args.call_goal}x")
    missed = []
    for name in handlers():
        imported, called = median[f"{name}/import"], median[f"{name}/first call"]
        ok = imported / base <= args.import_goal and called / base <= args.call_goal
        if not ok:
            missed.append(name)
        cells = " ".join(f"{c * 1000:>7.0f} ms {c / base:>4.2f}x" for c in (imported, called))
        print(f"{name:<16} {cells} {called / libraries:>12.2f}x   {'ok' if ok else 'MISSED'}")
    if missed:
        print(f"\ncold-start goals missed by: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
