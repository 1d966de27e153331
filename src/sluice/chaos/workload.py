"""What a chaos run feeds the project's pipelines: file drops, Kinesis records and FIFO commands,
generated from one seed.

The mix is what production sends: good files, bad files (a schema violation), the same bytes
dropped under a second name (content identity: one run), new versions of a key that was already
dropped (the newest must win the partition), good and poison stream events (a schema violation, a
lone surrogate, `NaN`), per-account commands whose order matters, and an operator's replay of a
dropped version (sent twice).

Example:
    >>> workload = generate(random.Random(7), files=4, records=6, commands=5)
    >>> len(workload.drops), len(workload.records), len(workload.commands), len(workload.replays)
    (4, 6, 5, 1)
    >>> generate(random.Random(7), files=4, records=6, commands=5) == workload    # seeded: reproducible
    True
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Literal

DropKind = Literal["good", "bad", "same-content", "new-version"]

ORDERS_HEADER = "order_id,customer_id,amount,currency,ordered_at,coupon"
CURRENCIES = ("EUR", "GBP", "USD")


@dataclass(frozen=True)
class FileDrop:
    """One object written to the raw bucket."""

    key: str
    body: bytes
    kind: DropKind
    good: bool  # the file passes validation and the quality gate


@dataclass(frozen=True)
class StreamRecord:
    """One Kinesis record of the events stream; `poison` records can never be written to the sink."""

    data: bytes
    partition_key: str
    event_id: str
    poison: bool


@dataclass(frozen=True)
class FifoCommand:
    """One message of the ordered FIFO queue; `seq` is its place in its group's send order."""

    group: str
    seq: int
    body: str


@dataclass(frozen=True)
class Replay:
    """An operator's replay request for one dropped version (`drops[drop]`), sent twice: a replay is
    a new, visible run under its token, and the same token again is a duplicate."""

    drop: int
    token: str


@dataclass(frozen=True)
class Workload:
    drops: tuple[FileDrop, ...] = ()
    records: tuple[StreamRecord, ...] = ()
    commands: tuple[FifoCommand, ...] = ()
    replays: tuple[Replay, ...] = ()

    @property
    def events(self) -> int:
        return len(self.drops) + len(self.records) + len(self.commands) + 2 * len(self.replays)


def generate(rng: random.Random, *, files: int, records: int, commands: int, replays: int = 1) -> Workload:
    """A reproducible workload of `files` drops, `records` stream records, `commands` messages and up
    to `replays` replay requests of dropped versions."""
    drops = _drops(rng, files)
    candidates = [index for index, drop in enumerate(drops) if drop.key.startswith("incoming/")]
    chosen = rng.sample(candidates, k=min(replays, len(candidates)))
    return Workload(drops=tuple(drops), records=tuple(_records(rng, records)),
                    commands=tuple(_commands(rng, commands)),
                    replays=tuple(Replay(index, f"chaos-{n}") for n, index in enumerate(chosen)))


def orders_csv(rng: random.Random, rows: int, *, bad: bool = False) -> bytes:
    """A daily orders export; `bad` puts a non-decimal amount on one row (a schema violation)."""
    broken = rng.randrange(rows) if bad else -1
    lines = [ORDERS_HEADER]
    for row in range(rows):
        amount = "twelve" if row == broken else f"{rng.randrange(1, 100_000) / 100:.2f}"
        lines.append(f"O-{rng.randrange(10**9):09d}-{row},c-{rng.randrange(50)},{amount},"
                     f"{rng.choice(CURRENCIES)},2024-06-11T{row % 24:02d}:00:00Z,")
    return ("\n".join(lines) + "\n").encode()


def _drops(rng: random.Random, count: int) -> list[FileDrop]:
    drops: list[FileDrop] = []
    days = [f"2024/06/{day:02d}" for day in rng.sample(range(1, 29), k=max(1, count // 2))]
    for _ in range(count):
        previous = [drop for drop in drops if drop.key.startswith("incoming/")]
        choice = rng.random()
        if previous and choice < 0.25:
            # A new version of a key already dropped: the newest good version must own the partition.
            key = rng.choice(previous).key
            bad = rng.random() < 0.2
            drops.append(FileDrop(key, orders_csv(rng, rng.randrange(1, 6), bad=bad), "new-version", not bad))
        elif choice < 0.4:
            # The same export under two names: content identity, so it runs (and publishes) once.
            body = _export_csv(rng)
            team = f"team-{rng.randrange(100)}"
            drops.append(FileDrop(f"dropbox/{team}/export.csv", body, "good", True))
            drops.append(FileDrop(f"dropbox/{team}-copy/export.csv", body, "same-content", True))
        else:
            bad = choice > 0.85
            key = f"incoming/{rng.choice(days)}/orders.csv"
            drops.append(FileDrop(key, orders_csv(rng, rng.randrange(1, 6), bad=bad), "bad" if bad else "good",
                                  not bad))
    return drops[:count] if count else []


def _export_csv(rng: random.Random) -> bytes:
    rows = [f"{n},name-{rng.randrange(10**6)},{rng.randrange(1000)}.5,2024-06-11" for n in range(rng.randrange(1, 4))]
    return ("id,name,value,updated_on\n" + "\n".join(rows) + "\n").encode()


def _records(rng: random.Random, count: int) -> list[StreamRecord]:
    found = []
    for n in range(count):
        customer = f"customer-{rng.randrange(4)}"
        event_id = f"evt-{rng.randrange(10**9):09d}-{n}"
        event = {"event_id": event_id, "type": "page_view", "customer": customer, "path": f"/p/{n}",
                 "at": "2024-06-11T09:15:00Z"}
        poison = rng.random() < 0.15
        if not poison:
            data = json.dumps(event).encode()
        else:
            data = rng.choice([
                json.dumps({**event, "type": 7}).encode(),                         # wrong type
                json.dumps({**event, "customer": "\ud800"}).encode(),               # a lone surrogate
                json.dumps({**event, "path": float("nan")}).encode(),               # NaN is not JSON
                b"{\"event_id\": \"" + event_id.encode() + b"\", \"type\": ",       # truncated
            ])
        found.append(StreamRecord(data, customer, event_id, poison))
    return found


def _commands(rng: random.Random, count: int) -> list[FifoCommand]:
    found = []
    seqs: dict[str, int] = {}
    for _ in range(count):
        group = f"account-{rng.randrange(3)}"
        seq = seqs[group] = seqs.get(group, 0) + 1
        command = "open" if seq == 1 else rng.choice(["deposit", "withdraw"])
        body = {"account": group, "command": command, "seq": seq}
        if command != "open":
            body["amount"] = rng.randrange(1, 500)
        found.append(FifoCommand(group, seq, json.dumps(body)))
    return found
