"""`CodeUri` (and a layer's `ContentUri`) may name a local `.zip` file, as SAM accepts: the stack
extracts it once into its own temporary directory and imports the handler from there."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.local import LocalStack
from sluice.local.errors import StackError

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Layers: [!Ref SharedLayer]
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: dist/layer.zip
  First:
    Type: AWS::Serverless::Function
    Properties:
      Handler: pkg/app.handler
      CodeUri: dist/function.zip
  Second:
    Type: AWS::Serverless::Function
    Properties:
      Handler: pkg/app.handler
      CodeUri: ./dist/../dist/function.zip
"""
HANDLER = """
import helper
import shared

def handler(event, context):
    return {"greeting": helper.greet(event["name"]), "layer": shared.NAME, "file": __file__}
"""


def _zip(path: Path, files: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as bundle:
        for name, text in files.items():
            bundle.writestr(name, text)


def test_handlers_and_layers_run_from_local_zip_files(write_template: Callable[..., Path], tmp_path: Path) -> None:
    path = write_template(TEMPLATE)
    _zip(tmp_path / "dist" / "function.zip", {
        "pkg/__init__.py": "", "pkg/app.py": HANDLER, "helper.py": "def greet(name):\n    return 'hi ' + name\n"})
    _zip(tmp_path / "dist" / "layer.zip", {"python/shared.py": "NAME = 'from the layer zip'\n"})
    with LocalStack.from_template(path, use_config=False) as stack:
        first = stack.invoke("First", {"name": "ada"}).result
        second = stack.invoke("Second", {"name": "bob"}).result
    assert (first["greeting"], first["layer"]) == ("hi ada", "from the layer zip")
    assert second["greeting"] == "hi bob"
    # One zip, one extracted copy, outside the project (the stack's temporary directory).
    assert first["file"] == second["file"]
    assert not Path(first["file"]).is_relative_to(tmp_path)
    assert not Path(first["file"]).exists()  # removed with the stack


def test_a_corrupt_zip_names_the_function_and_fails_only_it(
    write_template: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_template(TEMPLATE.replace("    Layers: [!Ref SharedLayer]\n", ""))
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "function.zip").write_bytes(b"not a zip")
    with LocalStack.from_template(path, use_config=False) as stack:
        assert any("resource First, property CodeUri: CodeUri function.zip is not a valid zip file" in warning
                   for warning in stack.warnings)
        with pytest.raises(StackError, match="function First cannot run locally"):
            stack.invoke("First", {})


PLAIN_FUNCTIONS = """
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  FromDirectory:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: main.handler
      Code: "."
  FromZip:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: pkg/app.handler
      Code: dist/function.zip
  Malformed:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: main.handler
      Code: [not, a, location]
  WithoutCode:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: main.handler
  FromCdkAsset:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Code: {S3Bucket: cdk-assets, S3Key: 0123abcd.zip}
    Metadata:
      aws:asset:path: asset.0123abcd
      aws:asset:property: Code
"""


def test_a_plain_lambda_functions_code_may_be_a_local_path(write_template: Callable[..., Path], tmp_path: Path) -> None:
    """`Code: "."` (or a local zip, or no Code) before `sam package`, as SAM CLI's own test templates write it; a
    `Code` that is neither a location nor `{ZipFile: …}` is named, not a crash (it was AttributeError)."""
    returning = "def handler(event, context):\n    return {{'from': '{}'}}\n"
    path = write_template(PLAIN_FUNCTIONS, {"main.py": returning.format("directory"),
                                            "asset.0123abcd/app.py": returning.format("asset")})
    _zip(tmp_path / "dist" / "function.zip", {"pkg/app.py": returning.format("zip")})
    with LocalStack.from_template(path, use_config=False) as stack:
        assert stack.invoke("FromDirectory", {}).result == {"from": "directory"}
        assert stack.invoke("FromZip", {}).result == {"from": "zip"}
        # No Code: the template's directory, as `sam package` and `sam local invoke` take it.
        assert stack.invoke("WithoutCode", {}).result == {"from": "directory"}
        # A CDK template's asset: the local directory its metadata names, as SAM CLI runs it.
        assert stack.invoke("FromCdkAsset", {}).result == {"from": "asset"}
        assert any("resource Malformed, property Code: Code must be a local directory" in warning
                   for warning in stack.warnings)
