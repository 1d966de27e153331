"""What names a custom resource (`AWS::CloudFormation::CustomResource`, `Custom::<Name>`) before and after it
is created: a placeholder until its function answers, then the `PhysicalResourceId` and `Data` it answered
(`custom_resources` records them).

Example:
    >>> is_custom("Custom::SeedTable"), is_custom("AWS::CloudFormation::CustomResource"), is_custom("AWS::S3::Bucket")
    (True, True, False)
"""

from __future__ import annotations

from sluice.local.resources.base import InertKind

CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"


def is_custom(resource_type: str) -> bool:
    return resource_type == CUSTOM_RESOURCE or resource_type.startswith("Custom::")


class CustomResourceKind(InertKind):
    """Created by running its function at start-up; until then (and if it fails) it answers as an inert
    resource does."""

    emulated = True
