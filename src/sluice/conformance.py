"""Run a corpus of AWS-recorded executions through the engine and score the fidelity.

The corpus format is described in `shared/conformance/README.md`: one JSON object per line with
the definition, the input and what AWS returned. Recorded results were normalised (timestamps,
account, region, ARNs, UUIDs …); we apply the same normalisation to our results before
comparing, and compare JSON types strictly (AWS keeps `1` and `1.0` apart).

Example:
    >>> report = run_corpus(Path("asl-aws-recorded.jsonl"))
    >>> report.passed, report.total
    (353, 353)
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sluice.asl import Engine, Execution
from sluice.asl.engine import EXPRESS

ACCOUNT = "123456789012"
REGION = "us-east-1"
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Outcome:
    """What an engine returned for a case, plus the names it used (for normalisation)."""

    status: str
    output: Any
    error: str | None
    cause: str | None
    role_arn: str
    execution_name: str
    machine_name: str

    @classmethod
    def of(cls, execution: Execution) -> Outcome:
        runtime = execution.runtime
        return cls(
            execution.status,
            execution.output,
            execution.error,
            execution.cause,
            runtime.role_arn,
            runtime.execution_name,
            runtime.state_machine_name,
        )


@dataclass
class CaseResult:
    id: str
    features: list[str]
    passed: bool
    detail: str = ""


@dataclass
class Report:
    results: list[CaseResult] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def passed(self) -> int:
        return sum(result.passed for result in self.results)

    @property
    def failed(self) -> list[str]:
        return [result.id for result in self.results if not result.passed]

    def by_feature(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: {"total": 0, "passed": 0})
        for result in self.results:
            for feature in result.features:
                counts[feature]["total"] += 1
                counts[feature]["passed"] += int(result.passed)
        return dict(sorted(counts.items()))

    def as_json(self) -> dict[str, Any]:
        return {"total": self.total, "passed": self.passed, "by_feature": self.by_feature(), "failed": self.failed}


def load_cases(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path}:{number}: not a JSON object: {error.msg}") from error


Runner = Callable[[dict[str, Any]], Outcome]


def run_corpus(path: Path, ids: Iterable[str] | None = None, runner: Runner | None = None) -> Report:
    wanted = set(ids) if ids else None
    report = Report()
    for case in load_cases(path):
        if wanted is None or case["id"] in wanted:
            report.results.append(run_case(case, runner))
    return report


def run_case(case: dict[str, Any], runner: Runner | None = None) -> CaseResult:
    """Run one case (on sluice's engine unless another `runner` is given) and judge it."""
    features = list(case.get("features", []))
    try:
        problem = compare(case, (runner or run_on_sluice)(case))
    except Exception as error:  # a crash in one case must not hide the others
        problem = f"engine raised {type(error).__name__}: {error}"
    return CaseResult(case["id"], features, problem is None, problem or "")


def machine_type(case: dict[str, Any]) -> str:
    if case.get("sync_execution") or case.get("state_machine_type") == EXPRESS:
        return EXPRESS
    return "STANDARD"


def run_on_sluice(case: dict[str, Any]) -> Outcome:
    with Engine(seed=0, region=REGION, account=ACCOUNT) as engine:
        machine = engine.create_state_machine("ConformanceMachine", case["definition"], type=machine_type(case))
        name = case.get("execution_name") or "conformance-execution"
        return Outcome.of(engine.run(machine, case.get("input"), name=name))


def compare(case: dict[str, Any], execution: Outcome) -> str | None:
    """None when the outcome matches the recording, else what differs."""
    expected = case["expected"]
    if execution.status != expected["status"]:
        got = f"{execution.status} (error={execution.error!r}, cause={execution.cause!r})"
        return f"status {got}, expected {expected['status']}"
    normalise = _Normaliser(case, execution)
    if expected["status"] == "SUCCEEDED":
        if expected.get("output_masked") or "output" not in expected:
            return None
        actual = normalise(execution.output)
        return None if _same(actual, expected["output"]) else f"output {_dump(actual)} != {_dump(expected['output'])}"
    for key in ("error", "cause"):
        if key not in expected:
            continue
        value = getattr(execution, key)
        if key == "cause" and isinstance(expected[key], dict | list) and isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        actual = normalise(value)
        if not _same(actual, expected[key]):
            return f"{key} {_dump(actual)} != {_dump(expected[key])}"
    return None


class _Normaliser:
    """Applies the corpus' normalisation (README, "The recordings were normalised") to a result."""

    def __init__(self, case: dict[str, Any], outcome: Outcome) -> None:
        self.transformers = case.get("snapshot_transformers", [])
        self.uuids: dict[str, str] = {}
        self.role = (
            outcome.role_arn,
            next((t["replacement"] for t in self.transformers if t["kind"] == "role_arn"), "snf_role_arn"),
        )
        self.execution_name = outcome.execution_name
        self.machine_name = outcome.machine_name

    def __call__(self, value: Any) -> Any:
        value = self._jsonpaths(value)
        return self._walk(value, None)

    def _jsonpaths(self, value: Any) -> Any:
        for transformer in self.transformers:
            # Paths are `$..key` or history paths ending in the output key: the last key names
            # the value the recording test masked.
            if transformer["kind"] == "jsonpath" and transformer["path"].startswith("$.."):
                key = transformer["path"].rsplit(".", 1)[-1]
                value = _replace_key(value, key, transformer["replacement"])
        return value

    def _walk(self, value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            return {k: self._walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, key) for v in value]
        if isinstance(value, str):
            return self._string(value, key)
        return value

    def _string(self, text: str, key: str | None) -> str:
        if key is not None and key.lower() == "timestamp":
            return "timestamp"
        for transformer in self.transformers:
            if transformer["kind"] == "regex":
                text = re.sub(transformer["pattern"], transformer["replacement"], text)
        text = text.replace(*self.role)
        text = self._arns(text)
        text = _ISO.sub("date", text)
        if key is not None and key.lower().endswith("id") and _UUID.match(text):
            text = self.uuids.setdefault(text, f"<uuid:{len(self.uuids)}>")
        return text

    def _arns(self, text: str) -> str:
        machine, execution = self.machine_name, self.execution_name
        text = text.replace(f":execution:{machine}:{execution}", ":execution:<ArnPart_0idx>:<ExecArnPart_0idx>")
        text = text.replace(f":express:{machine}:{execution}", ":express:<ArnPart_0idx>:<ExecArnPart_0idx>")
        text = text.replace(f":stateMachine:{machine}", ":stateMachine:<ArnPart_0idx>")
        text = text.replace(execution, "<ExecArnPart_0idx>").replace(machine, "<ArnPart_0idx>")
        text = text.replace(ACCOUNT, "111111111111").replace(f":{REGION}:", ":<region>:")
        return text.replace("arn:aws:", "arn:<partition>:")


def _replace_key(value: Any, key: str, replacement: Any) -> Any:
    if isinstance(value, dict):
        return {k: replacement if k == key else _replace_key(v, key, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_key(v, key, replacement) for v in value]
    return value


def _same(actual: Any, expected: Any) -> bool:
    """Deep equality that keeps JSON types apart (True != 1, 1 != 1.0)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(_same(actual[k], expected[k]) for k in actual)
    if isinstance(actual, list):
        return len(actual) == len(expected) and all(_same(a, e) for a, e in zip(actual, expected, strict=True))
    return bool(actual == expected)


def _dump(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) < 400 else text[:400] + "…"
