"""Bad-input campaign for the event handlers (issue 10, item 4): ingest, router, stream, ordered on moto.

Whatever hypothesis puts into an event, each input ends *accounted for*: started (an execution whose
input is strict JSON, as StartExecution demands), a duplicate of a started one, or set aside with a
classified `sluice_runtime.errors` reason in the quarantine bucket (`quarantine/<reason>/...`) or the
FIFO dead-letter queue. Nothing is dropped, no poller crashes (Kinesis and SQS invocations return a
proper `batchItemFailures` response, empty here because moto injects no transient fault), and nothing
is written outside its prefix.

AWS limits the inputs respect or exceed on purpose: a Kinesis record's data blob plus partition key is
at most 1 MiB by default (Kinesis `Record` API reference); an SQS message at most 1 MiB, attributes
included, and only the characters #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF (SQS message
quotas); Step Functions execution input at most 256 KiB (service quotas). The moto world is built once
per module: examples use fresh identities (event ids, sequence numbers) and look only at what they
added.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.session import Session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from sluice.local.clients import shared_model_loader
from tests.profiles import campaign_examples
from tests.runtime.moto_stack import Calls, FakeContext, Stack, build_stack, load_app, read_sample

from .hostile import JSON_VALUES, KEY_TEXT, SQS_TEXT, TEXT, assert_contained, deep, paths, replace_at

# isort: split
from sluice_runtime import strict_json, wiring
from sluice_runtime.errors import PermanentError

pytestmark = pytest.mark.slow  # hypothesis campaigns on moto

REASONS = {cls.reason for cls in PermanentError.__subclasses__()} | {
    sub.reason for cls in PermanentError.__subclasses__() for sub in cls.__subclasses__()}
PREFIXES = {"sluice-quarantine": ("quarantine/",), "sluice-staging": ("offload/",), "sluice-raw": ("",)}
MiB = 1024 * 1024
# The campaign's budget: moto is slow per call, so a fifth of the profile's examples (tests/profiles.py) and no
# per-example deadline; a fixed world is reused, which is why the function-scoped-fixture check is off (the
# module fixture is deliberately shared).
CAMPAIGN = settings(max_examples=campaign_examples(20), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_serial = itertools.count(1)


SYNC_RUNS: list[str] = []  # names of the synchronous runs started, in order


def _sync_run(request: dict[str, Any]) -> dict[str, Any]:
    """StartSyncExecution (moto lacks it): a run that succeeds; AWS refuses input that is not JSON."""
    strict_json.loads(request["input"])
    assert len(request["input"].encode()) <= 256 * 1024, "execution input above the Step Functions limit"
    SYNC_RUNS.append(request["name"])
    arn = request["stateMachineArn"].replace(":stateMachine:", ":express:") + f":{request['name']}:1"
    return {"executionArn": arn, "status": "SUCCEEDED", "output": "{}"}


@pytest.fixture(scope="module")
def aws() -> Iterator[Stack]:
    with pytest.MonkeyPatch.context() as patch, shared_model_loader(), mock_aws():
        stack, env = build_stack()
        for name, value in env.items():
            patch.setenv(name, value)
        calls = Calls()
        calls.respond("states.StartSyncExecution", _sync_run)
        patch.setattr(Session, "create_client", calls.wrap(Session.create_client))  # clients.py makes clients here
        wiring.reset()
        yield stack
        wiring.reset()


class Ledger:
    """What one example added: quarantine entries, executions, dead letters, and every key written."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.before = self._keys()
        self.runs_before = {arn: self._runs(arn) for arn in (stack.file_pipeline_arn, stack.stream_batch_arn)}

    def _keys(self) -> dict[str, set[str]]:
        s3 = self.stack.clients["s3"]
        return {bucket: {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                         for o in page.get("Contents", [])} for bucket in PREFIXES}

    def _runs(self, arn: str) -> set[str]:
        sfn = self.stack.clients["stepfunctions"]
        return {e["executionArn"] for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn)
                for e in page["executions"]}

    def entry(self, location: str) -> dict[str, Any]:
        """A quarantine entry (a redelivered poison input overwrites its own), checked: a classified reason,
        filed under it, with a message."""
        bucket, key = location.removeprefix("s3://").split("/", 1)
        entry: dict[str, Any] = json.loads(self.stack.clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read())
        reason = entry["report"]["reason"]
        assert reason in REASONS, reason
        assert key.startswith(f"quarantine/{reason}/"), key
        assert entry["report"]["message"], "a set-aside input says why"
        return entry

    def quarantined(self) -> dict[str, dict[str, Any]]:
        """New quarantine entries by location."""
        keys = sorted(self._keys()["sluice-quarantine"] - self.before["sluice-quarantine"])
        return {location: self.entry(location) for location in (f"s3://sluice-quarantine/{key}" for key in keys)}

    def started(self, arn: str) -> list[dict[str, Any]]:
        """New executions of a state machine (name and parsed input); the input is strict JSON within 256 KiB."""
        sfn, runs = self.stack.clients["stepfunctions"], []
        for execution_arn in sorted(self._runs(arn) - self.runs_before[arn]):
            described = sfn.describe_execution(executionArn=execution_arn)
            text = described["input"]
            assert len(text.encode()) <= 256 * 1024, "execution input above the Step Functions limit"
            # StartExecution refuses what is not JSON (InvalidExecutionInput).
            runs.append({"name": described["name"], "input": strict_json.loads(text)})
        return runs

    def dead_letters(self) -> list[dict[str, Any]]:
        sqs, found = self.stack.clients["sqs"], []
        while messages := self.stack.dead_lettered():
            for message in messages:
                sqs.delete_message(QueueUrl=self.stack.dlq_url, ReceiptHandle=message["ReceiptHandle"])
                assert message["MessageAttributes"]["sluice-reason"]["StringValue"] in REASONS
            found += messages
        return found

    def check_contained(self) -> None:
        now = self._keys()
        assert_contained({bucket: now[bucket] - self.before[bucket] for bucket in PREFIXES}, PREFIXES)


def _accounted(result: dict[str, Any], ledger: Ledger, objects: int) -> None:
    """ingest / router: one outcome per input, each started, a duplicate or set aside where it says."""
    outcomes = result["outcomes"]
    # An event that does not parse is set aside whole (one entry holding every object it names).
    whole = len(outcomes) == 1 and outcomes[0]["status"] == "set_aside"
    assert len(outcomes) == max(objects, 1) or whole, outcomes
    started = {run["name"] for run in ledger.started(ledger.stack.file_pipeline_arn)}
    for outcome in outcomes:
        status = outcome["status"]
        if status == "set_aside":
            assert ledger.entry(outcome["location"])["report"]["reason"] == outcome["reason"], outcome
        elif status == "started":
            assert outcome["execution_name"] in started
        else:
            assert status == "duplicate", outcome
    ledger.check_contained()


# --- ingest -----------------------------------------------------------------------------------------


@st.composite
def s3_events(draw: st.DrawFn) -> tuple[Any, int]:
    """(an ingest event, how many objects it names): hostile keys in every shape ingest accepts, or any field
    of a real event replaced by a hostile value, or no S3 event at all."""
    kind = draw(st.sampled_from(["bridge", "classic", "mutated", "anything", "replay"]))
    key = draw(st.sampled_from(["incoming/", "dropbox/team/", "tmp/", "", "incoming/../"])) + draw(KEY_TEXT) + \
        draw(st.sampled_from(["", ".csv", ".csv/", "/"]))
    if kind == "anything":
        return draw(JSON_VALUES), 1
    event = read_sample("ingest-classic-notification" if kind == "classic" else "ingest-object-created")
    event["id"] = f"evt-{next(_serial)}"
    if kind == "classic":
        event["Records"] = [copy.deepcopy(event["Records"][0]) for _ in range(draw(st.integers(1, 3)))]
        for record in event["Records"]:
            record["s3"]["object"]["key"] = key
            record["s3"]["object"]["versionId"] = f"v{next(_serial)}"
        return event, len(event["Records"])
    event["detail"]["object"].update(key=key, **{"version-id": f"v{next(_serial)}"})
    if kind == "mutated":
        replace_at(event, draw(st.sampled_from(paths(event))), draw(JSON_VALUES))
    if kind == "replay":
        return {"replay": {"token": draw(st.one_of(TEXT, st.just("bf-1"))), "reason": draw(TEXT)}, "event": event}, 1
    return event, 1


@CAMPAIGN
@given(case=s3_events())
def test_ingest_accounts_for_every_object(aws: Stack, case: tuple[Any, int]) -> None:
    event, objects = case
    ledger = Ledger(aws)
    result = load_app("ingest").handler(event, FakeContext())
    if result["outcomes"] and result["outcomes"][0]["status"] == "ignored":
        return  # an s3:TestEvent, which names no object
    _accounted(result, ledger, objects)


# --- router -----------------------------------------------------------------------------------------


@st.composite
def custom_events(draw: st.DrawFn) -> Any:
    """A dataset.ready event with hostile members, NaN/Infinity, deep nesting, an unknown route, >256 KiB."""
    event = read_sample("router-dataset-ready")
    event["id"] = f"evt-{next(_serial)}"
    event["detail"]["version"] = f"v{next(_serial)}"
    change = draw(st.sampled_from(["mutate", "route", "nan", "deep", "big", "anything"]))
    if change == "anything":
        return draw(JSON_VALUES)
    if change == "mutate":
        replace_at(event, draw(st.sampled_from(paths(event))), draw(JSON_VALUES))
    elif change == "route":
        event[draw(st.sampled_from(["source", "detail-type"]))] = draw(KEY_TEXT)
    elif change == "nan":
        event["detail"][draw(st.sampled_from(["rows", "checksum", "extra"]))] = draw(
            st.sampled_from([float("nan"), float("inf"), float("-inf")]))
    elif change == "deep":
        event["detail"]["extra"] = deep(draw(st.integers(100, 2500)))
    else:  # EventBridge caps events at 256 KB; a direct invocation or a replay need not
        event["detail"]["extra"] = "x" * draw(st.integers(200_000, 300_000))
    return event


@CAMPAIGN
@given(event=custom_events())
def test_router_accounts_for_every_event(aws: Stack, event: Any) -> None:
    ledger = Ledger(aws)
    _accounted(load_app("router").handler(event, FakeContext()), ledger, 1)


# --- stream (Kinesis) -------------------------------------------------------------------------------

_GOOD = {"event_id": "evt", "type": "page_view", "customer": "c-1"}
PAYLOADS: dict[str, st.SearchStrategy[bytes]] = {
    "good": st.just(json.dumps(_GOOD).encode()),
    "nan": st.sampled_from([b'{"event_id": "e", "n": NaN}', b'{"n": Infinity}', b"-Infinity"]),
    "surrogate": st.just(b'{"event_id": "\\ud800"}'),
    "truncated": st.integers(1, 40).map(lambda n: json.dumps(_GOOD).encode()[:n]),
    "bytes": st.binary(max_size=40),
    "duplicate names": st.just(b'{"event_id": "a", "event_id": "b"}'),
    "deep": st.integers(2_000, 20_000).map(lambda n: b"[" * n + b"]" * n),
    "value": JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    "schema drift": st.dictionaries(TEXT, JSON_VALUES, max_size=5).map(lambda d: json.dumps(d).encode()),
    # Over 1 MiB, the default Kinesis record limit (and this pipeline's max_record_bytes).
    "oversized": st.integers(MiB, MiB + 4096).map(lambda n: json.dumps({"event_id": "big", "pad": "x" * n}).encode()),
    "large": st.integers(70_000, 300_000).map(lambda n: json.dumps({**_GOOD, "pad": "x" * n}).encode()),
}


@st.composite
def kinesis_records(draw: st.DrawFn) -> list[dict[str, Any]]:
    template = read_sample("stream-batch")["Records"][0]
    records = []
    for _ in range(draw(st.integers(1, 5))):
        record = copy.deepcopy(template)
        sequence = str(49590338271490256608559692538361571095921575989136500000 + next(_serial))
        data = draw(st.one_of(*PAYLOADS.values()))
        record["kinesis"].update(sequenceNumber=sequence, data=base64.b64encode(data).decode(),
                                 partitionKey=draw(st.one_of(st.just("customer-1"), KEY_TEXT)))
        record["eventID"] = f"shardId-000000000000:{sequence}"
        if draw(st.integers(0, 9)) == 0:  # a broken envelope: not base64, a field of the wrong type
            replace_at(record, draw(st.sampled_from([("kinesis", "data"), ("kinesis", "sequenceNumber"),
                                                     ("kinesis", "partitionKey")])), draw(JSON_VALUES))
        records.append(record)
    return records


@CAMPAIGN
@given(records=kinesis_records())
def test_stream_sets_aside_or_starts_every_record(aws: Stack, records: list[dict[str, Any]]) -> None:
    ledger = Ledger(aws)
    response = load_app("stream").handler({"Records": records}, FakeContext())
    assert response == {"batchItemFailures": []}  # nothing transient here: nothing retried or bisected
    started = {entry["id"] for run in ledger.started(aws.stream_batch_arn) for entry in run["input"]["records"]}
    set_aside = {entry["report"]["record_id"] for entry in ledger.quarantined().values()}
    for record in records:
        assert record["eventID"] in started | set_aside, f"record {record['eventID']} was dropped"
    assert not started & set_aside, "a record was both started and set aside"
    ledger.check_contained()


# --- ordered (SQS FIFO) -----------------------------------------------------------------------------

_BODIES = st.one_of(
    st.just('{"account": "a-1", "command": "open", "seq": 1}'),
    st.sampled_from(['{"account": "a", "seq": NaN}', '{"seq": Infinity}', '{"a": 1, "a": 2}', '{"note": "\\ud800"}',
                     "", "{", "null", "[]", '"text"']),
    SQS_TEXT, JSON_VALUES.map(json.dumps),
    st.integers(2_000, 20_000).map(lambda n: "[" * n + "]" * n),
    st.integers(300_000, MiB - 2048).map(lambda n: json.dumps({"account": "a", "pad": "x" * n})),
)


@st.composite
def fifo_records(draw: st.DrawFn) -> list[dict[str, Any]]:
    template = read_sample("ordered-multi-group")["Records"][0]
    records = []
    for _ in range(draw(st.integers(1, 4))):
        record = copy.deepcopy(template)
        serial = next(_serial)
        record["messageId"] = f"msg-{serial}"
        record["body"] = draw(_BODIES)
        record["attributes"].update(MessageDeduplicationId=f"dedup-{serial}", SequenceNumber=str(10**19 + serial),
                                    MessageGroupId=draw(st.sampled_from(["account-1", "account-2", "a|b=c#d"])))
        if draw(st.booleans()):  # a queue no pipeline reads (an event source mapping left over, a rename)
            record["eventSourceARN"] = "arn:aws:sqs:us-east-1:123456789012:" + draw(SQS_TEXT)
        records.append(record)
    return records


@CAMPAIGN
@given(records=fifo_records())
def test_ordered_dead_letters_or_starts_every_message(aws: Stack, records: list[dict[str, Any]]) -> None:
    ledger, runs_before = Ledger(aws), len(SYNC_RUNS)
    response = load_app("ordered").handler({"Records": records}, FakeContext())
    assert response == {"batchItemFailures": []}
    # Every message ran (one sync run each: acknowledged when it finished) or sits in the DLQ with its reason.
    assert len(ledger.dead_letters()) + len(SYNC_RUNS) - runs_before == len(records)
    assert ledger.quarantined() == {}  # the ordered function's sink is the FIFO DLQ
    ledger.check_contained()


# --- what the campaign found ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_custom_event_holding_nan_outside_its_key_is_quarantined_not_started(aws: Stack, value: float) -> None:
    """Found by the campaign: `NaN` in a detail field that is not part of the idempotency key was started
    as `"rows":NaN` - input StartExecution refuses (`InvalidExecutionInput`), so the event was retried and
    then parked in the failure queue without a reason. It is not JSON (RFC 8259): set aside as such."""
    ledger = Ledger(aws)
    event = read_sample("router-dataset-ready")
    event["id"], event["detail"]["version"], event["detail"]["rows"] = "evt-nan", f"v-nan-{value}", value
    (outcome,) = load_app("router").handler(event, FakeContext())["outcomes"]
    assert (outcome["status"], outcome["reason"]) == ("set_aside", "invalid_json")
    assert ledger.started(aws.file_pipeline_arn) == []
    (entry,) = ledger.quarantined().values()
    assert "not JSON (RFC 8259)" in entry["report"]["message"]
