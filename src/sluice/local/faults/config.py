"""Fault plans: the rules of `stack.faults` as data — a YAML/JSON faults file, or a seeded random
plan (what a chaos run draws).

A faults file (every section optional; `times: null` means always):

```yaml
api:
  - {call: "s3:PutObject", error: SlowDown, times: 1, params: {Bucket: my-curated-bucket}}
  - {call: "dynamodb:*", throttle: true, probability: 0.2, times: null}
functions:
  - {function: IngestFunction, effect: crash, after: "states:StartExecution"}
  - {function: TransformFunction, effect: error, error_type: ValueError, message: boom}
states:
  - {state_machine: Pipeline, state: Transform, error: States.Timeout}
stops:
  - {state_machine: Pipeline, after_state: Transform}
deliveries:
  - {target: IngestFunction, effect: duplicate, copies: 2}
```

Example:
    >>> plan = load_plan("faults.yaml")
    >>> LocalStack.from_template("template.yaml", faults=plan)       # or faults="faults.yaml"
    >>> random_plan(seed=7, calls=["s3:PutObject"], functions=["IngestFunction"]).api[0].call
    's3:PutObject'
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sluice import json_text
from sluice.local.faults.errors import FaultError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sluice.local.faults.api import Faults


# defer_build: a stack imports these models whether or not it is given a fault plan (most are not);
# their validators are built when the first plan is read, not on every stack's start-up.
_CONFIG = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class _Spec(BaseModel):
    model_config = _CONFIG

    times: int | None = Field(default=1, ge=1)
    probability: float = Field(default=1.0, gt=0.0, le=1.0)


class ApiFaultSpec(_Spec):
    """Fail calls matching `call` with `error` (or the service's throttling error with
    `throttle: true`); `params` narrows it to calls whose parameters include these values."""

    call: str
    error: str | None = None
    throttle: bool = False
    status: int | None = Field(default=None, ge=400, le=599)
    message: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class FunctionFaultSpec(_Spec):
    function: str
    effect: Literal["error", "timeout", "crash"]
    error_type: str = "Error"
    message: str = "injected fault"
    before: str | None = None
    after: str | None = None


class StateFaultSpec(_Spec):
    state_machine: str
    state: str
    error: str = "States.TaskFailed"
    cause: str = ""


class StopSpec(BaseModel):
    model_config = _CONFIG

    state_machine: str
    after_state: str | None = None
    at: float | None = Field(default=None, ge=0.0)
    times: int | None = Field(default=1, ge=1)
    error: str | None = None
    cause: str | None = None


class DeliverySpec(_Spec):
    target: str
    effect: Literal["duplicate", "concurrent", "delay", "reorder"]
    copies: int = Field(default=2, ge=2)
    delay: float = Field(default=0.0, ge=0.0)
    window: float = Field(default=60.0, ge=0.0)
    order: Literal["reverse", "shuffle"] = "reverse"


class FaultPlan(BaseModel):
    """A set of fault rules; `apply_to(faults)` adds them to a stack's `Faults`."""

    model_config = _CONFIG

    api: list[ApiFaultSpec] = Field(default_factory=list)
    functions: list[FunctionFaultSpec] = Field(default_factory=list)
    states: list[StateFaultSpec] = Field(default_factory=list)
    stops: list[StopSpec] = Field(default_factory=list)
    deliveries: list[DeliverySpec] = Field(default_factory=list)

    def apply_to(self, faults: Faults) -> None:
        """Add the rules; a rule that cannot apply raises `FaultError` naming its entry (`api.0: …`)."""
        for section in ("api", "functions", "states", "stops", "deliveries"):
            for index in range(len(getattr(self, section))):
                try:
                    getattr(self, f"_apply_{section}")(faults, getattr(self, section)[index])
                except FaultError as error:
                    raise FaultError(f"{section}.{index}: {error}") from None

    @staticmethod
    def _apply_api(faults: Faults, api: ApiFaultSpec) -> None:
        if api.throttle == (api.error is not None):
            raise FaultError(f"api fault {api.call}: give error: CODE or throttle: true (one of them)")
        when = _params_include(api.params) if api.params else None
        if api.throttle:
            faults.throttle(api.call, times=api.times, probability=api.probability, when=when)
        else:
            assert api.error is not None
            faults.fail(api.call, api.error, times=api.times, probability=api.probability, when=when,
                        status=api.status, message=api.message)

    @staticmethod
    def _apply_functions(faults: Faults, function: FunctionFaultSpec) -> None:
        common: dict[str, Any] = {"times": function.times, "probability": function.probability,
                                  "before": function.before, "after": function.after}
        if function.effect == "crash":
            faults.crash(function.function, **common)
        elif function.effect == "timeout":
            faults.timeout(function.function, **common)
        else:
            faults.fail_function(function.function, function.error_type, function.message, **common)

    @staticmethod
    def _apply_states(faults: Faults, state: StateFaultSpec) -> None:
        faults.fail_state(state.state_machine, state.state, state.error, state.cause, times=state.times,
                          probability=state.probability)

    @staticmethod
    def _apply_stops(faults: Faults, stop: StopSpec) -> None:
        faults.stop_execution(stop.state_machine, after_state=stop.after_state, at=stop.at, times=stop.times,
                              error=stop.error, cause=stop.cause)

    @staticmethod
    def _apply_deliveries(faults: Faults, delivery: DeliverySpec) -> None:
        _DELIVERIES[delivery.effect](faults, delivery)


_DELIVERIES: dict[str, Any] = {
    "duplicate": lambda faults, spec: faults.duplicate(spec.target, copies=spec.copies, delay=spec.delay,
                                                       times=spec.times, probability=spec.probability),
    "concurrent": lambda faults, spec: faults.concurrent(spec.target, copies=spec.copies, times=spec.times,
                                                         probability=spec.probability),
    "delay": lambda faults, spec: faults.delay(spec.target, spec.delay, times=spec.times,
                                               probability=spec.probability),
    "reorder": lambda faults, spec: faults.reorder(spec.target, window=spec.window, order=spec.order,
                                                   times=spec.times, probability=spec.probability),
}


def load_plan(source: str | Path | FaultPlan | dict[str, Any]) -> FaultPlan:
    """A plan from a YAML/JSON file (or a mapping); a bad file raises `FaultError` in one line."""
    if isinstance(source, FaultPlan):
        return source
    origin = "faults"
    if isinstance(source, dict):
        data: Any = source
    else:
        path = Path(source)
        origin = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise FaultError(f"cannot read the faults file {path}: {error.strerror}") from None
        data = _parse(text, path)
    if data is None:
        return FaultPlan()
    try:
        return FaultPlan.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise FaultError(f"{origin}: {where}: {first['msg']}{more}") from None


def _parse(text: str, path: Path) -> Any:
    """A faults file's data. PyYAML is imported here, not with the module: most stacks load no
    faults file, and the parser costs a twentieth of a stack's start-up to import."""
    if path.suffix == ".json":
        try:
            return json_text.loads(text)
        except json.JSONDecodeError as error:
            raise FaultError(f"{path}: not valid JSON: {str(error).splitlines()[0]}") from None
    import yaml  # noqa: PLC0415

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FaultError(f"{path}: not valid YAML: {str(error).splitlines()[0]}") from None


def random_plan(seed: int | str, *, calls: Sequence[str] = (), functions: Sequence[str] = (),
                targets: Sequence[str] = (), count: int = 3) -> FaultPlan:
    """`count` rules drawn from the given calls (transient throttles), functions (crashes and
    timeouts around the given calls, or errors) and delivery targets; the same seed draws the
    same plan.

    Example:
        >>> random_plan(1, calls=["s3:PutObject"]) == random_plan(1, calls=["s3:PutObject"])
        True
    """
    rng = random.Random(f"{seed}:plan")
    kinds = [kind for kind, pool in (("api", calls), ("function", functions), ("delivery", targets)) if pool]
    if not kinds:
        raise FaultError("random_plan needs calls, functions or targets to draw from")
    api: list[ApiFaultSpec] = []
    function_faults: list[FunctionFaultSpec] = []
    deliveries: list[DeliverySpec] = []
    for _ in range(count):
        kind = rng.choice(kinds)
        if kind == "api":
            api.append(ApiFaultSpec(call=rng.choice(calls), throttle=True, times=rng.randint(1, 2)))
        elif kind == "function":
            effect: Literal["error", "timeout", "crash"] = rng.choice(["error", "timeout", "crash"])
            point = rng.choice(calls) if calls else None
            before, after = (point, None) if rng.random() < 0.5 else (None, point)
            if effect == "crash" and point is None:
                effect = "error"
            function_faults.append(FunctionFaultSpec(function=rng.choice(functions), effect=effect,
                                                     before=before, after=after))
        else:
            misdelivery: Literal["duplicate", "concurrent", "delay", "reorder"] = \
                rng.choice(["duplicate", "concurrent", "delay", "reorder"])
            deliveries.append(DeliverySpec(target=rng.choice(targets), effect=misdelivery,
                                           delay=float(rng.randint(1, 120)), window=float(rng.randint(1, 60)),
                                           order=rng.choice(["reverse", "shuffle"]),
                                           times=None if misdelivery == "reorder" else 1))
    return FaultPlan(api=api, functions=function_faults, deliveries=deliveries)


def _params_include(expected: dict[str, Any]) -> Any:
    def when(params: dict[str, Any]) -> bool:
        return all(params.get(key) == value for key, value in expected.items())

    return when
