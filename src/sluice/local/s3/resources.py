"""S3 buckets: names, attributes, and creation in moto (versioning, default encryption).

Notification settings (EventBridge and classic Lambda/SQS/SNS configurations) are read by the
event wiring (`sluice.local.s3.events`), not given to moto: moto would deliver them itself,
with its own event shapes, next to ours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.resources.base import Kind, Provisioner

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate


class BucketKind(Kind):
    types = ("AWS::S3::Bucket",)
    service = "s3"
    name_property = "BucketName"
    max_name_length = 63
    lowercase_names = True

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return f"arn:{template.partition}:s3:::{template.physical_name(decl.logical_id)}"

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        def name() -> str:
            return template.physical_name(decl.logical_id)

        return {
            "Arn": lambda: self.arn(decl, template),
            "DomainName": lambda: f"{name()}.s3.amazonaws.com",
            "DualStackDomainName": lambda: f"{name()}.s3.dualstack.{template.region}.amazonaws.com",
            "RegionalDomainName": lambda: f"{name()}.s3.{template.region}.amazonaws.com",
            "WebsiteURL": lambda: f"http://{name()}.s3-website-{template.region}.amazonaws.com",
        }

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        s3 = provisioner.client("s3")
        name = template.physical_name(decl.logical_id)
        request: dict[str, Any] = {"Bucket": name}
        if template.region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": template.region}
        s3.create_bucket(**request)
        versioning = template.prop(decl, "VersioningConfiguration")
        if isinstance(versioning, dict) and versioning.get("Status"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
        encryption = template.prop(decl, "BucketEncryption")
        if isinstance(encryption, dict) and encryption.get("ServerSideEncryptionConfiguration"):
            # CloudFormation says ServerSideEncryptionByDefault where the API says Apply….
            rules = [{"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                     | ({"BucketKeyEnabled": bool(rule["BucketKeyEnabled"])} if "BucketKeyEnabled" in rule else {})
                     for rule in encryption["ServerSideEncryptionConfiguration"]
                     if "ServerSideEncryptionByDefault" in rule]
            if rules:
                s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
