"""The call-counting benchmarks count the calls the handlers really make: a change in how the
runtime makes its clients must not leave them counting nothing (docs/benchmarks.md would then show
bars "met" with zero writes). Each runs as `make bench` runs it, in its own process: the scripts
set up a quiet handler environment that must not leak into the test session. Likewise the cold-start
benchmark must time the path its sample events stand for: a routed batch's claim, not the set-aside path
of a route its environment does not know."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import cold_start

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(script: str) -> dict[str, list[str]]:
    """The benchmark's table, by scenario: its columns after the scenario name."""
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script)], cwd=ROOT, capture_output=True,
                            text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    rows = {}
    for line in result.stdout.splitlines():
        if line.startswith(("ingest:", "router:", "stream:", "ordered:")):
            scenario, _, rest = line.partition("  ")
            rows[scenario.strip()] = rest.split()
    return rows


def test_every_runtime_cost_bar_holds_on_counted_calls() -> None:
    rows = _run("runtime_costs.py")
    events, writes, reads, starts = rows["ingest: new S3 object"][:4]
    assert (events, writes, reads, starts) == ("1", "2", "0", "1")  # the claim and its completion, one run


def test_kinesis_claims_are_counted_per_micro_batch() -> None:
    rows = _run("kinesis_claims.py")
    records, writes, per_record = rows["stream: 100 records, batch 100"][:3]
    assert (records, writes, per_record) == ("100", "2", "0.020")


FIRST_REQUEST = "lambda request, **_: (print('FIRST', request.url, request.headers.get('X-Amz-Target')), os._exit(0))"


@pytest.mark.parametrize(("handler", "target"), [
    ("stream", b"DynamoDB_20120810.PutItem"),  # the batch's claim, not a quarantine write for an unknown route
    ("ordered", b"DynamoDB_20120810.PutItem"),  # the message's claim, not a dead letter
    ("router", b"DynamoDB_20120810.PutItem"),
])
def test_the_cold_start_benchmark_times_the_path_each_sample_stands_for(handler: str, target: bytes) -> None:
    code, name = cold_start.programs()[f"{handler}/first call"]
    assert name == handler
    code = code.replace("lambda **_: os._exit(0)", FIRST_REQUEST)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "functions" / handler,
                          env=cold_start.lambda_env(handler), capture_output=True, text=True, check=True, timeout=60)
    first = next(line for line in done.stdout.splitlines() if line.startswith("FIRST"))
    assert repr(target) in first, first


@pytest.mark.parametrize("case", ["boto3", "libraries", "file_notify/import", "file_notify/first call",
                                  "stream/first call"])
def test_no_cold_start_program_times_an_interpreter_shutdown(case: str) -> None:
    # The baseline and the handlers end alike, when their work is done: a Lambda cold start never exits.
    code, name = cold_start.programs()[case]
    hook = "import atexit\natexit.register(print, 'SHUTDOWN', flush=True)\n"
    env = cold_start.lambda_env(name) if name else {**os.environ, **cold_start.ENV}
    done = subprocess.run([sys.executable, "-c", hook + code], cwd=ROOT / "functions" / (name or ""), env=env,
                          capture_output=True, text=True, check=True, timeout=60)
    assert "SHUTDOWN" not in done.stdout


def test_the_handlers_time_botocore_with_the_parsed_data_the_layer_ships(tmp_path: Path) -> None:
    site = cold_start.botocore_as_the_layer_ships_it(tmp_path)
    # `<file>.<cache tag>.marshal`, beside the file (sluice_runtime.botocore_loader.PARSED_SUFFIX)
    copies = {str(path.relative_to(site / "botocore" / "data")).rsplit(".", 2)[0] for path in site.rglob("*.marshal")}
    assert {"endpoints.json", "s3/2006-03-01/service-2.json.gz", "dynamodb/2012-08-10/service-2.json.gz"} <= copies
    code, name = cold_start.programs()["file_notify/import"]
    assert name == "file_notify"
    probe = code.replace("import app\n", "import app, botocore\nprint(botocore.__file__, flush=True)\n")
    env = cold_start.program_env(name, botocore_site=site)
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT / "functions" / name, env=env,
                          capture_output=True, text=True, check=True, timeout=60)
    assert Path(done.stdout.strip()).is_relative_to(site)


def test_cold_start_samples_read_bytecode_the_warm_up_wrote_even_where_writing_it_is_turned_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # With PYTHONDONTWRITEBYTECODE inherited, a layer module edited since its .pyc was written was
    # compiled again in every sample (as three modules edited just before a run once were).
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    for name in ("file_notify", None):
        assert "PYTHONDONTWRITEBYTECODE" not in cold_start.program_env(name, botocore_site=tmp_path)
    assert cold_start.program_env("file_notify", layer=tmp_path)["PYTHONDONTWRITEBYTECODE"] == "1"


def test_the_no_bytecode_reference_imports_the_layer_as_the_python_build_method_ships_it(tmp_path: Path) -> None:
    layer = cold_start.layer_without_bytecode(tmp_path)
    assert {"pydantic", "pydantic_core", "aws_lambda_powertools", "aws_xray_sdk", "wrapt", "botocore",
            "sluice_runtime"} <= {path.name for path in layer.iterdir()}  # the tracer extra's packages too
    probe = cold_start.LIBRARIES + "import botocore, pydantic, sluice_runtime\nprint(botocore.__file__, " \
        "pydantic.__file__, sluice_runtime.__file__)\n"
    env = cold_start.program_env("file_reduce", layer=layer)
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT / "functions" / "file_reduce", env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    assert all(Path(file).is_relative_to(layer) for file in done.stdout.split())
    assert not list(layer.rglob("*.pyc"))  # compiled on every start, as on Lambda
