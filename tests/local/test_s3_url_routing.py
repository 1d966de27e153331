"""S3 requests on the local stack are routed without moto reloading its URL module each time.

moto 5.2 reloads `moto.s3.urls` whenever it routes a request to S3, to pick up
`MOTO_S3_CUSTOM_ENDPOINTS`; the stack reads the module's tables once per value of that variable
(`sluice.local.adapters.moto_backends.s3_urls_read_once`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from moto.s3 import models as s3_models

from sluice.local import LocalStack

TEMPLATE = """
Resources:
  Landing:
    Type: AWS::S3::Bucket
"""


@pytest.fixture
def reloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modules moto's S3 backend reloads."""
    names: list[str] = []

    def counting(module: Any) -> Any:
        names.append(module.__name__)
        return importlib.reload(module)

    monkeypatch.setattr(s3_models, "reload", counting)
    return names


def test_s3_requests_do_not_reload_motos_url_module(start_stack: Callable[..., LocalStack],
                                                     reloads: list[str]) -> None:
    stack = start_stack(TEMPLATE)
    s3 = stack.client("s3")
    bucket = stack.name("Landing")
    for number in range(5):
        s3.put_object(Bucket=bucket, Key=f"in/{number}.csv", Body=b"a,b\n")
    assert s3.get_object(Bucket=bucket, Key="in/4.csv")["Body"].read() == b"a,b\n"
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [
        f"in/{number}.csv" for number in range(5)]
    assert reloads.count("moto.s3.urls") <= 1


def test_a_changed_custom_endpoint_setting_is_still_seen(start_stack: Callable[..., LocalStack],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    stack = start_stack(TEMPLATE)
    backend = s3_models.s3_backends[stack.account]["aws"]
    default = backend.url_bases
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "https://objects.example.test:9000")
    assert backend.url_bases == [*default, "https://objects.example.test:9000"]
    monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS")
    assert backend.url_bases == default
