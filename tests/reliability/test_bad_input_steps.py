"""Bad-input campaign for the pipeline task handlers (issue 10, item 4), on the reference pipelines' moto world.

* Every task handler (file_*, stream_sink, backfill, freshness) fed its sample input with any member
  replaced by a hostile value, or something that is not its input at all, returns or raises a
  classified `SluiceError` (the Task error the ASL retries or routes to quarantine): never a bare
  `KeyError` / `TypeError`, never a write outside its bucket's prefixes.
* Hostile *files* (empty, truncated, schema drift, NaN/Infinity, not UTF-8, lone surrogate escapes, a
  giant header) run through the real file pipeline on the local engine end published, or quarantined
  with a `reason.json` under `datasets/`; never neither, and never `States.DataLimitExceeded`, which
  `States.ALL` cannot catch (Step Functions error handling: a state's output above 256 KiB is a terminal
  error), so it would fail a run without quarantining its input.
* Hostile stream records through the stream-batch pipeline are written, or set aside under `stream/`.

The world is built once per test (`world` / `pipelines`) and shared by its examples, which use fresh
keys and run names: hence `HealthCheck.function_scoped_fixture` is suppressed.
"""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.pipelines.conftest import Pipelines, World, context, load_app, orders_csv, pipelines, world  # noqa: F401 - fixtures
from tests.profiles import campaign_examples
from tests.runtime.moto_stack import read_sample

from .hostile import JSON_VALUES, KEY_TEXT, TEXT, assert_contained, paths, replace_at

# isort: split
from sluice_runtime import strict_json
from sluice_runtime.datasets.catalog import load_catalog
from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.errors import InvalidJson, InvalidUnicode, SluiceError

pytestmark = pytest.mark.slow  # hypothesis campaigns on moto

# Each example runs a step on moto: a fifth of the profile's examples (tests/profiles.py), no per-example deadline.
CAMPAIGN = settings(max_examples=campaign_examples(20), deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
_serial = itertools.count(1)
MISSING = {"NoSuchKey", "NoSuchVersion", "404"}
STEP_SAMPLES = ["file_validate-orders", "file_chunk-orders-chunk", "file_reduce-one-chunk-rejected",
                "file_quality-staged-orders", "file_publish-orders-run", "file_quarantine-missing-column",
                "file_compensate-run", "file_notify-published", "stream_sink-kinesis-batch",
                "stream_sink-ordered-command", "backfill-plan", "backfill-prepare", "backfill-summarize",
                "freshness-scheduled"]


def prefixes(stores: World) -> dict[str, tuple[str, ...]]:
    """The documented prefixes of each bucket the tasks write to (`datasets.layout`, docs/pipelines.md)."""
    datasets = tuple(f"{dataset.name}/" for dataset in load_catalog().file_datasets())
    return {stores.staging: ("datasets/", "offload/", "backfills/"), stores.curated: datasets,
            stores.quarantine: ("datasets/", "stream/", "stream-batches/", "quarantine/")}


def check_contained(stores: World) -> None:
    buckets = prefixes(stores)
    assert_contained({bucket: stores.keys(bucket) for bucket in buckets}, buckets)


def check_output(result: Any) -> None:
    """What a task returns becomes state: strict JSON (Step Functions parses it) within 256 KiB."""
    assert len(strict_json.dumps(result).encode()) <= 256 * 1024, "task output above the Step Functions limit"


# --- every task handler, hostile input ----------------------------------------------------------------


@CAMPAIGN
@given(sample=st.sampled_from(STEP_SAMPLES), data=st.data())
def test_task_handlers_answer_hostile_input_with_a_classified_error(
    world: World, sample: str, data: st.DataObject  # noqa: F811
) -> None:
    event: Any = read_sample(sample)
    if data.draw(st.booleans()):
        replace_at(event, data.draw(st.sampled_from(paths(event))), data.draw(JSON_VALUES))
    else:
        event = data.draw(JSON_VALUES)
    # A task's input is state the runtime started as strict JSON (`Dispatcher.entry`): no NaN, no lone surrogate.
    assume(_startable(event))
    function = sample.split("-", maxsplit=1)[0]
    try:
        result = load_app(function).handler(event, context(function))
    except SluiceError as error:  # a Task error named after its class: retried if transient, else caught
        message = str(error)
    except ClientError as error:
        # The samples name objects this world does not hold. `storage` lets a missing object's error through
        # unclassified (a Task error every Catch routes to quarantine); see docs/RELIABILITY.md, "Bad input".
        message = str(error) if error.response["Error"]["Code"] in MISSING else ""
    else:
        check_output(result)
        message = "returned"
    assert message, "a classified error says what is wrong"
    check_contained(world)


# --- hostile files through the file pipeline ----------------------------------------------------------

HEADER = "order_id,customer_id,amount,currency,ordered_at,coupon"
_ROW = "o-1,c-1,12.50,EUR,2024-06-11T09:00:00Z,"


def _header_drift(names: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.permutations(names).map(",".join),
        st.lists(st.sampled_from(names), max_size=8).map(",".join),  # missing and duplicate columns
        st.lists(st.one_of(st.sampled_from(names), TEXT.filter(lambda t: "\n" not in t)), max_size=8).map(",".join),
        st.integers(1, 30_000).map(lambda n: ",".join([*names, *(f"extra_{i}" for i in range(n))])),
    )


CSV_BODIES = st.one_of(
    st.integers(1, 30).map(lambda rows: orders_csv(rows).encode()),
    st.just(b""), st.just(HEADER.encode()), st.just(b"\n\n"),
    st.tuples(_header_drift(HEADER.split(",")), st.integers(0, 3)).map(
        lambda drift: (drift[0] + "\n" + "\n".join([_ROW] * drift[1])).encode()),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e309", "nan", "0x10", "", "12,5", '"12.5"', "\u00a012"]).map(
        lambda amount: orders_csv(2, bad={1: amount}).encode()),
    st.tuples(st.integers(1, 10), st.floats(0, 1)).map(
        lambda cut: orders_csv(cut[0]).encode()[: int(len(orders_csv(cut[0])) * cut[1])]),  # truncated
    st.binary(max_size=200),
    st.just(b"\xef\xbb\xbf" + orders_csv(2).encode()),  # a byte order mark
    st.just(orders_csv(2).encode().replace(b"EUR", b"\xff\xfe")),  # not UTF-8
    st.just((HEADER + "\n" + 'o-1,"c-1,12.5,EUR,2024-06-11T09:00:00Z,\n').encode()),  # a quote never closed
    st.just((HEADER + "\n" + "o-1,c-1," + "9" * 200_000 + ",EUR,2024-06-11T09:00:00Z,\n").encode()),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=50).map(
        lambda junk: (HEADER + "\n" + _ROW.replace("c-1", junk) + "\n").encode()),  # control characters
)
_VIEW = {"view_id": "v-1", "customer": "c-1", "path": "/", "viewed_at": "2024-06-11T09:00:00Z"}
JSONL_BODIES = st.one_of(
    st.just((json.dumps(_VIEW) + "\n").encode()),
    st.sampled_from([b'{"view_id": "v", "duration_ms": NaN}', b'{"duration_ms": Infinity}', b'{"view_id": "\\ud800"}',
                     b'{"view_id": "a", "view_id": "b"}', b"[1]", b"null", b'"text"', b"{", b""]),
    st.dictionaries(TEXT, JSON_VALUES, max_size=5).map(lambda d: json.dumps({**_VIEW, **d}).encode()),
    st.integers(1, 40_000).map(lambda n: json.dumps({**_VIEW, **{f"x{i}": 1 for i in range(n)}}).encode()),
    st.integers(100, 20_000).map(lambda n: b"[" * n + b"]" * n),
)


def _encodable_key(key: str) -> bool:
    # S3 keys are UTF-8 (at most 1024 bytes); a lone surrogate cannot even be sent. XML 1.0 (the S3 API's
    # listings) cannot carry most control characters, so S3 clients would need `EncodingType=url`.
    return 0 < len(key.encode("utf-8", "surrogatepass")) <= 1024 and not any(
        0xD800 <= ord(c) <= 0xDFFF or (ord(c) < 0x20 and c not in "\t") or c == "\r" for c in key)


@st.composite
def drops(draw: st.DrawFn) -> tuple[str, bytes]:
    """(key, body): a file of a catalog dataset with hostile content, or a hostile key nothing matches."""
    serial = next(_serial)
    day = f"{2001 + serial // 365:04d}/{serial % 12 + 1:02d}/{serial % 28 + 1:02d}"
    kind = draw(st.sampled_from(["orders", "page-views", "dropbox", "hostile key"]))
    if kind == "orders":
        return f"incoming/{day}/orders.csv", draw(CSV_BODIES)
    if kind == "page-views":
        return f"incoming/{day}/page-views.jsonl", draw(JSONL_BODIES)
    if kind == "dropbox":
        return f"dropbox/team/export{serial}.csv", draw(st.one_of(CSV_BODIES, st.just(b"id,name\n1,a\n")))
    key = draw(st.sampled_from(["incoming/", "dropbox/", ""])) + draw(KEY_TEXT.filter(_encodable_key))
    return key, draw(CSV_BODIES)


QUARANTINED = {"Sluice.InvalidInput", "Sluice.InvalidData", "Sluice.QualityGateFailed", "Sluice.ProcessingFailed"}


@CAMPAIGN
@given(drop=drops())
def test_a_hostile_file_is_published_or_quarantined_never_neither(
    pipelines: Pipelines, world: World, drop: tuple[str, bytes]  # noqa: F811
) -> None:
    key, body = drop
    name = f"raw-objects-{next(_serial):06d}"
    execution = pipelines.run_file(world.put(key, body), name=name)
    assert execution.status in {"SUCCEEDED", "FAILED"}, execution.status
    reasons = [k for k in world.keys(world.quarantine, "datasets/") if k.endswith(f"/run={name}/reason.json")]
    if execution.status == "SUCCEEDED":
        assert reasons == []
        assert execution.output["status"] in {"published", "skipped", "superseded"}, execution.output
    else:
        # Anything else (States.DataLimitExceeded, States.Runtime) escapes the Catch: nothing quarantined.
        assert execution.error in QUARANTINED, (execution.error, execution.cause)
        (reason_key,) = reasons
        reason = world.read_json(world.quarantine, reason_key)
        assert reason["reason"]["code"] and reason["reason"]["message"], reason
    check_contained(world)


def _startable(document: Any) -> bool:
    try:
        strict_json.dumps(document)
    except (InvalidJson, InvalidUnicode):
        return False
    return True


def sink_outcomes(output: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-record outcomes of a stream-batch run's output."""
    outcomes: list[dict[str, Any]] = output["outcomes"] if "outcomes" in output else output["result"]["outcomes"]
    return outcomes


# --- hostile records through the stream-batch pipeline -----------------------------------------------

_EVENT = {"event_id": "e", "type": "page_view", "customer": "c-1"}
STREAM_DATA = st.one_of(
    st.just(_EVENT), JSON_VALUES,
    st.dictionaries(TEXT, JSON_VALUES, max_size=4).map(lambda d: {**_EVENT, **d}),
    st.sampled_from([float("nan"), float("inf")]).map(lambda v: {**_EVENT, "n": v}),
    st.integers(1, 4_000).map(lambda n: {**_EVENT, **{f"x{i}": i for i in range(n)}}),  # 4 of them fit 256 KiB
)


@st.composite
def stream_batches(draw: st.DrawFn) -> dict[str, Any]:
    document = read_sample("stream_sink-kinesis-batch")["input"]
    template = document["records"][0]
    records = []
    for _ in range(draw(st.integers(1, 4))):
        record = copy.deepcopy(template)
        serial = next(_serial)
        record["id"] = record["sequence_number"] = f"{serial}"
        data = draw(STREAM_DATA)
        if isinstance(data, dict) and "event_id" in data:
            data = {**data, "event_id": f"evt-{serial}"}
        record["data"] = data
        if draw(st.integers(0, 5)) == 0:  # an offloaded payload that points anywhere
            del record["data"]
            record["data_ref"] = {"bucket": draw(st.sampled_from(["sluice-staging", "sluice-raw", "x"])),
                                  "key": draw(st.one_of(KEY_TEXT, st.just("../offload/x.json"))), "bytes": 1}
        records.append(record)
    return {**document, "records": records}


@CAMPAIGN
@given(document=stream_batches())
def test_a_hostile_stream_record_is_written_or_set_aside(
    pipelines: Pipelines, world: World, document: dict[str, Any]  # noqa: F811
) -> None:
    name = f"events-stream-{next(_serial):06d}"
    before = set(world.keys(world.quarantine, "stream/"))
    # Input the runtime never starts (NaN, a lone surrogate: `Dispatcher.entry` sets it aside) is out of scope.
    assume(_startable(document))
    execution = pipelines.run("StreamBatch", document, name=name)
    assert execution.status in {"SUCCEEDED", "FAILED"}, execution.status
    if execution.status == "FAILED":  # the whole batch is set aside before the alert
        assert execution.error not in {"States.DataLimitExceeded", "States.Runtime"}, execution.cause
        assert f"stream-batches/StreamBatch/{name}.json" in world.keys(world.quarantine, "stream-batches/")
    else:
        outcomes = sink_outcomes(execution.output)
        assert len(outcomes) == len(document["records"])
        rejected = [o for o in outcomes if o["status"] in {"rejected", "conflict"}]
        new = set(world.keys(world.quarantine, "stream/")) - before
        assert len([k for k in new if k.endswith("/reason.json")]) == len(rejected)
    check_contained(world)


# --- what the campaign found ------------------------------------------------------------------------


@pytest.mark.parametrize("function", ["backfill", "freshness"])
@pytest.mark.parametrize("event", [None, [], "plan", 7])
def test_a_task_invoked_with_something_that_is_not_an_object_gets_a_classified_error(
    world: World, function: str, event: Any  # noqa: F811
) -> None:
    """Found by the campaign: `event.get` raised a bare AttributeError (an unclassified Task error)."""
    with pytest.raises(StepInputError, match="the input"):
        load_app(function).handler(event, context(function))


_EXTRA = ",".join(f"extra_column_{i}" for i in range(20_000))  # a header of ~330 KB


@pytest.mark.parametrize(("key", "body", "code"), [
    # `orders` rejects undeclared columns: the reason listed all 20,000 of them.
    ("incoming/2024/01/01/orders.csv", f"{HEADER},{_EXTRA}\n", "unexpected_columns"),
    # `dropbox-exports` ignores them: the job carried the whole header into every state.
    ("dropbox/team/wide.csv", f"id,name,{_EXTRA}\n1,a{',x' * 20_000}\n", "header_too_large"),
])
def test_a_file_with_a_giant_header_is_quarantined_not_lost(
    pipelines: Pipelines, world: World, key: str, body: str, code: str  # noqa: F811
) -> None:
    """Found by the campaign: Validate's output grew past 256 KiB, so the run failed with
    `States.DataLimitExceeded`, which `States.ALL` does not catch: neither published nor quarantined."""
    execution = pipelines.run_file(world.put(key, body), name="raw-objects-wide")
    assert (execution.status, execution.error) == ("FAILED", "Sluice.InvalidInput"), execution.cause
    reason = world.read_json(world.quarantine, next(k for k in world.keys(world.quarantine, "datasets/")
                                                    if k.endswith("/reason.json")))
    assert reason["reason"]["code"] == code
    assert len(json.dumps(reason)) < 4096, "the reason is bounded, whatever the header"


def test_a_stream_record_with_thousands_of_undeclared_fields_is_rejected_with_a_bounded_reason(
    pipelines: Pipelines, world: World  # noqa: F811
) -> None:
    """Found by the campaign: the rejection reason named every undeclared field, so a batch of such records
    (offloaded: up to 1 MiB each) made the sink's output exceed 256 KiB (`States.DataLimitExceeded`)."""
    document = read_sample("stream_sink-ordered-command")["input"]
    (record,) = document["records"]
    body = {**record.pop("body"), **{f"field_{i}": i for i in range(40_000)}}
    world.s3.put_object(Bucket=world.staging, Key="offload/ordered-commands/wide.json", Body=json.dumps(body).encode())
    record["body_ref"] = {"bucket": world.staging, "key": "offload/ordered-commands/wide.json", "bytes": 1}
    execution = pipelines.run("StreamBatch", document, name="ordered-commands-wide")
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    (outcome,) = sink_outcomes(execution.output)
    assert outcome["status"] == "rejected"
    assert outcome["reason"].endswith("and 39990 more"), outcome["reason"][-80:]
