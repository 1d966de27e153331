"""The sample events under events/ (for `sam local invoke -e` / `sluice invoke -e`) still match the
contracts of the task functions and state machines they are for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.errors import ObjectNotFound

from tests.runtime.moto_stack import ROOT

from .conftest import FUNCTIONS, Pipelines, World, context, load_app

DIRECTORIES = set(FUNCTIONS.values())
MACHINE_INPUTS = {"backfill-request.json": "Backfill"}  # execution inputs, not function events
SAMPLES = sorted(path for path in (ROOT / "events").glob("*.json")
                 if path.name.split("-", 1)[0] in DIRECTORIES and path.name not in MACHINE_INPUTS)
MISSING_OBJECT = ("NoSuchKey", "NoSuchVersion", "404")


def test_every_task_function_has_a_sample_event() -> None:
    assert {path.name.split("-", 1)[0] for path in SAMPLES} == DIRECTORIES


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.name)
def test_each_sample_is_accepted_by_its_handler(world: World, path: Path) -> None:
    event: Any = json.loads(path.read_text(encoding="utf-8"))
    code = None
    try:
        load_app(path.name.split("-", 1)[0]).handler(event, context())
    except StepInputError as error:  # the sample no longer matches the contract
        pytest.fail(f"{path.name}: {error}")
    except ClientError as error:  # staged objects a sample refers to do not exist here: only the contract counts
        code = error.response["Error"]["Code"]
    except ObjectNotFound as error:  # the same, as the steps' storage reports it (permanent, not retried)
        code = str(error.__cause__.response["Error"]["Code"]) if isinstance(error.__cause__, ClientError) else "?"
    assert code is None or code in MISSING_OBJECT


@pytest.mark.parametrize("name", ["stream_sink-kinesis-batch.json", "stream_sink-ordered-command.json",
                                  "backfill-plan.json", "freshness-scheduled.json"])
def test_self_contained_samples_succeed(world: World, name: str) -> None:
    event = json.loads((ROOT / "events" / name).read_text(encoding="utf-8"))

    result = load_app(name.split("-", 1)[0]).handler(event, context())

    assert isinstance(result, dict) and result


@pytest.mark.parametrize(("name", "machine"), MACHINE_INPUTS.items())
def test_state_machine_inputs_start_a_run(world: World, pipelines: Pipelines, name: str, machine: str) -> None:
    execution = pipelines.run(machine, json.loads((ROOT / "events" / name).read_text(encoding="utf-8")))

    assert execution.status == "SUCCEEDED", execution.cause


@pytest.mark.parametrize("meta", [None, {}, {"pipeline": ""}, {"pipeline": 7}])
def test_a_sink_input_naming_no_pipeline_is_a_step_input_error(world: World, meta: Any) -> None:
    # Found by mutating the sample: it was reported as a ConfigurationError of the deployment.
    event = json.loads((ROOT / "events" / "stream_sink-kinesis-batch.json").read_text(encoding="utf-8"))
    event["input"]["sluice"] = meta
    with pytest.raises(StepInputError, match=r"the input's sluice.pipeline must name the pipeline that ran"):
        load_app("stream_sink").handler(event, context())
