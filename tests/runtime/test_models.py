"""Event models: every accepted shape parses, S3 keys decode, malformed events fail with a clear reason."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sluice_runtime.errors import InvalidEvent, InvalidJson
from sluice_runtime.models import (
    KinesisEnvelope,
    SqsEnvelope,
    decode_s3_key,
    eventbridge_key_readings,
    parse,
    parse_custom_delivery,
    parse_s3_delivery,
)

from .moto_stack import Sample


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("red+flower.jpg", "red flower.jpg"),  # the S3 documentation's own example
        ("c%2B%2B/gcc%2B13.tar", "c++/gcc+13.tar"),  # a literal plus is %2B, never '+'
        ("caf%C3%A9/%E2%9C%93.csv", "café/✓.csv"),  # UTF-8 bytes, percent-encoded
        ("50%25+off.csv", "50% off.csv"),
        ("a/b/c.txt", "a/b/c.txt"),  # S3 leaves '/' unencoded
    ],
)
def test_s3_keys_are_form_url_decoded(encoded: str, decoded: str) -> None:
    assert decode_s3_key(encoded) == decoded


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60))
def test_any_key_survives_s3_encoding(key: str) -> None:
    assert decode_s3_key(quote_plus(key, safe="/")) == key


def test_invalid_utf8_in_a_key_is_a_schema_error() -> None:
    with pytest.raises(InvalidEvent, match="not valid URL-encoded UTF-8"):
        decode_s3_key("bad%FFbyte.csv")


@pytest.mark.parametrize(
    ("raw", "readings"),
    [
        ("raw/2023-08-08T14:03:40.532432.zip", ("raw/2023-08-08T14:03:40.532432.zip",)),  # as captured from AWS
        ("dropbox/c++/gcc+13.tar", ("dropbox/c++/gcc+13.tar",)),  # a '+' is a plus, not a space
        ("in/my orders.csv", ("in/my orders.csv",)),
        # Verbatim first (ADR 0005); the percent-decoded reading is only a fallback to confirm by HeadObject.
        ("in/my%20orders.csv", ("in/my%20orders.csv", "in/my orders.csv")),
        ("in/report%2E2024.csv", ("in/report%2E2024.csv", "in/report.2024.csv")),
        ("in/50%25.csv", ("in/50%25.csv", "in/50%.csv")),
        ("in/bad%FF.csv", ("in/bad%FF.csv",)),  # not an escape of UTF-8: no second reading
    ],
)
def test_eventbridge_keys_are_taken_verbatim(raw: str, readings: tuple[str, ...]) -> None:
    assert eventbridge_key_readings(raw) == readings


def test_eventbridge_object_created_with_encoded_key(sample: Sample) -> None:
    (obj,) = parse_s3_delivery(sample("ingest-url-encoded-key")).objects
    assert obj.bucket == "sluice-raw"
    assert obj.key == "incoming/Q1%20report%20(final)%20%E2%9C%93%2050%25%20off+extra.csv"
    assert obj.alternative_keys == ("incoming/Q1 report (final) ✓ 50% off+extra.csv",)
    assert obj.version_id == "Jx9bH1nL0yqP5sW2eT7uV4kR8mZ3cA6d"
    assert "alternative_keys" not in obj.entry()


def test_classic_notification_with_encoded_key(sample: Sample) -> None:
    (obj,) = parse_s3_delivery(sample("ingest-classic-notification")).objects
    assert obj.key == "incoming/café menu+2024.json"
    assert obj.alternative_keys == ("incoming/caf%C3%A9+menu%2B2024.json",)
    assert (obj.etag, obj.size) == ("0123456789abcdef0123456789abcdef", 2048)


def test_unversioned_objects_get_the_null_version(sample: Sample) -> None:
    (obj,) = parse_s3_delivery(sample("ingest-dropbox-file")).objects
    assert obj.version_id == "null"


def test_s3_test_event_is_ignored(sample: Sample) -> None:
    delivery = parse_s3_delivery(sample("ingest-s3-test-event"))
    assert (delivery.objects, delivery.ignored) == ((), "s3:TestEvent")


def test_replay_request_wraps_the_original_event(sample: Sample) -> None:
    delivery = parse_s3_delivery(sample("ingest-replay"))
    assert delivery.replay is not None and delivery.replay.token == "bf-20240612"
    assert delivery.objects[0].key == "incoming/2024/06/11/orders.csv"


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (
            {"detail-type": "Object Created", "source": "aws.s3", "detail": {"bucket": {"name": "b"}, "object": {}}},
            r"detail\.object\.key: Field required",
        ),
        (
            {
                "detail-type": "Object Deleted",
                "source": "aws.s3",
                "detail": {"bucket": {"name": "b"}, "object": {"key": "k"}},
            },
            r"detail-type: Input should be 'Object Created'",
        ),
        (
            {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete", "s3": {}}]},
            r"Records\.0\.eventName: String should match pattern",
        ),
        ({"hello": "world"}, "not an S3 event"),
        ({"replay": {"token": "has space"}, "event": {}}, r"replay\.token: String should match pattern"),
    ],
)
def test_malformed_s3_events_are_rejected_with_the_field(event: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidEvent, match=message):
        parse_s3_delivery(event)


def test_custom_event_and_malformed_detail(sample: Sample) -> None:
    event, replay = parse_custom_delivery(sample("router-dataset-ready"))
    assert (event.source, event.detail_type, replay) == ("sluice.upstream", "dataset.ready", None)
    assert event.entry()["detail"]["dataset_id"] == "sales-eu"
    with pytest.raises(InvalidEvent, match=r"detail: Input should be a valid dictionary"):
        parse_custom_delivery(sample("router-malformed"))


def test_entries_exclude_delivery_metadata(sample: Sample) -> None:
    """Two deliveries of one event (different ids and times) must give byte-identical input."""
    first, _ = parse_custom_delivery(sample("router-dataset-ready"))
    again, _ = parse_custom_delivery(sample("router-duplicate"))
    assert first.id != again.id
    assert first.entry() == again.entry()


def test_kinesis_record_decodes_json_payload(sample: Sample) -> None:
    record = parse(KinesisEnvelope, sample("stream-batch")["Records"][0], "record").decode()
    assert (record.stream, record.shard_id, record.partition_key) == (
        "sluice-events",
        "shardId-000000000000",
        "customer-0",
    )
    assert record.data["event_id"] == "evt-0000"


def test_kinesis_poison_payload_is_invalid(sample: Sample) -> None:
    poison = parse(KinesisEnvelope, sample("stream-poison-record")["Records"][1], "record")
    with pytest.raises(InvalidJson, match="payload is not JSON"):
        poison.decode()
    not_base64 = {**sample("stream-batch")["Records"][0]}
    not_base64["kinesis"] = {**not_base64["kinesis"], "data": "%%%"}
    with pytest.raises(InvalidEvent, match="payload is not base64"):
        parse(KinesisEnvelope, not_base64, "record").decode()


def test_sqs_fifo_message_decodes_body(sample: Sample) -> None:
    message = parse(SqsEnvelope, sample("ordered-multi-group")["Records"][0], "message").decode()
    assert (message.queue, message.message_group_id, message.deduplication_id) == (
        "sluice-ordered.fifo",
        "account-1",
        "cmd-a1-1",
    )
    assert message.body == json.loads(sample("ordered-multi-group")["Records"][0]["body"])
    with pytest.raises(InvalidEvent, match="body is not JSON"):
        parse(SqsEnvelope, sample("ordered-poison-message")["Records"][0], "message").decode()
