"""`sluice chaos`: random fault schedules over many inputs, then the invariants, run after run.

One run: a seed draws a workload (file drops, Kinesis records, FIFO commands) and a fault schedule;
the project's own template runs on a fresh local stack; the inputs arrive in random bursts (the
inputs of one burst are in flight together: two versions of one key race); once the stack is idle,
every invariant of `sluice.chaos.invariants` is checked. A violation names the run's seed, so
`sluice chaos --seed S --runs 1` replays it exactly.

Example:
    >>> report = run_campaign(Path("template.yaml"), seed=11, runs=2)     # doctest: +SKIP
    >>> report.violations                                                 # doctest: +SKIP
    []
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from sluice.chaos.invariants import INVARIANTS, Dropped, Put, digests
from sluice.chaos.schedule import FaultSchedule
from sluice.chaos.workload import FifoCommand, FileDrop, StreamRecord, Workload, generate

if TYPE_CHECKING:
    from sluice.local.stack import LocalStack


class Violation(BaseModel):
    """One broken promise: replay it with `sluice chaos --seed <seed> --runs 1`."""

    seed: int
    invariant: str
    detail: str


class ChaosReport(BaseModel):
    """What `sluice chaos --json` prints."""

    runs: int = 0
    faults_injected: int = 0
    events: int = 0
    violations: list[Violation] = []


@dataclass(frozen=True)
class Scale:
    """How much one run feeds the stack."""

    files: int = 6
    records: int = 12
    commands: int = 8


def run_seeds(seed: int, runs: int) -> list[int]:
    """The seeds of a campaign: derived from `seed`, so a campaign is reproducible as a whole."""
    rng = random.Random(seed)
    return [rng.randrange(2**31) for _ in range(runs)] if runs > 1 else [seed]


def run_campaign(template: Path, *, seed: int, runs: int, scale: Scale | None = None,
                 on_run: Callable[[int, ChaosReport], None] = lambda _seed, _report: None) -> ChaosReport:
    report = ChaosReport()
    for run_seed in run_seeds(seed, runs):
        run_once(template, run_seed, scale or Scale(), report)
        on_run(run_seed, report)
    return report


def run_once(template: Path, seed: int, scale: Scale, report: ChaosReport) -> None:
    """One run on a fresh stack; adds its counts and violations to `report`."""
    from sluice.chaos.observe import observe  # noqa: PLC0415 - the local stack loads moto
    from sluice.local import LocalStack  # noqa: PLC0415

    rng = random.Random(seed)
    workload = generate(rng, files=scale.files, records=scale.records, commands=scale.commands)
    with LocalStack.from_template(template, parameters={"Stage": "chaos"}, seed=seed) as stack:
        schedule = FaultSchedule.draw(rng, stack)
        drops, puts = _feed(stack, workload, rng)
        stack.run_until_idle()
        replays = _replay(stack, workload, drops)
        stack.run_until_idle()
        schedule.settle()
        world = observe(stack, drops=drops, puts=puts, commands=list(workload.commands), replays=replays)
        report.runs += 1
        report.events += workload.events
        report.faults_injected += schedule.injected
        for name, invariant in INVARIANTS:
            report.violations.extend(Violation(seed=seed, invariant=name, detail=detail) for detail in invariant(world))


def _feed(stack: LocalStack, workload: Workload, rng: random.Random) -> tuple[list[Dropped], list[Put]]:
    """Send every input, in bursts: a burst's inputs are in flight at the same time."""
    steps: list[FileDrop | StreamRecord | FifoCommand] = [*workload.drops, *workload.records, *workload.commands]
    # Shuffle across kinds but keep each kind's own order: versions of a key and a group's commands
    # are sent in the order the workload gave them (that order is what the invariants check).
    kinds = [type(step) for step in steps]
    rng.shuffle(kinds)
    queues = {kind: [step for step in steps if type(step) is kind] for kind in set(kinds)}
    ordered = [queues[kind].pop(0) for kind in kinds]
    drops: list[Dropped] = []
    puts: list[Put] = []
    for step in ordered:
        response = _produce(stack, step)
        if isinstance(step, FileDrop):
            sha, etag = digests(step.body)
            drops.append(Dropped(step, str(response.get("VersionId")), sha, etag))
        elif isinstance(step, StreamRecord):
            puts.append(Put(step, str(response["ShardId"]), str(response["SequenceNumber"])))
        if rng.random() < 0.3:  # end of a burst: let the world catch up
            stack.run_until_idle()
    return drops, puts


def _replay(stack: LocalStack, workload: Workload, drops: list[Dropped]) -> list[tuple[str, str]]:
    """Ask for each replay twice, as an operator would (`{"replay": {token, reason}, "event": ...}`
    invoked on the ingest function, docs/runtime.md): (version id, token) of each replay asked for."""
    asked = []
    for replay in workload.replays:
        version = drops[replay.drop].version_id
        original = next((invocation.event for invocation in stack.invocations("IngestFunction")
                         if _object(invocation.event).get("version-id") == version), None)
        if original is None:
            continue  # the version's event never reached ingest (it is then a violation of its own)
        request = {"replay": {"token": replay.token, "reason": "chaos campaign"}, "event": original}
        for _ in range(2):
            stack.invoke_async("IngestFunction", request)
        asked.append((version, replay.token))
    return asked


def _object(event: Any) -> dict[str, Any]:
    detail = event.get("detail") if isinstance(event, dict) else None
    found = detail.get("object") if isinstance(detail, dict) else None
    return found if isinstance(found, dict) else {}


def _produce(stack: LocalStack, step: FileDrop | StreamRecord | FifoCommand, attempts: int = 10) -> dict[str, Any]:
    """Send one input as a producer does: an injected throttle or 5xx on the producer's own call is
    retried (the AWS SDKs retry them), so that every input of the workload does reach AWS."""
    from botocore.exceptions import ClientError  # noqa: PLC0415

    for attempt in range(attempts):
        try:
            if isinstance(step, FileDrop):
                return stack.put_object("RawBucket", step.key, step.body)
            if isinstance(step, StreamRecord):
                return stack.put_record("EventStream", step.data, partition_key=step.partition_key)
            return {"MessageId": stack.send_message("OrderedQueue", step.body, group_id=step.group)}
        except ClientError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
