"""A function imports a layer's packages from where `sam build` would put them, whatever the layer's
BuildMethod (`sluice.local.lambda_.spec`): Lambda imports a layer from its `python/` folder."""

from __future__ import annotations

import doctest
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.local import LocalStack
from sluice.local.lambda_ import public_layers
from tests.local.templates import function, sam_template

LAYER = """\
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
"""
FUNCTION = function("Fn", handler="app.handler", properties="      Layers: [!Ref Shared]\n")
HANDLER = "import shared\n\ndef handler(event, context):\n    return shared.NAME\n"
MAKEFILE = "build-Shared:\n\tmkdir -p $(ARTIFACTS_DIR)/python && cp -R * $(ARTIFACTS_DIR)/python/\n"


@pytest.mark.parametrize(("metadata", "files"), [
    # python3.13: SAM copies ContentUri into python/.
    ("    Metadata: {BuildMethod: python3.13}\n", {"layer/shared.py": "NAME = 'shared'\n"}),
    # No build: ContentUri is the layer as Lambda unpacks it into /opt.
    ("", {"layer/python/shared.py": "NAME = 'shared'\n"}),
    # makefile, sources beside the Makefile (as the repository's RuntimeLayer): the Makefile copies them.
    ("    Metadata: {BuildMethod: makefile}\n", {"layer/shared.py": "NAME = 'shared'\n", "layer/Makefile": MAKEFILE}),
    # makefile, sources already in python/: they are what it ships.
    ("    Metadata: {BuildMethod: makefile}\n",
     {"layer/python/shared.py": "NAME = 'shared'\n", "layer/Makefile": MAKEFILE}),
], ids=["python3.13", "no-build", "makefile", "makefile-python-folder"])
def test_a_layers_package_is_importable_whatever_its_build_method(
        write_template: Callable[..., Path], metadata: str, files: dict[str, str]) -> None:
    template = sam_template(Runtime="python3.13", CodeUri="src/") + LAYER + metadata + FUNCTION
    path = write_template(template, {**files, "src/app.py": HANDLER})
    with LocalStack.from_template(path, use_config=False) as stack:
        assert stack.invoke("Fn", {}).result == "shared"


POWERTOOLS_HANDLER = """\
from aws_lambda_powertools import Logger

logger = Logger(service="orders")


def handler(event, context):
    return logger.service
"""


@pytest.mark.parametrize(("layer", "warned"), [
    ("arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-x86_64:7", False),
    ("arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:32", True),
    ("arn:aws:lambda:us-east-1:123456789012:layer:someone-elses:3", True),
], ids=["powertools-v3", "powertools-v2", "unknown"])
def test_a_public_powertools_layer_is_the_installed_package(
        write_template: Callable[..., Path], layer: str, warned: bool) -> None:
    # As serverless-patterns' templates name the Powertools layer: the package is installed here (v3).
    template = sam_template(Runtime="python3.13", CodeUri="src/") + function(
        "Fn", handler="app.handler", properties=f"      Layers: [{layer}]\n")
    path = write_template(template, {"src/app.py": POWERTOOLS_HANDLER})
    with LocalStack.from_template(path, use_config=False) as stack:
        assert stack.invoke("Fn", {}).result == "orders"
        assert any(layer in warning for warning in stack.warnings) is warned


def test_the_public_layers_example_holds() -> None:
    assert doctest.testmod(public_layers).failed == 0
