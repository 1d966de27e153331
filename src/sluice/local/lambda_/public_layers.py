"""Public layers a template names by ARN that sluice stands in for: Powertools for AWS Lambda (Python), whose
package this Python environment may already hold, and the AWS Parameters and Secrets Lambda Extension, which
`secrets_extension` serves.

A function naming a layer that is not in its template gets a warning, since sluice cannot load it. The
Powertools layers (`…:layer:AWSLambdaPowertoolsPython[V2|V3-<runtime>-<arch>][-Arm64]:N`, published by
the Powertools team) only ship the `aws_lambda_powertools` package, which sluice itself depends on: when
the installed release has the layer's major version, the function imports it as it would from `/opt`,
and nothing is said. Another major version is named, since the APIs differ between them.

Example:
    >>> powertools_major("arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-x86_64:7")
    3
    >>> powertools_major("arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPython:51")
    1
    >>> powertools_major("arn:aws:lambda:us-east-1:123456789012:layer:my-layer:1") is None
    True
    >>> is_extension_layer("arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12")
    True
"""

from __future__ import annotations

import re
from typing import Any

_POWERTOOLS = re.compile(r":layer:AWSLambdaPowertoolsPython(?:V(?P<major>\d+))?(?:-[A-Za-z0-9_-]+)?:\d+$")
_DISTRIBUTION = "aws-lambda-powertools"
_SECRETS_EXTENSION = re.compile(r":layer:AWS-Parameters-and-Secrets-Lambda-Extension(-Arm64)?:\d+$")


def is_extension_layer(arn: Any) -> bool:
    """Whether a layer ARN is (any region's, any version's) AWS Parameters and Secrets Lambda Extension."""
    return isinstance(arn, str) and _SECRETS_EXTENSION.search(arn) is not None


def powertools_major(arn: Any) -> int | None:
    """The Powertools major version a layer ARN publishes, or None for any other layer."""
    found = _POWERTOOLS.search(arn) if isinstance(arn, str) else None
    return None if found is None else int(found["major"] or 1)


def installed_layer_note(arn: Any) -> str | None:
    """None when the layer is not one this module knows; "" when the installed package stands for it; else
    why it does not (to warn about)."""
    major = powertools_major(arn)
    if major is None:
        return None
    import importlib.metadata  # noqa: PLC0415 - only for a template naming the layer

    try:
        installed = importlib.metadata.version(_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return f"layer {arn} is Powertools for AWS Lambda v{major}: install {_DISTRIBUTION} into this environment"
    if installed.split(".", 1)[0] != str(major):
        return (f"layer {arn} is Powertools for AWS Lambda v{major}, and this environment has {installed}: the "
                "function imports that release instead")
    return ""
