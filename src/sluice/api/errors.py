"""API errors: AWS's error code and message, and the checks that raise the common ones.

Codes and message texts follow the Step Functions API (`InvalidArn`, `InvalidName`,
`StateMachineDoesNotExist`, …) so that clients — boto3, the AWS CLI, SDK retry logic — see what
they would see from AWS.

Example:
    >>> check_name("bad name")
    Traceback (most recent call last):
    ...
    sluice.api.errors.ServiceError: InvalidName: Invalid Name: 'bad name'
"""

from __future__ import annotations

import re

from sluice.asl import names

# AWS: names are 1-80 characters and must not contain whitespace, brackets, wildcards,
# special characters (" # % \ ^ | ~ ` $ & , ; : /) or control characters.


class ServiceError(Exception):
    """An API call AWS would reject: `code` is the error code clients match on."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def check_name(name: object) -> str:
    """A state machine or execution name, or InvalidName."""
    try:
        return names.check_name(name)
    except names.InvalidName as error:
        raise ServiceError("InvalidName", str(error)) from None


def split_arn(arn: object, resource_types: tuple[str, ...]) -> list[str]:
    """`arn:aws:states:<region>:<account>:<type>:<name>[:...]` split on ':', or InvalidArn."""
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise ServiceError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {arn}'")
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "states" or not parts[6]:
        raise ServiceError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    if parts[5] not in resource_types:
        raise ServiceError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {parts[5]}'")
    return parts


def check_role_arn(arn: object) -> str:
    """An IAM role ARN (Step Functions checks the shape; nothing here assumes the role)."""
    if not isinstance(arn, str) or not re.fullmatch(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+", arn):
        raise ServiceError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    return arn
