"""The report as one self-contained HTML page: inline CSS, script and SVG, no request to anywhere.

Every value that comes from an execution (names, payloads, errors, keys) is escaped with
`html.escape`; element ids are generated (`x1`, `x1-s3`), never taken from user data. A
Content-Security-Policy forbids every fetch and lets only this page's own script run (by its
hash), so even a payload that slipped through escaping could neither run nor call home.

Example:
    >>> Path("report.html").write_text(render_page(report), encoding="utf-8")
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING

from sluice import json_text
from sluice.report.assets import SCRIPT, STYLE
from sluice.report.graph import GraphUnavailable, outcome_svg
from sluice.report.model import (
    LABELS,
    OUTCOMES,
    QUARANTINED,
    Attempt,
    ExecutionReport,
    ObjectFate,
    Problem,
    Report,
    StateRun,
    Visit,
)

if TYPE_CHECKING:
    from sluice.local import SamTemplate

MAX_PAYLOAD_CHARS = 20_000  # per input/output shown; the rest is cut with a note
MAX_TIMELINE_ROWS = 400
_STATUS_OUTCOME = {"SUCCEEDED": "succeeded", "FAILED": "failed", "TIMED_OUT": "failed", "ABORTED": "failed",
                   "RUNNING": "running", "PENDING_REDRIVE": "running"}
_OBJECT_OUTCOME = {"published": "succeeded", "processed": "succeeded", "quarantined": "caught", "failed": "failed",
                   "ignored": "not-run"}


def render_page(report: Report, template: SamTemplate | None = None) -> str:
    executions = report.all_executions()
    anchors = {execution.arn: execution for execution in executions}
    body = [_header(report, executions)]
    if report.objects:
        body.append(_objects(report.objects, anchors))
    body.extend(_execution(execution, anchors, template) for execution in executions)
    if report.notes:
        body.append('<h2>Notes</h2><ul class="notes">' + "".join(f"<li>{escape(note)}</li>" for note in report.notes)
                    + "</ul>")
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    policy = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; img-src data:"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body[:1]) + "\n<main>\n" + "\n".join(body[1:]) + "\n</main>\n"
        f"<script>{SCRIPT}</script>\n</body></html>\n"
    )


def _header(report: Report, executions: list[ExecutionReport]) -> str:
    counts: dict[str, int] = {}
    for execution in executions:
        counts[execution.status] = counts.get(execution.status, 0) + 1
    statuses = " ".join(f'<span class="badge st-{_STATUS_OUTCOME.get(status, "running")}">{count} '
                        f"{escape(status)}</span>" for status, count in counts.items())
    legend = "".join(f'<button type="button" class="badge st-{outcome}" data-outcome="{outcome}" '
                     f'aria-pressed="false" title="show only these states">{LABELS[outcome]}</button>'
                     for outcome in OUTCOMES)
    return (
        f'<header class="page"><h1>{escape(report.title)}</h1>'
        f'<div class="muted">{len(executions)} execution{"s" if len(executions) != 1 else ""} {statuses} · times on '
        "the virtual clock, from each execution's start</div>"
        f'<div class="legend"><span class="muted">States:</span>{legend}<span class="toolbar">'
        '<button type="button" data-toggle="open">expand all</button>'
        '<button type="button" data-toggle="close">collapse all</button></span></div></header>'
    )


def _objects(fates: list[ObjectFate], anchors: dict[str, ExecutionReport]) -> str:
    rows = []
    for fate in fates:
        places = "".join(
            f"<li><span class=\"muted\">{escape(write.operation)}</span> <code>{escape(write.bucket)}"
            f"{'/' if write.exists is not None else ' '}{escape(write.key)}</code>"
            f"{' <span class=muted>(since removed)</span>' if write.exists is False else ''}</li>"
            for write in fate.writes)
        runs = " ".join(_execution_link(anchors[arn]) for arn in fate.executions if arn in anchors)
        reason = f"<pre>{escape(fate.reason)}</pre>" if fate.reason else ""
        outcome = _OBJECT_OUTCOME.get(fate.outcome, "running")
        rows.append(
            f'<tr class="object st-{outcome}" data-outcome="{escape(fate.outcome)}">'
            f"<td><code>{escape(fate.bucket)}/{escape(fate.key)}</code></td>"
            f'<td class="outcome"><span class="badge">{escape(fate.outcome)}</span></td>'
            f"<td><ul>{places or '<li class=muted>nothing written</li>'}</ul></td>"
            f"<td>{reason}{'' if fate.outcome != QUARANTINED or reason else '<span class=muted>no reason.json</span>'}"
            f"</td><td>{runs}</td></tr>"
        )
    return ('<h2 id="objects">Objects</h2><table class="objects"><thead><tr><th>dropped</th><th>outcome</th>'
            "<th>where it ended up</th><th>reason</th><th>executions</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _execution(execution: ExecutionReport, anchors: dict[str, ExecutionReport],
               template: SamTemplate | None) -> str:
    by_anchor = {item.anchor: item for item in anchors.values()}
    state_ids = {name: f"{execution.anchor}-s{index}" for index, name in enumerate(execution.states, start=1)}
    outcome = _STATUS_OUTCOME.get(execution.status, "running")
    parts = [
        f'<section class="execution{" child" if execution.parent else ""}" id="{execution.anchor}" '
        f'data-status="{escape(execution.status)}">',
        f'<h2>{escape(execution.name)} <span class="badge st-{outcome}">{escape(execution.status)}</span></h2>',
    ]
    if execution.parent and execution.parent in by_anchor:
        parent = by_anchor[execution.parent]
        parts.append(f'<p class="muted">started by {_execution_link(parent)}'
                     + (f" in state <b>{escape(execution.parent_state)}</b>" if execution.parent_state else "")
                     + "</p>")
    duration = "—" if execution.stop is None else f"{execution.stop - execution.start:.3f} s"
    parts.append(
        '<div class="summary">'
        f"<div><span>execution ARN</span><code>{escape(execution.arn)}</code></div>"
        f"<div><span>state machine</span><code>{escape(execution.state_machine_arn.rsplit(':', 1)[-1])}</code> "
        f"({escape(execution.type)})</div>"
        f"<div><span>duration (virtual)</span>{duration}</div></div>"
    )
    if execution.problem is not None:
        parts.append(f'<div class="error">{_problem(execution.problem)}</div>')
    if execution.children:
        parts.append("<h3>Child executions</h3><ul>" + "".join(
            f"<li>{_execution_link(child)} <span class=\"muted\">from state {escape(child.parent_state or '?')}"
            "</span></li>" for child in execution.children) + "</ul>")
    parts.append(_graph(execution, state_ids, template))
    parts.append(_timeline(execution, state_ids))
    if execution.iterations:
        parts.append(_iterations(execution, state_ids))
    states = "".join(_state(state, state_ids[state.name], execution.start, anchors) for state in _ordered(execution))
    parts.append(f"<h3>States</h3>{states}")
    parts.append(_payloads(execution))
    parts.append("</section>")
    return "\n".join(parts)


def _graph(execution: ExecutionReport, state_ids: dict[str, str], template: SamTemplate | None) -> str:
    try:
        svg = outcome_svg(execution, lambda name: state_ids.get(name, execution.anchor), template)
    except GraphUnavailable as error:
        return f'<p class="notes">No graph: {escape(str(error))}</p>'
    return f'<h3>Graph</h3><div class="graph">{svg}</div>'


def _timeline(execution: ExecutionReport, state_ids: dict[str, str]) -> str:
    visits = sorted(((visit, state) for state in execution.states.values() for visit in state.visits),
                    key=lambda pair: pair[0].entered)
    if not visits:
        return ""
    end = execution.stop if execution.stop is not None else max(visit.left or visit.entered for visit, _ in visits)
    span = max(end - execution.start, 1e-6)
    rows = []
    for visit, state in visits[:MAX_TIMELINE_ROWS]:
        left = visit.left if visit.left is not None else end
        offset, width = (visit.entered - execution.start) / span * 100, (left - visit.entered) / span * 100
        rows.append(
            f'<div class="row"><a class="label" href="#{state_ids[state.name]}">{escape(state.name)}</a>'
            f'<div class="track"><div class="bar st-{visit.outcome}" style="left:{offset:.2f}%;width:{width:.2f}%" '
            f'title="{LABELS[visit.outcome]}"></div></div>'
            f'<div class="when">+{visit.entered - execution.start:.3f} s</div></div>')
    more = len(visits) - MAX_TIMELINE_ROWS
    if more > 0:
        rows.append(f'<p class="notes">… {more} more state visits</p>')
    axis = f'<div class="axis"><span>+0 s</span><span>+{span / 2:.3f} s</span><span>+{span:.3f} s</span></div>'
    return f'<h3>Timeline (virtual clock)</h3><div class="timeline">{"".join(rows)}{axis}</div>'


def _iterations(execution: ExecutionReport, state_ids: dict[str, str]) -> str:
    rows = "".join(
        f'<tr><td><a href="#{state_ids.get(item.state, execution.anchor)}">{escape(item.state)}</a></td>'
        f"<td><code>{escape(item.label)}</code></td>"
        f'<td class="outcome"><span class="badge st-{_STATUS_OUTCOME.get(item.status, "running")}">'
        f"{escape(item.status)}</span></td><td>+{item.started - execution.start:.3f} s</td>"
        f"<td>{'' if item.stopped is None else f'{item.stopped - item.started:.3f} s'}</td></tr>"
        for item in execution.iterations)
    return ('<h3>Map iterations and Map Runs</h3><table class="iterations"><thead><tr><th>Map state</th>'
            "<th>iteration</th><th>status</th><th>started</th><th>took</th></tr></thead><tbody>" + rows
            + "</tbody></table>")


def _ordered(execution: ExecutionReport) -> Iterable[StateRun]:
    """States that ran, in the order first entered, then the ones that did not run."""
    ran = sorted((state for state in execution.states.values() if state.visits), key=lambda s: s.visits[0].entered)
    return [*ran, *(state for state in execution.states.values() if not state.visits)]


def _state(state: StateRun, anchor: str, start: float, anchors: dict[str, ExecutionReport]) -> str:
    outcome = state.outcome
    retries = state.attempts - len([visit for visit in state.visits if visit.attempts])
    facts = [f"{len(state.visits)} visit{'s' if len(state.visits) != 1 else ''}"] if state.visits else []
    if state.attempts:
        facts.append(f"{state.attempts} attempt{'s' if state.attempts != 1 else ''}")
    if retries > 0:
        facts.append(f"{retries} retr{'ies' if retries != 1 else 'y'}")
    opened = " open" if outcome in ("failed", "caught") else ""
    body = "".join(_visit(number, visit, start, anchors) for number, visit in enumerate(state.visits, start=1))
    return (
        f'<details class="state st-{outcome}" id="{anchor}" data-state="{escape(state.name)}"{opened}>'
        f'<summary><span class="badge">{LABELS[outcome]}</span><span class="name">{escape(state.name)}</span>'
        f'<span class="muted">{escape(state.type)} · {escape(", ".join(facts) or "not run")}</span></summary>'
        f'<div class="body">{body or "<p class=muted>This state did not run.</p>"}</div></details>'
    )


def _visit(number: int, visit: Visit, start: float, anchors: dict[str, ExecutionReport]) -> str:
    took = "" if visit.left is None else f", took {visit.left - visit.entered:.3f} s"
    parts = [f'<div class="visit"><b>visit {number}</b> <span class="badge st-{visit.outcome}">'
             f'{LABELS[visit.outcome]}</span> <span class="muted">entered +{visit.entered - start:.3f} s{took}</span>']
    if visit.problem is not None:
        parts.append(f'<div class="error">{_problem(visit.problem)}</div>')
    if visit.attempts:
        parts.append("<table class=\"attempts\"><thead><tr><th>attempt</th><th>resource</th><th>result</th>"
                     "</tr></thead><tbody>" + "".join(_attempt(attempt) for attempt in visit.attempts)
                     + "</tbody></table>")
    children = [anchors[arn] for arn in visit.children if arn in anchors]
    if children:
        parts.append("<p>started " + ", ".join(_execution_link(child) for child in children) + "</p>")
    parts.append(f'<div class="io"><div><h4>input</h4>{_payload(visit.input)}</div>'
                 f"<div><h4>output</h4>{_payload(visit.output)}</div></div></div>")
    return "".join(parts)


def _attempt(attempt: Attempt) -> str:
    if attempt.problem is not None:
        result = f'<span class="badge st-failed">failed</span> {_problem(attempt.problem)}'
    else:
        result = '<span class="badge st-succeeded">ok</span>' if attempt.ok else '<span class="badge">running</span>'
    return f"<tr><td>{attempt.number}</td><td><code>{escape(attempt.resource)}</code></td><td>{result}</td></tr>"


def _problem(problem: Problem) -> str:
    cause = f"<pre>{escape(_pretty(problem.cause))}</pre>" if problem.cause else ""
    return f"<strong>{escape(problem.error)}</strong>{cause}"


def _payloads(execution: ExecutionReport) -> str:
    output = f"<div><h4>output</h4>{_payload(execution.output)}</div>" if execution.output is not None else ""
    return (f'<details class="payloads"><summary>execution input{" and output" if output else ""}</summary>'
            f'<div class="io"><div><h4>input</h4>{_payload(execution.input)}</div>{output}</div></details>')


def _payload(text: str | None) -> str:
    if text is None:
        return '<p class="muted">—</p>'
    shown = _pretty(text)
    if len(shown) > MAX_PAYLOAD_CHARS:
        shown = shown[:MAX_PAYLOAD_CHARS] + f"\n… ({len(shown) - MAX_PAYLOAD_CHARS} more characters)"
    return f"<pre>{escape(shown)}</pre>"


def _pretty(text: str | None) -> str:
    """JSON text indented; a JSON string holding JSON (a Lambda error's cause) unwrapped once."""
    if text is None:
        return ""
    try:
        value = json_text.loads(text)
    except (json.JSONDecodeError, TypeError):
        return text
    return json.dumps(value, indent=2, ensure_ascii=False) if not isinstance(value, str) else _pretty(value) \
        if value.strip().startswith(("{", "[")) else value


def _execution_link(execution: ExecutionReport) -> str:
    outcome = _STATUS_OUTCOME.get(execution.status, "running")
    return (f'<a href="#{execution.anchor}">{escape(execution.name)}</a> '
            f'<span class="badge st-{outcome}">{escape(execution.status)}</span>')

