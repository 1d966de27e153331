"""The claim ledger on moto's DynamoDB: the real Powertools persistence layer, no idempotency disabling."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from sluice_runtime.errors import ClaimInProgress, IdempotencyConflict, InvalidEvent
from sluice_runtime.idempotency import ClaimState, IdempotencyKey, Ledger, key_for
from sluice_runtime.registry import load_registry

from .moto_stack import REGION, Stack

WEEK = 7 * 24 * 3600


def key(identity: str = "bucket=raw|key=a.csv|version_id=null", content: str = "etag=abc|size=1") -> IdempotencyKey:
    return IdempotencyKey(pipeline="raw-objects", identity=identity, content=content)


@pytest.fixture
def ledger(aws: Stack) -> Ledger:
    return Ledger(aws.table, boto3.client("dynamodb", region_name=REGION), WEEK)


def test_first_claim_is_new_and_a_completed_key_is_a_duplicate(ledger: Ledger) -> None:
    assert ledger.claim(key(), 60_000).state is ClaimState.NEW
    ledger.complete(key(), {"execution_arn": "arn:x"})
    claim = ledger.claim(key(), 60_000)
    assert claim.state is ClaimState.DUPLICATE
    assert claim.result == {"execution_arn": "arn:x"}


def test_a_live_claim_blocks_other_deliveries(ledger: Ledger) -> None:
    ledger.claim(key(), 60_000)
    with pytest.raises(ClaimInProgress):
        ledger.claim(key(), 60_000)


def test_an_expired_in_progress_claim_can_be_taken_over(ledger: Ledger) -> None:
    """What a redelivery sees after the claimant crashed: the claim lapses with its Lambda's time."""
    ledger.claim(key(), remaining_ms=1)
    time.sleep(0.01)
    assert ledger.claim(key(), 60_000).state is ClaimState.NEW


def test_released_claims_can_be_retried_at_once(ledger: Ledger) -> None:
    ledger.claim(key(), 60_000)
    ledger.release(key(), RuntimeError("throttled"))
    assert ledger.claim(key(), 60_000).state is ClaimState.NEW


def test_same_key_with_different_content_is_a_conflict(ledger: Ledger) -> None:
    ledger.claim(key(content="etag=abc|size=1"), 60_000)
    ledger.complete(key(content="etag=abc|size=1"), {})
    with pytest.raises(IdempotencyConflict, match="seen before with different content"):
        ledger.claim(key(content="etag=zzz|size=9"), 60_000)


def test_records_carry_a_ttl_and_a_function_independent_id(aws: Stack, ledger: Ledger) -> None:
    before = int(time.time())
    ledger.claim(key(), 60_000)
    (item,) = aws.ledger_items()
    assert item["id"]["S"].startswith("sluice.raw-objects#")
    assert before + WEEK <= int(item["expiration"]["N"]) <= int(time.time()) + WEEK


def test_pipeline_ttl_overrides_the_default(aws: Stack, ledger: Ledger) -> None:
    ledger.claim(key(), 60_000, ttl_seconds=3600)
    (item,) = aws.ledger_items()
    assert int(item["expiration"]["N"]) <= int(time.time()) + 3600


def test_keys_survive_a_function_rename(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Powertools would prefix keys with AWS_LAMBDA_FUNCTION_NAME; ours use the pipeline name."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "sluice-ingest-v1")
    first = Ledger(aws.table, boto3.client("dynamodb", region_name=REGION), WEEK)
    first.claim(key(), 60_000)
    first.complete(key(), {"execution_arn": "arn:x"})
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "sluice-ingest-renamed")
    renamed = Ledger(aws.table, boto3.client("dynamodb", region_name=REGION), WEEK)
    assert renamed.claim(key(), 60_000).state is ClaimState.DUPLICATE


def test_a_duplicate_costs_one_conditional_write(aws: Stack) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    ledger = Ledger(aws.table, client, WEEK)
    ledger.claim(key(), 60_000)
    ledger.complete(key(), {})
    calls: list[str] = []
    client.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
    ledger.claim(key(), 60_000)
    assert calls == ["PutItem"]


def test_key_for_reads_the_pipelines_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILE_PIPELINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:F")
    dataset = next(p for p in load_registry().pipelines if p.name == "dataset-ready")
    view: dict[str, Any] = {"detail": {"dataset_id": "sales", "version": "v1", "checksum": "c1"}}
    built = key_for(dataset, view, "bf-1")
    assert built.value == 'dataset-ready|detail.dataset_id="sales"|detail.version="v1"|replay=bf-1'
    assert built.content == 'detail.checksum="c1"'
    with pytest.raises(InvalidEvent, match=r"no value at 'detail.dataset_id'"):
        key_for(dataset, {"detail": {"version": "v1", "checksum": "c1"}})
