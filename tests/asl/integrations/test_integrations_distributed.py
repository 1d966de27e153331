"""Distributed Map I/O: ItemReader from S3 and ResultWriter to S3, with AWS's layouts."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

import pytest

from sluice.asl import Engine

AwsClients = Callable[[str], Any]
BUCKET = "map-data"


@pytest.fixture(scope="module")
def s3(aws: AwsClients) -> Any:
    client = aws("s3")
    client.create_bucket(Bucket=BUCKET)
    objects = {
        "items.json": json.dumps([{"n": 1}, {"n": 2}, {"n": 3}]),
        "items.jsonl": '{"n": 1}\n{"n": 2}\n\n{"n": 3}\n',
        "items.csv": "name,qty\napple,3\npear\n",
        "pipes.csv": "apple|3\npear|4\n",
        "dup.csv": "a,a\n1,2\n",
        "object.json": json.dumps({"not": "an array"}),
        "prefix/a.txt": "a",
        "prefix/b.txt": "bb",
    }
    for key, body in objects.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    inventory = gzip.compress(b'"map-data","inv/x.txt","10"\n"map-data","inv/y.txt","20"\n')
    client.put_object(Bucket=BUCKET, Key="inventory/data/part-1.csv.gz", Body=inventory)
    manifest = {"sourceBucket": BUCKET, "destinationBucket": f"arn:aws:s3:::{BUCKET}", "fileFormat": "CSV",
                "fileSchema": "Bucket, Key, Size", "files": [{"key": "inventory/data/part-1.csv.gz", "size": 1}]}
    client.put_object(Bucket=BUCKET, Key="inventory/manifest.json", Body=json.dumps(manifest).encode())
    return client


def distributed_map(processor_result: Any = None, child_type: str = "STANDARD", **fields: Any) -> dict[str, Any]:
    """A Distributed Map whose children pass their input on (or return `processor_result`)."""
    inner: dict[str, Any] = {"Type": "Pass", "End": True}
    if processor_result is not None:
        inner["Parameters"] = processor_result
    state = {
        "Type": "Map",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": child_type},
                          "StartAt": "Inner", "States": {"Inner": inner}},
        "End": True,
    } | fields
    return {"StartAt": "Map", "States": {"Map": state}}


def reader(key: str, input_type: str | None = None, **config: Any) -> dict[str, Any]:
    reader_config = ({"InputType": input_type} if input_type else {}) | config
    spec: dict[str, Any] = {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": BUCKET, "Key": key}}
    return spec | ({"ReaderConfig": reader_config} if reader_config else {})


@pytest.mark.parametrize(
    ("item_reader", "items"),
    [
        (reader("items.json", "JSON"), [{"n": 1}, {"n": 2}, {"n": 3}]),
        (reader("items.jsonl", "JSONL"), [{"n": 1}, {"n": 2}, {"n": 3}]),
        (reader("items.csv", "CSV", CSVHeaderLocation="FIRST_ROW"),
         [{"name": "apple", "qty": "3"}, {"name": "pear", "qty": ""}]),
        (reader("pipes.csv", "CSV", CSVHeaderLocation="GIVEN", CSVHeaders=["fruit", "count"], CSVDelimiter="PIPE"),
         [{"fruit": "apple", "count": "3"}, {"fruit": "pear", "count": "4"}]),
        (reader("items.json", "JSON", MaxItems=2), [{"n": 1}, {"n": 2}]),
        (reader("inventory/manifest.json", "MANIFEST"),
         [{"Bucket": "map-data", "Key": "inv/x.txt", "Size": "10"},
          {"Bucket": "map-data", "Key": "inv/y.txt", "Size": "20"}]),
    ],
    ids=["json", "jsonl", "csv-first-row", "csv-given-headers", "max-items", "s3-inventory-manifest"],
)
def test_item_reader_reads_items_from_s3(
    make_engine: Callable[..., Engine], s3: Any, item_reader: dict[str, Any], items: list[Any]
) -> None:
    execution = make_engine().run(distributed_map(ItemReader=item_reader), {})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == items


def test_item_reader_lists_objects_with_list_objects_v2(make_engine: Callable[..., Engine], s3: Any) -> None:
    item_reader = {"Resource": "arn:aws:states:::s3:listObjectsV2",
                   "Parameters": {"Bucket": BUCKET, "Prefix.$": "$.prefix"}}
    execution = make_engine().run(distributed_map(ItemReader=item_reader), {"prefix": "prefix/"})
    assert execution.status == "SUCCEEDED", execution.cause
    assert [(item["Key"], item["Size"]) for item in execution.output] == [("prefix/a.txt", 1), ("prefix/b.txt", 2)]
    first = execution.output[0]
    assert set(first) == {"Etag", "Key", "LastModified", "Size", "StorageClass"}
    assert isinstance(first["LastModified"], int)


def test_max_items_path_and_item_selector_apply_to_read_items(make_engine: Callable[..., Engine], s3: Any) -> None:
    item_reader = reader("items.json", "JSON", MaxItemsPath="$.limit")
    definition = distributed_map(ItemReader=item_reader,
                                 ItemSelector={"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value.n"})
    execution = make_engine().run(definition, {"limit": 2})
    assert execution.output == [{"index": 0, "value": 1}, {"index": 1, "value": 2}]


@pytest.mark.parametrize(
    ("limit", "error", "cause"),
    [
        # test_map_item_reader_csv_max_items_paths[1.5] (LocalStack's AWS-validated snapshots)
        (1.5, "States.Runtime", "An error occurred while executing the state 'Map' (entered at the event id #2). "
                                'The MaxItemsPath field refers to value "1.5" which is not a valid integer: $.limit'),
        ("two", "States.Runtime", "An error occurred while executing the state 'Map' (entered at the event id #2). "
                                  'The MaxItemsPath field refers to value "two" which is not a valid integer: $.limit'),
        # test_map_item_reader_csv_max_items_paths[-1]
        (-1, "States.ItemReaderFailed", "field MaxItems must be positive"),
    ],
)
def test_max_items_path_refuses_what_aws_refuses_in_its_words(
    make_engine: Callable[..., Engine], s3: Any, limit: Any, error: str, cause: str
) -> None:
    item_reader = reader("items.json", "JSON", MaxItemsPath="$.limit")
    execution = make_engine().run(distributed_map(ItemReader=item_reader), {"limit": limit})
    assert (execution.status, execution.error, execution.cause) == ("FAILED", error, cause)


def test_item_batcher_batches_read_items_with_evaluated_batch_input(
    make_engine: Callable[..., Engine], s3: Any
) -> None:
    definition = distributed_map(ItemReader=reader("items.json", "JSON"),
                                 ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run"}})
    execution = make_engine().run(definition, {"run": "r1"})
    assert execution.output == [
        {"Items": [{"n": 1}, {"n": 2}], "BatchInput": {"run": "r1"}},
        {"Items": [{"n": 3}], "BatchInput": {"run": "r1"}},
    ]


@pytest.mark.parametrize(
    ("item_reader", "cause_part"),
    [
        (reader("missing.json", "JSON"), "The specified key does not exist."),
        (reader("object.json", "JSON"), "Attempting to map over non-iterable node."),
        (reader("dup.csv", "CSV"), "CSV headers cannot contain duplicates."),
        (reader("items.csv", "PARQUET"), "Unsupported ReaderConfig.InputType 'PARQUET'"),
    ],
)
def test_item_reader_problems_fail_with_item_reader_failed(
    make_engine: Callable[..., Engine], s3: Any, item_reader: dict[str, Any], cause_part: str
) -> None:
    execution = make_engine().run(distributed_map(ItemReader=item_reader), {})
    assert execution.error == "States.ItemReaderFailed"
    assert cause_part in str(execution.cause)


def links(execution: Any) -> list[tuple[int, int, str, Any]]:
    """(id, previousEventId, type, details) of every event, as GetExecutionHistory lists them."""
    return [(event["id"], event["previousEventId"], event["type"],
             next((value for key, value in event.items() if key.endswith("EventDetails")), None))
            for event in execution.history]


# LocalStack's AWS-validated snapshots, recorded Sep 2023 - Mar 2024: AWS reads an ItemReader's items
# inside the Map Run, so MapStateStarted counts 0 items and a failed read is the Map Run's failure.
def test_an_item_reader_map_reads_inside_its_map_run(make_engine: Callable[..., Engine], s3: Any) -> None:
    # test_map_item_reader_base_csv_headers_first_line
    execution = make_engine().run(distributed_map(ItemReader=reader("items.json", "JSON")), {})
    assert [(event_id, previous, kind) for event_id, previous, kind, _ in links(execution)] == [
        (1, 0, "ExecutionStarted"), (2, 0, "MapStateEntered"), (3, 2, "MapStateStarted"), (4, 3, "MapRunStarted"),
        (5, 4, "MapRunSucceeded"), (6, 5, "MapStateSucceeded"), (7, 5, "MapStateExited"),
        (8, 7, "ExecutionSucceeded")]
    assert links(execution)[2][3] == {"length": 0}


@pytest.mark.parametrize(
    ("item_reader", "cause"),
    [
        (reader("dup.csv", "CSV"), "CSV headers cannot contain duplicates."),  # ..._decl_duplicate_headers
        (reader("object.json", "JSON"), "Attempting to map over non-iterable node."),  # ..._no_json_list_object
        (reader("items.json", "JSON", MaxItemsPath="$.limit"), "field MaxItems must be positive"),  # ...paths[-1]
    ],
    ids=["duplicate-headers", "not-a-list", "negative-max-items"],
)
def test_a_failed_read_is_the_map_runs_failure(
    make_engine: Callable[..., Engine], s3: Any, item_reader: dict[str, Any], cause: str
) -> None:
    execution = make_engine().run(distributed_map(ItemReader=item_reader), {"limit": -1})
    failure = {"error": "States.ItemReaderFailed", "cause": cause}
    assert links(execution)[2:] == [
        (3, 2, "MapStateStarted", {"length": 0}), (4, 3, "MapRunStarted", links(execution)[3][3]),
        (5, 4, "MapRunFailed", failure), (6, 5, "MapStateFailed", None), (7, 6, "ExecutionFailed", failure)]


def test_a_max_items_path_that_is_no_integer_fails_before_the_map_run(
    make_engine: Callable[..., Engine], s3: Any
) -> None:
    # test_map_item_reader_csv_max_items_paths[1.5]: no MapRunStarted, no MapStateFailed.
    execution = make_engine().run(distributed_map(ItemReader=reader("items.json", "JSON", MaxItemsPath="$.limit")),
                                  {"limit": 1.5})
    assert [(event_id, previous, kind) for event_id, previous, kind, _ in links(execution)] == [
        (1, 0, "ExecutionStarted"), (2, 0, "MapStateEntered"), (3, 2, "MapStateStarted"), (4, 3, "ExecutionFailed")]


def test_result_writer_exports_results_in_aws_layout(make_engine: Callable[..., Engine], s3: Any) -> None:
    definition = distributed_map(
        ItemReader=reader("items.json", "JSON"),
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject",
                      "Parameters": {"Bucket": BUCKET, "Prefix": "results"}},
    )
    execution = make_engine().run(definition, {})
    assert execution.status == "SUCCEEDED", execution.cause
    details = execution.output["ResultWriterDetails"]
    map_run_arn = execution.output["MapRunArn"]
    assert map_run_arn.startswith("arn:aws:states:us-east-1:123456789012:mapRun:LocalStateMachine/Map:")
    run_id = map_run_arn.rsplit(":", 1)[1]
    assert details == {"Bucket": BUCKET, "Key": f"results/{run_id}/manifest.json"}
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=details["Key"])["Body"].read())
    succeeded_key = f"results/{run_id}/SUCCEEDED_0.json"
    body = s3.get_object(Bucket=BUCKET, Key=succeeded_key)["Body"].read()
    assert manifest == {
        "DestinationBucket": BUCKET, "MapRunArn": map_run_arn,
        "ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": [{"Key": succeeded_key, "Size": len(body)}]},
    }
    records = json.loads(body)
    assert [json.loads(record["Output"]) for record in records] == [{"n": 1}, {"n": 2}, {"n": 3}]
    first = records[0]
    assert first["Status"] == "SUCCEEDED"
    assert first["Input"] == '{"n":1}'
    assert first["InputDetails"] == {"Included": True}
    assert first["RedriveStatus"] == "NOT_REDRIVABLE"
    assert first["StateMachineArn"] == execution.state_machine_arn
    assert first["StartDate"].endswith("Z")


def test_result_writer_writes_failures_and_jsonl(make_engine: Callable[..., Engine], s3: Any) -> None:
    definition = distributed_map(
        ItemReader=reader("items.json", "JSON"),
        ToleratedFailurePercentage=100,
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": BUCKET, "Prefix": "jl"},
                      "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"}},
    )
    definition["States"]["Map"]["ItemProcessor"]["States"]["Inner"] = {
        "Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 2, "Next": "Broken"}], "Default": "Fine"}
    definition["States"]["Map"]["ItemProcessor"]["States"] |= {
        "Broken": {"Type": "Fail", "Error": "Two", "Cause": "no twos"},
        "Fine": {"Type": "Pass", "End": True},
    }
    execution = make_engine().run(definition, {})
    assert execution.status == "SUCCEEDED", execution.cause
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=execution.output["ResultWriterDetails"]["Key"])["Body"]
                          .read())
    (succeeded,) = manifest["ResultFiles"]["SUCCEEDED"]
    (failed,) = manifest["ResultFiles"]["FAILED"]
    assert succeeded["Key"].endswith("/SUCCEEDED_0.jsonl")
    lines = s3.get_object(Bucket=BUCKET, Key=succeeded["Key"])["Body"].read().decode().splitlines()
    assert [json.loads(line) for line in lines] == [{"n": 1}, {"n": 3}]
    (failure,) = [json.loads(line) for line in
                  s3.get_object(Bucket=BUCKET, Key=failed["Key"])["Body"].read().decode().splitlines()]
    assert (failure["Error"], failure["Cause"], failure["Status"]) == ("Two", "no twos", "FAILED")


@pytest.mark.parametrize(
    ("transformation", "expected"),
    [("COMPACT", [[1, 2], [3]]), ("FLATTEN", [1, 2, 3])],
)
def test_writer_config_alone_shapes_the_map_result(
    make_engine: Callable[..., Engine], transformation: str, expected: list[Any]
) -> None:
    definition = distributed_map(processor_result={"values.$": "$.values"},
                                 ResultWriter={"WriterConfig": {"Transformation": transformation}})
    definition["States"]["Map"]["ItemProcessor"]["States"]["Inner"]["OutputPath"] = "$.values"
    execution = make_engine().run(definition, [{"values": [1, 2]}, {"values": [3]}])
    assert execution.output == expected


def test_express_children_have_no_redrive_fields(make_engine: Callable[..., Engine]) -> None:
    definition = distributed_map(child_type="EXPRESS", ResultWriter={"WriterConfig": {"Transformation": "NONE"}})
    execution = make_engine().run(definition, [{"a": 1}])
    (record,) = execution.output
    assert "RedriveStatus" not in record
    assert json.loads(record["Output"]) == {"a": 1}


def test_result_writer_failure_fails_with_result_writer_failed(make_engine: Callable[..., Engine], s3: Any) -> None:
    definition = distributed_map(ResultWriter={"Resource": "arn:aws:states:::s3:putObject",
                                               "Parameters": {"Bucket": "no-such-bucket", "Prefix": "x"}})
    execution = make_engine().run(definition, [1])
    assert execution.error == "States.ResultWriterFailed"
    assert "bucket does not exist" in str(execution.cause)
