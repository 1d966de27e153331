"""Running branches side by side on the clock, stopping the rest when one fails.

AWS stops the other branches of a Parallel (and the other iterations of an inline Map) as soon
as one fails; `asyncio.gather` alone would let them run on, so we cancel them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
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
