"""SendMessage accepts exactly the characters AWS documents for a message body: #x9 | #xA | #xD |
#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (SQS API reference, SendMessage)."""

from __future__ import annotations

import pytest

from sluice.local.sqs.queues import SqsError, _check_body

ALLOWED = [(0x9, 0x9), (0xA, 0xA), (0xD, 0xD), (0x20, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFF)]
# Every edge of the allowed ranges, and the code points either side of it.
EDGES = sorted({point + step for low, high in ALLOWED for point in (low, high) for step in (-1, 0, 1)
                if 0 <= point + step <= 0x10FFFF})


def allowed(point: int) -> bool:
    return any(low <= point <= high for low, high in ALLOWED)


@pytest.mark.parametrize("point", EDGES, ids=[f"U+{point:04X}" for point in EDGES])
def test_a_body_character_is_accepted_exactly_when_aws_allows_it(point: int) -> None:
    body = f"x{chr(point)}x"
    if allowed(point):
        _check_body(body, {}, 262_144)
        return
    with pytest.raises(SqsError, match=f"Invalid binary character '#x{point:X}'"):
        _check_body(body, {}, 262_144)
