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
import linecache
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sluice import json_text, text_files
from sluice.asl import Engine, Execution
from sluice.asl.engine import EXPRESS
from sluice.asl.tasks.lambda_ import InProcessFunction
from sluice.asl.tasks.lambda_runtime import DEFAULT_RUNTIME

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
    corpus: str = ""  # the file the case came from


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

    def by_corpus(self) -> dict[str, dict[str, int]]:
        """Totals per corpus file, in the order given."""
        counts: dict[str, dict[str, int]] = defaultdict(lambda: {"total": 0, "passed": 0})
        for result in self.results:
            counts[result.corpus]["total"] += 1
            counts[result.corpus]["passed"] += int(result.passed)
        return dict(counts)

    def as_json(self) -> dict[str, Any]:
        return {"total": self.total, "passed": self.passed, "by_feature": self.by_feature(), "failed": self.failed}


class CorpusError(ValueError):
    """A corpus file that cannot be read: one line, naming the file."""


def check_readable(paths: Iterable[Path]) -> None:
    """Fail before any case runs when a corpus file is missing or unreadable.

    Example: `check_readable([Path("nope.jsonl")])` raises CorpusError("cannot read corpus file
    'nope.jsonl': No such file or directory").
    """
    for path in paths:
        try:
            with path.open("rb"):
                pass
        except OSError as error:
            raise CorpusError(f"cannot read corpus file '{path}': {error.strerror or error}") from None


CASE_MEMBERS = ("id", "definition", "expected")  # what a case of the corpus needs (the corpus README)


def load_cases(path: Path, required: tuple[str, ...] = CASE_MEMBERS) -> Iterator[dict[str, Any]]:
    """The JSON object on each line of `path`; a line that is not one, or lacks a `required` member, is
    a `ValueError` naming the file and line (the CLI's one-line error)."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                line = text_files.decode(raw, f"{path}:{number}")
            except OSError as error:
                raise ValueError(f"{path}:{number}: {error.strerror}") from None
            if line.strip():
                try:
                    case = json_text.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path}:{number}: not a JSON object: {error.msg}") from error
                if not isinstance(case, dict):
                    raise ValueError(f"{path}:{number}: not a JSON object: {type(case).__name__}")
                missing = [name for name in required if name not in case]
                if missing:
                    raise ValueError(f"{path}:{number}: the case has no {', '.join(missing)}")
                yield case


Runner = Callable[[dict[str, Any]], Outcome]


def run_corpus(corpus: Path | Iterable[Path], ids: Iterable[str] | None = None, runner: Runner | None = None) -> Report:
    """Run every case of one corpus file or several (results, Lambda cases…) into one report."""
    paths = [corpus] if isinstance(corpus, Path) else list(corpus)
    check_readable(paths)
    wanted = set(ids) if ids else None
    report = Report()
    for path in paths:
        for case in load_cases(path):
            if wanted is None or case["id"] in wanted:
                result = run_case(case, runner)
                result.corpus = str(path)
                report.results.append(result)
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
    with Engine(seed=0, region=REGION, account=ACCOUNT, functions=case_functions(case)) as engine:
        return Outcome.of(execute(engine, case))


def execute(engine: Engine, case: dict[str, Any]) -> Execution:
    """Run `case` on `engine` under the names the recordings were normalised from."""
    machine = engine.create_state_machine("ConformanceMachine", case["definition"], type=machine_type(case))
    name = case.get("execution_name") or "conformance-execution"
    return engine.run(machine, case.get("input"), name=name)


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
                value = json_text.loads(value)
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
        text = _ISO.sub(_date, text)
        if key is not None and "timestamp" in key.lower() and text != "date":
            return "timestamp"  # what is not a date-time under a key naming one (`TimestampValue`)
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


def _date(match: re.Match[str]) -> str:
    """Only a real ISO-8601 date-time became "date" in the recordings (not `2024-13-45T…`)."""
    try:
        datetime.fromisoformat(match.group().replace("Z", "+00:00"))
    except ValueError:
        return match.group()
    return "date"


def _replace_key(value: Any, key: str, replacement: Any) -> Any:
    if isinstance(value, dict):
        return {k: replacement if k == key else _replace_key(v, key, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_key(v, key, replacement) for v in value]
    return value


def _same(actual: Any, expected: Any, key: str | None = None) -> bool:
    """Deep equality that keeps JSON types apart (True != 1, 1 != 1.0), where what the recording
    masked matches what it replaced (`_masked`)."""
    if isinstance(expected, str) and _masked(actual, expected, key):
        return True
    if type(actual) is not type(expected):
        return False
    if isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(_same(actual[k], expected[k], k) for k in actual)
    if isinstance(actual, list):
        return len(actual) == len(expected) and all(_same(a, e, key) for a, e in zip(actual, expected, strict=True))
    return bool(actual == expected)


def _masked(actual: Any, expected: str, key: str | None) -> bool:
    """The recorded value is a mask: a value the recording test replaced by its key's own name
    (LocalStack's `key_value` transformer: `"RequestId": "RequestId"`, `"Date": "date"`, whatever
    the masked value's type), or a text whose `<placeholder>`s (`<uuid:1>`, `<json-input:0>`,
    `<request_id>`) stand for any text; the rest of the text must be identical."""
    if key is not None and expected.lower() == key.lower():
        return True
    return isinstance(actual, str) and _fills(expected, actual)


def _dump(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) < 400 else text[:400] + "…"


# -- execution histories (`sluice conformance --histories FILE`) ------------------------------
#
# A recorded history is `{id, events}`: AWS's `GetExecutionHistory` events for the case with the
# same id, normalised like the results. Three things are scored separately, per history: the
# event types in order, the `id`/`previousEventId` links, and every `…EventDetails` object.
# Payloads (`input`, `output`, `parameters`) compare as JSON values: the recording parsed some of
# them (every text that began with `{`, a few arrays and numbers) and kept others as text.

_PLACEHOLDER = re.compile(r"<[^<>\s]+>")
_PAYLOADS = ("input", "output", "parameters")


@dataclass
class HistoryResult:
    id: str
    types: bool
    links: bool
    details: bool
    detail: str = ""

    @property
    def identical(self) -> bool:
        return self.types and self.links and self.details


@dataclass
class HistoryReport:
    results: list[HistoryResult] = field(default_factory=list)
    # Recorded histories whose case is not in the corpus given: reported, never scored silently.
    missing: list[str] = field(default_factory=list)

    def score(self) -> dict[str, int]:
        return {
            "total": len(self.results),
            "types": sum(result.types for result in self.results),
            "links": sum(result.links for result in self.results),
            "details": sum(result.details for result in self.results),
            "identical": sum(result.identical for result in self.results),
        }

    def as_json(self) -> dict[str, Any]:
        differing = {result.id: result.detail for result in self.results if not result.identical}
        return {**self.score(), "differing": differing, "missing_cases": self.missing}


def run_histories(histories: Path, corpus: Iterable[Path], ids: Iterable[str] | None = None) -> HistoryReport:
    """Score the recorded histories of the cases found in the `corpus` files.

    Example:
        >>> corpora = [Path("asl-aws-recorded.jsonl"), Path("asl-aws-recorded-lambda.jsonl")]
        >>> run_histories(Path("asl-aws-histories.jsonl"), corpora).score()
        {'total': 172, 'types': ..., 'links': ..., 'details': ..., 'identical': ...}
    """
    paths = list(corpus)
    check_readable([histories, *paths])
    cases = {case["id"]: case for path in paths for case in load_cases(path)}
    wanted = set(ids) if ids else None
    report = HistoryReport()
    for recorded in load_cases(histories, ("id", "events")):
        if wanted is not None and recorded["id"] not in wanted:
            continue
        case = cases.get(recorded["id"])
        if case is None:
            report.missing.append(recorded["id"])
        else:
            report.results.append(score_history(case, recorded["events"]))
    return report


def score_history(case: dict[str, Any], recorded: list[dict[str, Any]]) -> HistoryResult:
    """Run `case` on sluice and judge its history against the `recorded` events."""
    try:
        outcome, events = history_on_sluice(case)
    except Exception as error:  # a crash in one case must not hide the others
        problem = f"engine raised {type(error).__name__}: {error}"
        return HistoryResult(case["id"], False, False, False, problem)
    return compare_history(case, outcome, events, recorded)


def history_on_sluice(case: dict[str, Any]) -> tuple[Outcome, list[dict[str, Any]]]:
    with Engine(seed=0, region=REGION, account=ACCOUNT, functions=case_functions(case)) as engine:
        execution = execute(engine, case)
        return Outcome.of(execution), list(execution.history)


def case_functions(case: dict[str, Any]) -> dict[str, Any]:
    """The Lambda handlers a case ships (`lambdas`), by function name, each compiled as the
    `handler.py` of its own code root (shown as `/var/task/handler.py` in stack traces, as AWS ran
    it) with its source in `linecache`, so that tracebacks quote its lines."""
    functions: dict[str, Any] = {}
    for spec in case.get("lambdas", {}).values():
        path = f"/sluice-conformance/{spec['function_name']}/handler.py"
        code = spec["code"]
        linecache.cache[path] = (len(code), None, code.splitlines(keepends=True), path)
        namespace: dict[str, Any] = {"__name__": "handler", "__file__": path}
        exec(compile(code, path, "exec"), namespace)
        handler = namespace[spec["handler"].rsplit(".", 1)[-1]]
        functions[spec["function_name"]] = InProcessFunction(handler, spec.get("runtime", DEFAULT_RUNTIME))
    return functions


def compare_history(
    case: dict[str, Any], outcome: Outcome, actual: list[dict[str, Any]], recorded: list[dict[str, Any]]
) -> HistoryResult:
    """Types, links and details of `actual` (as `History` renders it) against `recorded`."""
    # jsonpath masks are matched as wildcards (below), so only the other transformers apply here.
    transformers = case.get("snapshot_transformers", [])
    plain = dict(case, snapshot_transformers=[t for t in transformers if t["kind"] != "jsonpath"])
    # The recordings also show the HTTP `Date` header of a `lambda:invoke` result as "date".
    events = _replace_key(_Normaliser(plain, outcome)([_parsed_event(event) for event in actual]), "Date", "date")
    wildcards = {t["replacement"] for t in transformers if t["kind"] == "jsonpath"}
    # A recording test that sorted a Parallel run's events masked their ids (and may have left
    # some out): those compare as a multiset, against as many events as the ids it kept count.
    masked = any(not isinstance(event["id"], int) for event in recorded)
    length = max((e["id"] for e in recorded if isinstance(e["id"], int)), default=0) if masked else len(recorded)
    problems: list[str] = []

    got_types, want_types = [e["type"] for e in events], [e["type"] for e in recorded]
    if masked:
        types = not Counter(want_types) - Counter(got_types) and len(events) == length
    else:
        types = got_types == want_types
    if not types:
        problems.append(f"types {got_types} != {want_types}")

    by_id = {event["id"]: event for event in events}
    bad_links = [
        f"#{want['id']} {want['type']} -> {by_id[want['id']]['previousEventId'] if want['id'] in by_id else None}"
        f" (AWS {want['previousEventId']})"
        for want in recorded
        if isinstance(want["id"], int) and (
            want["id"] not in by_id
            or (by_id[want["id"]]["type"], by_id[want["id"]]["previousEventId"])
            != (want["type"], want["previousEventId"]))
    ]
    links = not bad_links and len(events) == length
    if not links:
        problems.append("links " + ("; ".join(bad_links[:3]) or f"{len(events)} events, AWS {length}"))

    unmatched = _unmatched_details(events, recorded, wildcards, in_order=not masked)
    if unmatched:
        problems.append("details " + unmatched)
    return HistoryResult(case["id"], types, links, not unmatched, " | ".join(problems))


def _parsed_event(event: dict[str, Any]) -> dict[str, Any]:
    """Render an event like the recordings: details texts that begin with `{` parsed."""
    return {
        key: {k: _parse_object(v) for k, v in value.items()} if key.endswith("Details") else value
        for key, value in event.items()
    }


def _parse_object(value: Any) -> Any:
    if isinstance(value, dict):  # `assignedVariables`: one JSON text per variable
        return {key: _parse_object(item) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            return json_text.loads(value)
    return value


def _details(event: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in event.items() if key.endswith("Details")}


def _unmatched_details(
    events: list[dict[str, Any]], recorded: list[dict[str, Any]], wildcards: set[str], *, in_order: bool
) -> str:
    """The first recorded details object sluice does not reproduce ("" when all match). A masked
    (sorted) recording is matched as a multiset: each recorded event against any unused one."""
    unused = list(events)
    for index, want in enumerate(recorded):
        candidates = unused[:1] if in_order else [e for e in unused if e["type"] == want["type"]]
        if in_order and index < len(events):
            candidates = [events[index]]
        match = next((e for e in candidates if _matches(_details(e), _details(want), wildcards)), None)
        if match is None:
            got = _details(candidates[0]) if candidates else None
            return f"{want['type']} #{want['id']}: {_dump(got)} != {_dump(_details(want))}"
        if not in_order:
            unused.remove(match)
    return ""


def _matches(actual: Any, expected: Any, wildcards: set[str]) -> bool:
    """JSON equality with types kept apart, where a placeholder in the recording (`<uuid:1>`,
    `<request_id>`, a test's jsonpath mask) matches anything, and JSON text matches its value."""
    if isinstance(expected, str):
        if expected in wildcards or _PLACEHOLDER.fullmatch(expected):
            return True
        if isinstance(actual, str) and (actual == expected or _fills(expected, actual)):
            return True
    if isinstance(actual, str) and actual != expected:
        # JSON text against its value, or against the same text spaced differently (AWS keeps
        # an execution input's own spacing: `["Hello", "World"]`).
        value, want = _json(actual), _json(expected) if isinstance(expected, str) else expected
        return value is not _NOT_JSON and want is not _NOT_JSON and _matches(value, want, wildcards)
    if type(actual) is not type(expected):
        return False
    if isinstance(actual, dict):
        # A value recorded as its own key's name was masked by the recording test (LocalStack's
        # `key_value` transformer: `"X-Amzn-Trace-Id": "X-Amzn-Trace-Id"`).
        return actual.keys() == expected.keys() and all(
            expected[k] == k or _matches(actual[k], expected[k], wildcards) for k in actual
        )
    if isinstance(actual, list):
        return len(actual) == len(expected) and all(
            _matches(a, e, wildcards) for a, e in zip(actual, expected, strict=True)
        )
    return bool(actual == expected)


_NOT_JSON = object()


def _json(text: str) -> Any:
    try:
        return json_text.loads(text)
    except json.JSONDecodeError:
        return _NOT_JSON


def _fills(template: str, text: str) -> bool:
    """`text` is `template` with each `<placeholder>` in it filled in."""
    if not _PLACEHOLDER.search(template):
        return False
    pattern = ".*?".join(re.escape(part) for part in _PLACEHOLDER.split(template))
    return re.fullmatch(pattern, text, re.DOTALL) is not None
