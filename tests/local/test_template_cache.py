"""The template cache: a template read once is not parsed or merged again, and what comes out of
the cache is exactly what parsing gives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sluice.local.errors import TemplateError
from sluice.local.template.model import SamTemplate

ROOT = Path(__file__).resolve().parents[2]
GLOBALS_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Environment:
      Variables: {STAGE: dev}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: fn/
      Environment:
        Variables: {TABLE: orders}
"""


def test_a_template_loaded_again_is_not_parsed_again(write_template: Callable[..., Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_template(GLOBALS_TEMPLATE)
    first = SamTemplate.load(path, use_config=False)

    def no_parse(*_: Any, **__: Any) -> Any:
        raise AssertionError("the template was parsed again")

    monkeypatch.setattr(yaml, "load", no_parse)
    again = SamTemplate.load(path, use_config=False)
    assert again.resources == first.resources
    assert again.prop("Fn", "Environment") == {"Variables": {"STAGE": "dev", "TABLE": "orders"}}


def test_an_edited_template_is_read_afresh(write_template: Callable[..., Path]) -> None:
    path = write_template(GLOBALS_TEMPLATE)
    SamTemplate.load(path, use_config=False)
    path.write_text(GLOBALS_TEMPLATE.replace("STAGE: dev", "STAGE: prod"), encoding="utf-8")
    assert SamTemplate.load(path, use_config=False).prop("Fn", "Environment") == \
        {"Variables": {"STAGE": "prod", "TABLE": "orders"}}


def test_other_parameters_give_other_resources(write_template: Callable[..., Path]) -> None:
    # Conditions and AutoPublishAlias depend on parameters: a cached declaration must not leak across them.
    path = write_template("""
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Audit:
    Type: AWS::S3::Bucket
    Condition: IsProd
  Data:
    Type: AWS::S3::Bucket
""")
    assert set(SamTemplate.load(path, use_config=False).resources) == {"Data"}
    assert set(SamTemplate.load(path, use_config=False, parameters={"Stage": "prod"}).resources) == {"Audit", "Data"}
    assert set(SamTemplate.load(path, use_config=False).resources) == {"Data"}


def test_a_broken_template_fails_every_time(write_template: Callable[..., Path]) -> None:
    path = write_template("Resources:\n  B: {Type: AWS::S3::Bucket\n")
    for _ in range(2):
        with pytest.raises(TemplateError, match="not valid YAML"):
            SamTemplate.load(path, use_config=False)


@pytest.mark.parametrize("globals_section", ["Globals:\n  Function:\n    Nope: 1\n", "Globals:\n"])
def test_invalid_globals_fail_every_time(write_template: Callable[..., Path], globals_section: str) -> None:
    # `Globals:` with no value is SAM's error too; it must not share a cache entry with no Globals at all.
    SamTemplate.load(write_template("Resources:\n  B: {Type: AWS::S3::Bucket}\n"), use_config=False)
    path = write_template(globals_section + "Resources:\n  B: {Type: AWS::S3::Bucket}\n")
    for _ in range(2):
        with pytest.raises(TemplateError, match="invalid Globals"):
            SamTemplate.load(path, use_config=False)


def test_the_repository_template_reads_the_same_from_the_cache() -> None:
    first = SamTemplate.load(ROOT / "template.yaml")
    again = SamTemplate.load(ROOT / "template.yaml")
    assert again.document == first.document
    assert again.resources == first.resources
    assert again._sam_references == first._sam_references
