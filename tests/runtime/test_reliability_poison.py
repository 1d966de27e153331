"""Issue 10: poison is set aside with a specific reason, never retried forever, and what is not JSON
(RFC 8259, I-JSON RFC 7493) never reaches a pipeline."""

from __future__ import annotations

import base64
import copy
import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pydantic import BaseModel, ValidationError
from sluice_runtime import strict_json
from sluice_runtime.errors import InvalidJson, as_permanent

from .moto_stack import Invoke, Sample, Stack, only_outcome, read_sample
from .test_ordered import SyncRuns, sync_runs  # noqa: F401 - `sync_runs` is a fixture

NOT_JSON = [
    ('{"amount": NaN}', "NaN is not JSON (RFC 8259)"),
    ('{"amount": Infinity}', "Infinity is not JSON (RFC 8259)"),
    ('{"amount": -Infinity}', "-Infinity is not JSON (RFC 8259)"),
    ('{"account": "a", "account": "b"}', "duplicate member name 'account'"),
    ('{"note": "\\ud800"}', "not Unicode"),  # a lone surrogate, escaped: ASCII bytes, but not text
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    # Python reads at most 4,300 digits into an int (CVE-2020-10735) and raises a bare ValueError past it.
    ('{"amount": ' + "9" * 5_000 + "}", "a number of 5000 digits is longer than the 4300 this runtime reads"),
    # I-JSON (RFC 7493 section 2.2): numbers beyond IEEE 754 double's range; `json` reads them as infinity.
    ('{"amount": 1e999}', "1e999 is out of the range of a double (RFC 7493 section 2.2)"),
    ('{"amount": -2E+400}', "-2E+400 is out of the range of a double (RFC 7493 section 2.2)"),
]


def kinesis_batch(*payloads: str) -> dict[str, Any]:
    """Records of one shard whose data are these exact texts."""
    template = read_sample("stream-batch")["Records"][0]
    records = []
    for n, text in enumerate(payloads):
        record = copy.deepcopy(template)
        sequence = str(49590338271490256608559692538361571095921575989136500000 + n)
        record["kinesis"].update(sequenceNumber=sequence, data=base64.b64encode(text.encode()).decode())
        record["eventID"] = f"shardId-000000000000:{sequence}"
        records.append(record)
    return {"Records": records}


@pytest.mark.parametrize(("text", "message"), NOT_JSON)
def test_the_strict_parser_refuses_what_is_not_json(text: str, message: str) -> None:
    with pytest.raises(InvalidJson, match=re.escape(message)):
        strict_json.loads(text)


@pytest.mark.parametrize(("text", "message"), NOT_JSON)
def test_a_kinesis_record_that_is_not_json_is_quarantined_not_retried(
    aws: Stack, invoke: Invoke, text: str, message: str
) -> None:
    event = kinesis_batch('{"event_id": "evt-1"}', text, '{"event_id": "evt-3"}')
    assert invoke("stream", event) == {"batchItemFailures": []}  # nothing to retry, nothing to bisect
    (execution,) = aws.executions(aws.stream_batch_arn)
    assert [r["data"]["event_id"] for r in execution["input"]["records"]] == ["evt-1", "evt-3"]
    (quarantined,) = aws.quarantined()
    assert quarantined["report"]["reason"] == "invalid_json"
    assert message in quarantined["report"]["message"]
    assert quarantined["payload"] == event["Records"][1]


def test_a_fifo_message_whose_body_holds_nan_is_dead_lettered(
    aws: Stack,
    invoke: Invoke,
    sample: Sample,
    sync_runs: SyncRuns,  # noqa: F811
) -> None:
    event = sample("ordered-multi-group")
    event["Records"] = event["Records"][:1]
    event["Records"][0]["body"] = '{"account": "account-1", "command": "open", "seq": NaN}'
    assert invoke("ordered", event)["batchItemFailures"] == []
    assert sync_runs.requested == []
    (dead,) = aws.dead_lettered()
    assert dead["MessageAttributes"]["sluice-reason"]["StringValue"] == "invalid_json"
    assert "NaN is not JSON (RFC 8259)" in dead["MessageAttributes"]["sluice-message"]["StringValue"]
    assert dead["Body"] == event["Records"][0]["body"]  # untouched


def test_an_event_holding_a_lone_surrogate_is_quarantined_not_retried(
    aws: Stack, invoke: Invoke, sample: Sample
) -> None:
    """Lambda's Python runtime decodes `"\\ud800"` into text UTF-8 cannot encode: retrying cannot help."""
    event = sample("router-dataset-ready")
    event["detail"]["dataset_id"] = "sales-\ud800"
    result = only_outcome(invoke("router", event))
    assert (result["status"], result["reason"]) == ("set_aside", "invalid_unicode")
    assert aws.executions() == []
    (quarantined,) = aws.quarantined()  # stored losslessly, as an ASCII escape
    assert quarantined["payload"]["detail"]["dataset_id"] == "sales-\ud800"


class _Shape(BaseModel):
    n: int


def _validation_error() -> ValidationError:
    try:
        _Shape.model_validate({"n": "x"})
    except ValidationError as error:
        return error
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), "invalid_unicode"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "invalid_unicode"),
        (RecursionError("maximum recursion depth exceeded"), "too_deeply_nested"),
        (json.JSONDecodeError("Expecting value", "x", 0), "invalid_json"),
        (_validation_error(), "invalid_event"),
    ],
)
def test_data_errors_are_permanent(error: Exception, reason: str) -> None:
    permanent = as_permanent(error)
    assert permanent is not None and permanent.reason == reason


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError("read timed out"),
        ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "StartExecution"),
        RuntimeError("a bug"),
        ValueError("not known to be about the input"),
    ],
)
def test_unknown_errors_stay_transient(error: Exception) -> None:
    assert as_permanent(error) is None
