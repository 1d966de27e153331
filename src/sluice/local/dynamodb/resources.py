"""DynamoDB tables (`AWS::DynamoDB::Table`, `AWS::Serverless::SimpleTable`): keys, indexes,
streams, TTL and billing mode, created in moto."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.errors import TemplateError
from sluice.local.resources.base import Kind, Provisioner

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

_INDEX_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")
_SIMPLE_TYPES = {"String": "S", "Number": "N", "Binary": "B"}


#: The label of a stream ARN computed before the stream exists (`…/stream/<label>`).
STREAM_LABEL_STAND_IN = "1970-01-01T00:00:00.000"

class TableKind(Kind):
    types = ("AWS::DynamoDB::Table",)
    service = "dynamodb"
    name_property = "TableName"
    max_name_length = 255
    arn_resource = "table/{name}"

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        def stream_arn() -> str:
            stream = template.prop(decl, "StreamSpecification")
            if not (isinstance(stream, dict) and stream.get("StreamViewType")):
                raise TemplateError(f"{decl.logical_id}.StreamArn: the table has no StreamSpecification")
            # Known once moto created the stream (provision records it). Before that (lint, graph), the
            # form CloudFormation answers, its label (the stream's creation time) stood in for.
            return f"{self.arn(decl, template)}/stream/{STREAM_LABEL_STAND_IN}"

        return {**super().attributes(decl, template), "StreamArn": stream_arn}

    def table_request(self, decl: ResourceDecl, template: SamTemplate) -> dict[str, Any]:
        request: dict[str, Any] = {
            "TableName": template.physical_name(decl.logical_id),
            "AttributeDefinitions": template.prop(decl, "AttributeDefinitions"),
            "KeySchema": template.prop(decl, "KeySchema"),
        }
        if not request["KeySchema"] or not request["AttributeDefinitions"]:
            raise TemplateError("a table needs KeySchema and AttributeDefinitions", resource=decl.logical_id)
        billing = template.prop(decl, "BillingMode", "PROVISIONED")
        request["BillingMode"] = billing
        if billing == "PROVISIONED":
            throughput = template.prop(decl, "ProvisionedThroughput")
            if throughput is None:
                raise TemplateError("ProvisionedThroughput is required unless BillingMode is PAY_PER_REQUEST",
                                    resource=decl.logical_id, property="ProvisionedThroughput")
            request["ProvisionedThroughput"] = _numbers(throughput)
        for property_name in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            indexes = template.prop(decl, property_name)
            if indexes:
                request[property_name] = [
                    {key: _numbers(value) if key.endswith("Throughput") else value
                     for key, value in index.items() if key in _INDEX_KEYS}
                    for index in indexes
                ]
        stream = template.prop(decl, "StreamSpecification")
        if isinstance(stream, dict) and stream.get("StreamViewType"):
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        sse = template.prop(decl, "SSESpecification")
        if isinstance(sse, dict) and _truthy(sse.get("SSEEnabled")):
            request["SSESpecification"] = {"Enabled": True} | (
                {"SSEType": sse["SSEType"]} if sse.get("SSEType") else {}
            )
        return request

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        dynamodb = provisioner.client("dynamodb")
        description = dynamodb.create_table(**self.table_request(decl, template))["TableDescription"]
        if description.get("LatestStreamArn"):
            provisioner.record(decl.logical_id, "StreamArn", description["LatestStreamArn"])
        ttl = template.prop(decl, "TimeToLiveSpecification")
        if isinstance(ttl, dict) and _truthy(ttl.get("Enabled")):
            dynamodb.update_time_to_live(
                TableName=description["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )


class SimpleTableKind(TableKind):
    types = ("AWS::Serverless::SimpleTable",)

    def table_request(self, decl: ResourceDecl, template: SamTemplate) -> dict[str, Any]:
        key = template.prop(decl, "PrimaryKey") or {"Name": "id", "Type": "String"}
        kind = _SIMPLE_TYPES.get(str(key.get("Type")))
        if kind is None or not key.get("Name"):
            raise TemplateError("PrimaryKey needs a Name and a Type of String, Number or Binary",
                                resource=decl.logical_id, property="PrimaryKey")
        request: dict[str, Any] = {
            "TableName": template.physical_name(decl.logical_id),
            "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": kind}],
            "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
        }
        throughput = template.prop(decl, "ProvisionedThroughput")
        if throughput:
            request |= {"BillingMode": "PROVISIONED", "ProvisionedThroughput": _numbers(throughput)}
        else:
            request["BillingMode"] = "PAY_PER_REQUEST"
        return request


def _numbers(value: Any) -> Any:
    """CloudFormation accepts numbers as strings ("5"); the API wants integers."""
    if isinstance(value, dict):
        return {key: _numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
