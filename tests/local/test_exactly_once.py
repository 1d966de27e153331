"""Exactly-once starts on the local stack, from template.yaml: S3/EventBridge deliver at least once."""

from __future__ import annotations

from pathlib import Path

from sluice.local import LocalStack

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
ORDERS = b"order_id,customer_id,amount,currency,ordered_at\nA-1,c1,9.50,EUR,2024-06-11T09:00:00Z\n"


def test_fifty_deliveries_of_the_same_object_event_start_one_execution() -> None:
    with LocalStack.from_template(TEMPLATE) as stack:
        stack.put_object("RawBucket", "incoming/2024/06/11/orders.csv", ORDERS)
        stack.run_until_idle()
        event = stack.invocations("IngestFunction")[0].event
        for _ in range(50):  # EventBridge redelivers; each is an asynchronous invoke
            stack.invoke_async("IngestFunction", event)
        stack.run_until_idle()
        assert len(stack.invocations("IngestFunction")) == 51
        executions = stack.executions("FilePipelineStateMachine")
        assert [execution.status for execution in executions] == ["SUCCEEDED"]
        assert sorted(stack.objects("CuratedBucket")).count("orders/dt=2024-06-11/_SUCCESS") == 1
