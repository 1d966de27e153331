"""Running branches side by side on the clock, stopping the rest when one fails.

AWS stops the other branches of a Parallel (and the other iterations of an inline Map) as soon
as one fails; `asyncio.gather` alone would let them run on, so we cancel them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any


async def gather_or_cancel(coroutines: Sequence[Coroutine[Any, Any, Any]]) -> list[Any]:
    """Results in order; on the first failure cancel the others and re-raise it."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def bounded_map(work: Callable[[int, Any], Awaitable[Any]], items: Sequence[Any], limit: int) -> list[Any]:
    """`work(index, item)` for every item, at most `limit` at a time, results in item order.

    A pool of `limit` workers pulls the next index — cheaper than a task per item behind a
    semaphore (a Map over thousands of items), with the same overlap and start order. The first
    failure cancels the other workers and is re-raised.
    """
    results: list[Any] = [None] * len(items)
    cursor = iter(range(len(items)))

    async def worker() -> None:
        for index in cursor:
            results[index] = await work(index, items[index])

    await gather_or_cancel([worker() for _ in range(min(limit, len(items)))])
    return results
