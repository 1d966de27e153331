"""Powertools Logger, Metrics (CloudWatch EMF) and Tracer, wired the same way for every handler.

* Logger: structured JSON with the Lambda context; the correlation id is the execution name (derived
  from the idempotency key), set per trigger by the dispatcher.
* Metrics: EMF in the `POWERTOOLS_METRICS_NAMESPACE` namespace, flushed once per invocation.
* Tracer: created lazily on the first invocation, and only when `POWERTOOLS_TRACE_DISABLED` is not true.
  Building it imports the X-Ray SDK (~0.15x of `import boto3` on its own, a third of that asyncio, which
  wrapt 2 imports) and botocore's client module to patch it (which a function about to call AWS loads anyway).

Example:
    >>> @instrument
    ... def handler(event, context):
    ...     count(Metric.PIPELINES_STARTED)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar, cast

# Importing Tracer is cheap (the package imports it anyway); constructing one imports the X-Ray SDK.
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from sluice_runtime import cold_start
from sluice_runtime.errors import SluiceError

logger = Logger()
metrics = Metrics()

Handler = TypeVar("Handler", bound=Callable[[Any, Any], Any])


class Metric(StrEnum):
    PIPELINES_STARTED = "PipelinesStarted"
    DUPLICATES_SKIPPED = "DuplicatesSkipped"
    REPLAYS_STARTED = "ReplaysStarted"
    RECORDS_FAILED = "RecordsFailed"
    QUARANTINED = "Quarantined"
    DEAD_LETTERED = "DeadLettered"
    BATCH_SIZE = "BatchSize"
    PAYLOADS_OFFLOADED = "PayloadsOffloaded"


def count(metric: Metric, value: float = 1) -> None:
    """Add `value` to `metric` for this invocation."""
    metrics.add_metric(name=metric.value, unit=MetricUnit.Count, value=value)


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() not in {
        "1",
        "true",
        "yes",
        "on",
    }


# The handlers' only outbound calls are AWS calls, made through botocore: patching X-Ray's other
# supported modules (requests, httplib, sqlite3, ...) would import them for nothing on a cold start.
TRACED_MODULES = ("botocore",)


@functools.cache
def tracer() -> Tracer | None:
    """The Powertools Tracer, built on first use (X-Ray SDK import + botocore patching)."""
    return Tracer(patch_modules=TRACED_MODULES) if tracing_enabled() else None


def instrument(handler: Handler) -> Handler:
    """Wrap a Lambda handler with logging context, metrics flush and (lazy) tracing."""
    traced: list[Callable[[Any, Any], Any]] = []

    @functools.wraps(handler)
    def run(event: Any, context: Any) -> Any:
        if not traced:
            active = tracer()
            traced.append(active.capture_lambda_handler(handler) if active else handler)
        try:
            return traced[0](event, context)
        except Exception as error:
            # Every error that leaves a handler gets one structured line naming its class and reason:
            # Lambda's own report only carries errorType/errorMessage, and a retried Task or an
            # event-source retry would otherwise leave no trace in the function's log group.
            reason = error.reason if isinstance(error, SluiceError) else "unclassified"
            logger.exception("handler failed", extra={"error_type": type(error).__name__, "reason": reason})
            raise
        finally:
            cold_start.end()  # the first invocation is over (a no-op on every later one)

    return cast(Handler, logger.inject_lambda_context(metrics.log_metrics(run), clear_state=True))
