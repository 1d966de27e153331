"""Build the runtime objects from the environment, once per Lambda execution environment.

Importing this module costs botocore and nothing more. The pydantic-based runtime (registry, models,
ledger, dispatcher: pydantic alone is ~0.4x of `import boto3`) is imported and built on the first
call, then cached for the life of the environment; `benchmarks/cold_start.py` reports both the
import and the first-call figure. `reset()` drops the cache (tests, after changing the environment).

Example:
    >>> wiring.dispatcher().launch(trigger, replay, clock, sink=wiring.quarantine(), payload=event)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from sluice_runtime import clients

if TYPE_CHECKING:
    from sluice_runtime.dispatcher import Dispatcher
    from sluice_runtime.quarantine import DeadLetter, Quarantine
    from sluice_runtime.settings import Settings

# The imports inside the factories below are deliberate (cold start): see the module docstring.


@functools.cache
def settings() -> Settings:
    from sluice_runtime.settings import Settings  # noqa: PLC0415

    return Settings.from_env()


@functools.cache
def dispatcher() -> Dispatcher:
    from sluice_runtime.dispatcher import Dispatcher  # noqa: PLC0415
    from sluice_runtime.idempotency import Ledger  # noqa: PLC0415
    from sluice_runtime.payloads import Offloader  # noqa: PLC0415
    from sluice_runtime.registry import load_registry  # noqa: PLC0415
    from sluice_runtime.starter import Starter  # noqa: PLC0415

    config = settings()
    return Dispatcher(
        registry=load_registry,
        ledger=Ledger(config.idempotency_table, clients.dynamodb(), config.idempotency_ttl_seconds),
        # Clients a start may never need (StartSyncExecution, an offload) are built on first use.
        starter=Starter(clients.stepfunctions(), clients.stepfunctions_sync),
        offloader=Offloader(config.staging_bucket, clients.s3),
    )


@functools.cache
def quarantine() -> Quarantine:
    from sluice_runtime.quarantine import Quarantine  # noqa: PLC0415

    config = settings()
    # The sink is built for every invocation but used only to set an input aside: clients on first use.
    sns = clients.sns if config.alerts_topic_arn else None
    return Quarantine(config.quarantine_bucket, config.alerts_topic_arn, clients.s3, sns)


@functools.cache
def dead_letter() -> DeadLetter:
    from sluice_runtime.quarantine import DeadLetter  # noqa: PLC0415

    return DeadLetter(settings().ordered_dlq_url, clients.sqs)


def reset() -> None:
    """Forget settings, runtime objects and boto3 clients."""
    for cached in (settings, dispatcher, quarantine, dead_letter):
        cached.cache_clear()
    clients.reset()
