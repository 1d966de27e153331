"""The edge endpoint reads requests the way AWS's front ends do (`sluice.local.edge`): a request
botocore serialises — as the AWS CLI and every SDK built on it send it — parses back into the very
parameters it was made from, for each protocol `sluice up` serves (JSON, query, REST-JSON,
REST-XML); and the errors it writes read back, with botocore's own parsers, as the same codes."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from base64 import b64encode
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore import xform_name
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser
from moto import mock_aws

from sluice.local.edge.gateway import EdgeClients, Gateway
from sluice.local.edge.messages import HttpRequest
from sluice.local.edge.requests import parameters
from sluice.local.edge.responses import error_answer
from sluice.local.edge.routing import identify, service_model

ENDPOINT = "http://127.0.0.1:4566"
S3_SIGNATURE = "AWS4-HMAC-SHA256 Credential=AKID/20240611/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"


def on_the_wire(service: str, operation: str, **params: Any) -> HttpRequest:
    """The HTTP request botocore sends for the call (caught at `before-send`, never sent)."""
    session: Any = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1")
    client = session.client(service, endpoint_url=ENDPOINT)
    sent: list[Any] = []

    def catch(request: Any, **_: Any) -> None:
        sent.append(request)
        raise _Sent

    client.meta.events.register("before-send", catch)
    with pytest.raises(_Sent):
        getattr(client, operation)(**params)
    request = sent[0]
    url = urlsplit(request.url)
    body = request.body.read() if hasattr(request.body, "read") else request.body or b""
    headers = {key: value.decode() if isinstance(value, bytes) else value for key, value in request.headers.items()}
    return HttpRequest(request.method, url.path, url.query, headers, body.encode() if isinstance(body, str) else body)


class _Sent(Exception):
    pass


CALLS = [
    ("s3", "put_object", {"Bucket": "raw", "Key": "incoming/2024 06/orders.csv", "Body": b"id\n1\n",
                          "ContentType": "text/csv", "Metadata": {"source": "crm"}}),
    ("s3", "list_objects_v2", {"Bucket": "raw", "Prefix": "incoming/"}),
    ("s3", "get_object", {"Bucket": "raw", "Key": "a/b.csv", "Range": "bytes=0-9"}),
    ("s3", "delete_objects", {"Bucket": "raw", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b"}]}}),
    ("s3", "upload_part", {"Bucket": "raw", "Key": "k", "PartNumber": 2, "UploadId": "u-1", "Body": b"zz"}),
    ("s3", "copy_object", {"Bucket": "raw", "Key": "k2", "CopySource": "raw/k1"}),
    ("s3", "head_object", {"Bucket": "raw", "Key": "k"}),
    ("sqs", "send_message", {"QueueUrl": f"{ENDPOINT}/123456789012/q", "MessageBody": "hi", "DelaySeconds": 3,
                             "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}}}),
    ("sns", "publish", {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": "m", "Subject": "s",
                        "MessageAttributes": {"severity": {"DataType": "String", "StringValue": "critical"}}}),
    ("sns", "tag_resource", {"ResourceArn": "arn:aws:sns:us-east-1:123456789012:t",
                             "Tags": [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}]}),
    ("kinesis", "put_record", {"StreamName": "events", "Data": b"\x00\x01binary", "PartitionKey": "p"}),
    ("lambda", "invoke", {"FunctionName": "ingest", "Payload": b'{"a": 1}', "InvocationType": "Event",
                          "Qualifier": "live"}),
    ("scheduler", "get_schedule", {"Name": "nightly", "GroupName": "pipelines"}),
    ("stepfunctions", "list_executions", {"stateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:m",
                                          "statusFilter": "SUCCEEDED", "maxResults": 5}),
    ("dynamodb", "get_item", {"TableName": "t", "Key": {"id": {"S": "1"}, "n": {"N": "2"}}, "ConsistentRead": True}),
    ("events", "put_events", {"Entries": [{"Source": "shop", "DetailType": "Order", "Detail": "{}"}]}),
    ("logs", "filter_log_events", {"logGroupName": "/aws/lambda/ingest", "limit": 10}),
]


@pytest.mark.parametrize(("service", "operation", "params"), CALLS, ids=[f"{s}.{o}" for s, o, _ in CALLS])
def test_a_request_botocore_sent_parses_back_into_its_parameters(service: str, operation: str,
                                                                 params: dict[str, Any]) -> None:
    route = identify(on_the_wire(service, operation, **params))
    assert route.service == service
    assert xform_name(route.operation.name) == operation
    parsed = parameters(route)
    # botocore adds parameters of its own (checksums, EncodingType): every one given must come back.
    assert {key: parsed.get(key) for key in params} == params


def test_virtual_hosted_style_s3_names_the_bucket_in_the_host() -> None:
    request = HttpRequest("GET", "/incoming/a.csv", "", {"Host": "raw.s3.localhost:4566",
                                                        "Authorization": S3_SIGNATURE}, b"")
    route = identify(request)
    assert (route.operation.name, parameters(route)) == ("GetObject", {"Bucket": "raw", "Key": "incoming/a.csv"})


def test_an_aws_chunked_upload_is_dechunked_and_its_trailing_checksum_read() -> None:
    # "Amazon S3: trailing checksums" — what the AWS CLI sends for `aws s3 cp` by default.
    data = b"id,amount\n1,9.5\n"
    checksum = b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    body = (f"{len(data) - 4:x}\r\n".encode() + data[:-4] + b"\r\n" + b"4\r\n" + data[-4:] + b"\r\n0\r\n"
            + f"x-amz-checksum-crc32:{checksum}\r\n\r\n".encode())
    headers = {"Authorization": S3_SIGNATURE, "Content-Encoding": "aws-chunked", "Content-Length": str(len(body)),
               "x-amz-decoded-content-length": str(len(data)), "x-amz-trailer": "x-amz-checksum-crc32",
               "x-amz-sdk-checksum-algorithm": "CRC32"}
    route = identify(HttpRequest("PUT", "/raw/incoming/a.csv", "", headers, body))
    parsed = parameters(route)
    assert parsed["Body"] == data and parsed["ContentLength"] == len(data)
    assert parsed["ChecksumCRC32"] == checksum and "ContentEncoding" not in parsed


SQS_SIGNATURE = S3_SIGNATURE.replace("/s3/", "/sqs/")


def test_sqs_in_the_query_protocols_form_names_the_queue_by_its_path() -> None:
    # "Amazon SQS query API requests": what older SDKs and API Gateway's `sqs:path/` integrations send.
    request = HttpRequest("POST", "/123456789012/orders", "", {"Authorization": SQS_SIGNATURE},
                          b"Action=SendMessage&MessageBody=%7B%22id%22%3A+7%7D&DelaySeconds=5")
    route = identify(request)
    assert (route.service, route.operation.name, route.form) == ("sqs", "SendMessage", True)
    assert parameters(route) == {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
                                 "MessageBody": '{"id": 7}', "DelaySeconds": 5}


def test_sqs_query_form_parameters_may_come_in_the_query_string_as_well() -> None:
    request = HttpRequest("POST", "/123456789012/orders", "Action=ReceiveMessage&MaxNumberOfMessages=3",
                          {"Authorization": SQS_SIGNATURE}, b"VisibilityTimeout=9")
    route = identify(request)
    assert route.operation.name == "ReceiveMessage"
    assert parameters(route) == {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
                                 "MaxNumberOfMessages": 3, "VisibilityTimeout": 9}


def test_a_query_form_message_reaches_the_queue_through_the_gateway() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        sqs.create_queue(QueueName="orders")
        answer = Gateway(EdgeClients("us-east-1")).handle(HttpRequest(
            "POST", "/123456789012/orders", "", {"Authorization": SQS_SIGNATURE}, b"Action=SendMessage&MessageBody=hi"))
        received = sqs.receive_message(QueueUrl=sqs.get_queue_url(QueueName="orders")["QueueUrl"])
    assert answer.status == 200 and "MessageId" in json.loads(answer.body)
    assert [message["Body"] for message in received["Messages"]] == ["hi"]


def test_a_query_request_accepting_json_is_answered_in_the_query_protocols_json_form() -> None:
    """Query services answer `Accept: application/json` with `{"<Action>Response": {"<Action>Result": …,
    "ResponseMetadata": …}}`, every output member present (API Gateway's AWS integrations ask for it)."""
    with mock_aws():
        topic = boto3.client("sns", region_name="us-east-1").create_topic(Name="orders")["TopicArn"]
        gateway = Gateway(EdgeClients("us-east-1"))
        published = gateway.handle(HttpRequest(
            "POST", "/", "", {"Authorization": S3_SIGNATURE.replace("/s3/", "/sns/"), "Accept": "application/json"},
            f"Action=Publish&TopicArn={topic}&Message=hi".encode()))
        missing = gateway.handle(HttpRequest("POST", "/123456789012/missing", "", {
            "Authorization": SQS_SIGNATURE, "Accept": "application/json"}, b"Action=SendMessage&MessageBody=hi"))
    answer = json.loads(published.body)["PublishResponse"]
    assert set(answer["PublishResult"]) == {"MessageId", "SequenceNumber"} and answer["PublishResult"]["MessageId"]
    assert answer["ResponseMetadata"]["RequestId"]
    assert missing.status == 400  # an error keeps the service's own error form


def test_sqs_query_form_names_read_as_sqs_documents_them() -> None:
    """SQS's JSON model kept none of the query protocol's wire names its query form still uses (SQS API
    reference): `MessageAttribute.N.Name/Value.*`, `SendMessageBatchRequestEntry.N.*`, `AttributeName.N`."""
    body = (b"Action=SendMessage&MessageBody=hi&MessageAttribute.1.Name=color"
            b"&MessageAttribute.1.Value.StringValue=red&MessageAttribute.1.Value.DataType=String")
    assert parameters(identify(HttpRequest("POST", "/123456789012/orders", "", {"Authorization": SQS_SIGNATURE},
                                           body)))["MessageAttributes"] == {
        "color": {"StringValue": "red", "DataType": "String"}}
    batch = (b"Action=SendMessageBatch&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=1"
             b"&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=2")
    assert parameters(identify(HttpRequest("POST", "/123456789012/orders", "", {"Authorization": SQS_SIGNATURE},
                                           batch)))["Entries"] == [{"Id": "a", "MessageBody": "1"},
                                                                   {"Id": "b", "MessageBody": "2"}]
    receive = b"Action=ReceiveMessage&AttributeName.1=All&MessageAttributeName.1=color&MessageAttributeName.2=size"
    read = parameters(identify(HttpRequest("POST", "/123456789012/orders", "", {"Authorization": SQS_SIGNATURE},
                                           receive)))
    assert (read["AttributeNames"], read["MessageAttributeNames"]) == (["All"], ["color", "size"])


def test_a_service_botocore_does_not_know_is_refused_by_name() -> None:
    signed = S3_SIGNATURE.replace("/s3/", "/nosuchservice/")
    answer = Gateway(EdgeClients("us-east-1")).handle(HttpRequest("POST", "/", "", {"Authorization": signed}, b""))
    assert answer.status == 400
    refusal = json.loads(answer.body)
    assert refusal["__type"] == "UnknownService" and "'nosuchservice'" in refusal["message"]


def test_another_service_botocore_knows_is_replayed_to_moto_by_its_signing_name() -> None:
    """A Node.js function's SDK may call any service (docs/adr/0016): one signed with its own name is
    replayed like the pipelines' services, and moto answers what it implements."""
    signed = S3_SIGNATURE.replace("/s3/", "/ecs/")
    headers = {"Authorization": signed, "Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.CreateCluster"}
    with mock_aws():
        answer = Gateway(EdgeClients("us-east-1")).handle(HttpRequest("POST", "/", "", headers,
                                                                      b'{"clusterName": "c"}'))
    assert answer.status == 200 and json.loads(answer.body)["cluster"]["clusterName"] == "c"


@pytest.mark.parametrize("body", [b"null", b"[]", b"7"])
def test_a_json_body_that_is_not_an_object_is_a_serialization_exception(body: bytes) -> None:
    # Found by the edge campaign: `null` parsed to None and the gateway raised AttributeError.
    request = on_the_wire("sqs", "list_queues")
    answer = Gateway(EdgeClients("us-east-1")).handle(
        HttpRequest(request.method, request.path, request.query, request.headers, body))
    parsed = _read_error("sqs", answer.status, answer.headers, answer.body)
    assert (answer.status, parsed["Code"]) == (400, "SerializationException")
    assert parsed["Message"] == "cannot read the request body: the input must be a JSON object"


def test_an_s3_request_no_operation_matches_is_a_404_in_s3s_error_format() -> None:
    answer = Gateway(EdgeClients("us-east-1")).handle(
        HttpRequest("PATCH", "/raw/k", "", {"Authorization": S3_SIGNATURE}, b""))
    parsed = _read_error("s3", answer.status, answer.headers, answer.body)
    assert (answer.status, parsed["Code"]) == (404, "UnknownOperation")


def test_an_operation_the_backend_does_not_emulate_is_a_501_naming_it() -> None:
    # Found by the API campaign: moto's NotImplementedError was answered as a 500 InternalFailure.
    with mock_aws():
        answer = Gateway(EdgeClients("us-east-1")).handle(on_the_wire("events", "list_endpoints"))
    parsed = _read_error("events", answer.status, answer.headers, answer.body)
    assert (answer.status, parsed["Code"]) == (501, "NotImplemented")
    assert parsed["Message"].startswith("events ListEndpoints is not emulated locally")


@pytest.mark.parametrize(("service", "code", "query_code", "expected"), [
    # SQS speaks JSON but keeps its query error codes (the `x-amzn-query-error` header): botocore
    # shows `AWS.SimpleQueueService.NonExistentQueue`, as real SQS answers parse.
    ("sqs", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"),
    ("dynamodb", "ProvisionedThroughputExceededException", None, "ProvisionedThroughputExceededException"),
    ("lambda", "TooManyRequestsException", None, "TooManyRequestsException"),
    ("s3", "SlowDown", None, "SlowDown"),
    ("sns", "Throttled", None, "Throttled"),
])
def test_errors_read_back_as_the_same_code_with_botocores_parsers(service: str, code: str, query_code: str | None,
                                                                 expected: str) -> None:
    answer = error_answer(service_model(service), code, "slow down", status=503, query_code=query_code)
    error = _read_error(service, answer.status, answer.headers, answer.body)
    assert (error["Code"], error["Message"], error.get("QueryErrorCode")) == (expected, "slow down", query_code)


def _read_error(service: str, status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    model = service_model(service)
    parser = create_parser(model.protocol)
    some_operation = model.operation_model(model.operation_names[0])
    parsed = parser.parse({"status_code": status, "headers": HeadersDict(headers), "body": body},
                          some_operation.output_shape)  # type: ignore[arg-type]  # every output shape is a Shape
    return {key: value for key, value in parsed["Error"].items() if key in ("Code", "Message", "QueryErrorCode",
                                                                             "Type")}



# A process that reads the edge's S3 model only after its stack has made S3 calls, as `sluice up` does
# when start-up objects or custom resources wrote to a bucket before the first request came in.
_S3_AFTER_CALLS = """
import sys
from sluice.local.edge.messages import HttpRequest
from sluice.local.edge.requests import parameters
from sluice.local.edge.routing import identify
from sluice.local.stack import LocalStack

with LocalStack.from_template(sys.argv[1], use_config=False) as stack:
    s3 = stack.client("s3")
    s3.put_object(Bucket="landing-zone", Key="a.csv", Body=b"id")
    s3.get_object(Bucket="landing-zone", Key="a.csv")
    route = identify(HttpRequest("GET", "/landing-zone/in/a.csv", "", {"Authorization": sys.argv[2]}, b""))
    print(route.operation.name, sorted(parameters(route).items()))
"""


def test_path_style_s3_names_the_bucket_after_the_stack_has_made_s3_calls(tmp_path: Path) -> None:
    # Found by the full suite: botocore's S3 clients drop `/{Bucket}` from the model they share on their
    # first call, so an edge model read inside a stack after one read GetObject's uri as `/{Key+}`.
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Landing:\n    Type: AWS::S3::Bucket\n    Properties:\n"
                        "      BucketName: landing-zone\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _S3_AFTER_CALLS, str(template), S3_SIGNATURE],
                          capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "GetObject [('Bucket', 'landing-zone'), ('Key', 'in/a.csv')]"
