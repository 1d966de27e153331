"""The `sluice_stack` fixture as a user's test would use it (also the example in docs/local-stack.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sluice.local.stack import LocalStack

from .conftest import FIXTURES, PIPELINE


@pytest.mark.sluice(template=str(PIPELINE), parameters={"Stage": "dev"})
def test_drop_a_file_and_check_the_output(sluice_stack: LocalStack) -> None:
    sluice_stack.put_object("RawBucket", "in/orders.csv", b"id,amount\n1,9.5\n")
    sluice_stack.run_until_idle()
    assert [execution.status for execution in sluice_stack.executions("Pipeline")] == ["SUCCEEDED"]
    assert list(sluice_stack.objects("OutBucket")) == ["dev/orders.json"]  # Stage=dev picks the dev/ prefix


def test_factory_starts_stacks_with_options(sluice_stack_factory: Callable[..., LocalStack]) -> None:
    stack = sluice_stack_factory(FIXTURES / "wiring" / "template.yaml", stack_name="unit")
    assert stack.name("Jobs").startswith("unit-Jobs-")
    stack.send_message("Jobs", {"id": 1})
    stack.run_until_idle()
    assert [len(invocation.event["Records"]) for invocation in stack.invocations("WorkerFunction")] == [1]
