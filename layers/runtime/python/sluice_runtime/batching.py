"""Group stream records into micro-batches: one Express execution per micro-batch, not per record.

Packing is greedy and order-preserving (a shard's records stay in sequence order across and within
batches): a batch closes when it holds `max_records` entries or the next entry would push its
`records` array past `max_bytes`. With small records a Kinesis batch of N records therefore becomes
ceil(N / max_records) executions; large records are offloaded first (`payloads`), so every entry fits.

Example:
    >>> pack(["a", "b", "c"], [10, 10, 10], max_records=2, max_bytes=1000)
    [['a', 'b'], ['c']]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def pack(items: Sequence[T], sizes: Sequence[int], max_records: int, max_bytes: int) -> list[list[T]]:
    """Split `items` (with their encoded `sizes`) into consecutive batches within both limits."""
    if len(items) != len(sizes):
        raise ValueError("items and sizes differ in length")
    batches: list[list[T]] = []
    current: list[T] = []
    used = 2  # the enclosing "[]"
    for item, size in zip(items, sizes, strict=True):
        if size + 2 > max_bytes:
            raise ValueError(f"an entry of {size} bytes can never fit a {max_bytes}-byte batch")
        cost = size + (1 if current else 0)  # comma separator
        if current and (len(current) >= max_records or used + cost > max_bytes):
            batches.append(current)
            current, used, cost = [], 2, size
        current.append(item)
        used += cost
    if current:
        batches.append(current)
    return batches
