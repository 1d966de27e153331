"""Render a trace as a readable tree (rich), the way `sluice drop` prints what a dropped file did:
event → rule → function → idempotency decision → execution → states → outputs written.

Example:
    >>> console = Console()
    >>> console.print(render(stack.trace.since(mark), start=started_at))
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from sluice.local.lambda_.invocation import Invocation
from sluice.local.trace import FAILED, OK, RUNNING, Activity

_ICONS = {
    "call": "✎", "event": "⚡", "rule": "⇢", "invoke": "λ", "execution": "▶", "idempotency": "🔑",
    "delivery": "↪", "batch": "⧉", "schedule": "⏰",
}
_STATUS = {OK: ("✓", "green"), FAILED: ("✗", "red"), RUNNING: ("…", "yellow")}
MAX_VALUE_CHARS = 160
# Writes that leave data behind (starting an execution or publishing an event is shown in place).
OUTPUT_SERVICES = ("s3", "dynamodb", "sqs", "sns", "kinesis", "firehose")


def render(activities: Iterable[Activity], *, start: float, logs: bool = False,
           set_aside: Mapping[str, str] | None = None) -> RenderableType:
    """The activities (trace roots) as trees, with outputs written listed at the end.

    `set_aside` maps the title of a root (`s3 PutObject Bucket/key`) to why its input did not go
    through (`quarantined`): that root is drawn ✗ in yellow even though everything it ran succeeded."""
    roots = list(activities)
    trees: list[RenderableType] = []
    for root in roots:
        label = _label(root, start)
        outcome = (set_aside or {}).get(root.title)
        if outcome is not None:
            label = Text("✗ ", style="bold yellow") + label[2:] + Text(f"  {outcome}", style="bold yellow")
        tree = Tree(label)
        _children(tree, root, start, logs)
        trees.append(tree)
    outputs = [activity for root in roots for activity in root.walk()
               if activity.kind == "call" and activity.status == OK and activity.parent is not None
               and activity.title.split(" ", 1)[0] in OUTPUT_SERVICES and " Delete" not in activity.title]
    if outputs:
        listing = Tree(Text("outputs written", style="bold"))
        for activity in outputs:
            listing.add(Text(activity.title))
        trees.append(listing)
    return Group(*trees)


def _children(tree: Tree, activity: Activity, start: float, logs: bool) -> None:
    if activity.kind == "execution":
        _execution(tree, activity, start, logs)
        return
    if activity.kind == "invoke" and logs and isinstance(activity.ref, Invocation) and activity.ref.logs:
        tree.add(Text(activity.ref.logs.rstrip(), style="dim"))
    for child in activity.children:
        if _unheard(child):
            continue  # shown as a note on the write's own line
        _children(tree.add(_label(child, start)), child, start, logs)


def _unheard(activity: Activity) -> bool:
    """An event no rule matched and nothing received: noise in a pipeline's tree."""
    return activity.kind == "event" and activity.detail.get("rules_matched") == [] and not activity.children


def _execution(tree: Tree, activity: Activity, start: float, logs: bool) -> None:
    """States in the order the execution entered them, each with the work it did."""
    execution = activity.ref
    by_state: dict[str | None, list[Activity]] = {}
    for child in activity.children:
        by_state.setdefault(child.detail.get("state"), []).append(child)
    entered: dict[str, int] = {}
    failed_states = set()
    for event in execution.history if execution is not None else []:
        if event["type"].endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            entered[name] = entered.get(name, 0) + 1
        elif event["type"].endswith("Failed") and not event["type"].startswith("Execution"):
            failed_states.add(event["id"])
    for name, count in entered.items():
        label = Text(f"◆ {name}", style="bold")
        if count > 1:
            label.append(f" (entered {count} times)", style="dim")
        branch = tree.add(label)
        for child in by_state.pop(name, []):
            _children(branch.add(_label(child, start)), child, start, logs)
    for child in by_state.pop(None, []) + [item for rest in by_state.values() for item in rest]:
        _children(tree.add(_label(child, start)), child, start, logs)
    if execution is not None and execution.status == "SUCCEEDED":
        tree.add(Text(f"output {_short(execution.output)}", style="green"))
    elif execution is not None and execution.error is not None:
        tree.add(Text(f"{execution.error}: {_short(execution.cause)}", style="red"))


def _label(activity: Activity, start: float) -> Text:
    mark, style = _STATUS.get(activity.status, ("·", "white"))
    text = Text()
    text.append(f"{mark} ", style=style)
    text.append(f"{_ICONS.get(activity.kind, '•')} ")
    if activity.kind == "invoke" and isinstance(activity.ref, Invocation):
        text.append(_invocation(activity.ref), style="bold" if activity.status == OK else style)
    elif activity.kind == "execution" and activity.ref is not None:
        execution = activity.ref
        text.append(f"execution {activity.title}", style="bold")
        text.append(f" {execution.name}", style="dim")
        text.append(f"  {execution.status}  {execution.transitions} transitions", style=style)
    elif activity.kind == "rule":
        text.append(f"rule {activity.title}", style="bold")
        text.append(f"  (bus {activity.detail.get('bus', 'default')})", style="dim")
    else:
        text.append(activity.title, style=style if activity.status == FAILED else "")
    unheard = [child for child in activity.children if _unheard(child)]
    if unheard:
        text.append(f"  ({unheard[0].ref.get('detail-type', 'event')}: no rule matched)"
                    if isinstance(unheard[0].ref, dict) else "  (no rule matched)", style="dim")
    offset = activity.at - start
    if offset >= 0.001:
        text.append(f"  +{offset:.3f}s", style="dim")
    return text


def _invocation(invocation: Invocation) -> str:
    head = invocation.function if invocation.attempt == 1 else f"{invocation.function} (attempt {invocation.attempt})"
    head += f"  {invocation.duration_ms:.1f} ms"
    if invocation.init_duration_ms is not None:
        head += f" (+{invocation.init_duration_ms:.1f} ms init)"
    if invocation.error is not None:
        return f"{head}  {invocation.error.error_type}: {_short(invocation.error.message)}"
    return f"{head}  → {_short(invocation.result)}"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
