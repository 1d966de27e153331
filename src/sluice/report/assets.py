"""The report page's stylesheet and script, inlined into every page (it must work offline).

The script only improves the page (it reads without it): a link to a state opens its details,
"expand / collapse all", and a click on a legend entry shows only the states with that outcome.
"""

from __future__ import annotations

from sluice.report.graph import COLOURS

_OUTCOME_CSS = "\n".join(
    f".badge.st-{outcome}, tr.st-{outcome} td.outcome .badge, details.st-{outcome} > summary .badge "
    f"{{ background: {fill}; border-color: {border}; color: {text}; }}\n"
    f".bar.st-{outcome} {{ background: {border}; }}"
    for outcome, (fill, border, text) in COLOURS.items()
)

STYLE = """
:root { --ink: #1f2328; --muted: #656d76; --line: #d8dee4; --panel: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       background: #fff; }
header.page { padding: 20px 32px 12px; border-bottom: 1px solid var(--line); background: var(--panel); }
header.page h1 { margin: 0 0 4px; font-size: 22px; }
main { padding: 8px 32px 48px; max-width: 1280px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
.muted { color: var(--muted); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
      margin: 4px 0; max-height: 360px; overflow: auto; white-space: pre-wrap; word-break: break-word; }
.badge { display: inline-block; padding: 0 8px; border: 1px solid var(--line); border-radius: 10px;
         font-size: 12px; line-height: 18px; white-space: nowrap; }
.legend { display: flex; gap: 8px; flex-wrap: wrap; margin: 8px 0; align-items: center; }
.legend button.badge { cursor: pointer; font: inherit; font-size: 12px; }
.legend button.badge[aria-pressed="true"] { outline: 2px solid var(--ink); }
.toolbar button { font: inherit; font-size: 12px; margin-left: 6px; cursor: pointer; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; font-size: 12.5px; }
td.outcome { white-space: nowrap; }
table.objects { table-layout: fixed; }
table.objects th:nth-child(1) { width: 21%; } table.objects th:nth-child(2) { width: 9%; }
table.objects th:nth-child(3) { width: 32%; } table.objects th:nth-child(4) { width: 24%; }
table.objects code, table.objects a { word-break: break-all; }
table.objects ul { margin: 0; padding-left: 18px; }
.summary { display: flex; gap: 24px; flex-wrap: wrap; margin: 6px 0; }
.summary div span { display: block; font-size: 12px; color: var(--muted); }
section.execution { margin-top: 12px; }
section.execution.child { margin-left: 18px; padding-left: 14px; border-left: 3px solid var(--line); }
.error { border: 1px solid #c0392b; background: #fdf0ef; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.error strong { color: #7b1d12; }
.graph { border: 1px solid var(--line); border-radius: 6px; padding: 8px; overflow: auto; text-align: center;
         background: #fff; }
.graph svg { max-width: 100%; height: auto; }
.graph a:hover polygon, .graph a:hover path { stroke-width: 3; }
details.state { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; }
details.state > summary { cursor: pointer; padding: 6px 10px; display: flex; gap: 10px; align-items: center; }
details.state > summary .name { font-weight: 600; }
details.state[open] > summary { border-bottom: 1px solid var(--line); background: var(--panel); }
details.state .body { padding: 6px 12px 10px; }
details.state:target, details.state.flash { box-shadow: 0 0 0 3px #ffd33d; }
.visit { margin: 6px 0 12px; }
.io { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.io h4 { margin: 4px 0 0; font-size: 12px; color: var(--muted); font-weight: 600; }
.timeline { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.timeline .row { display: grid; grid-template-columns: 220px 1fr 90px; gap: 8px; align-items: center; height: 20px; }
.timeline .row .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: 12.5px; }
.timeline .track { position: relative; height: 10px; background: var(--panel); border-radius: 5px; }
.timeline .bar { position: absolute; top: 0; height: 10px; border-radius: 5px; min-width: 4px; }
.timeline .when { font-size: 12px; color: var(--muted); text-align: right; }
.timeline .axis { display: flex; justify-content: space-between; margin-left: 228px; margin-right: 98px;
                  font-size: 11px; color: var(--muted); }
.hidden { display: none !important; }
.notes { color: var(--muted); font-size: 12.5px; }
""" + _OUTCOME_CSS

SCRIPT = """
(function () {
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var element = id ? document.getElementById(id) : null;
    if (element && element.tagName === "DETAILS") {
      element.open = true;
      element.classList.add("flash");
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  document.querySelectorAll("[data-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("data-toggle") === "open";
      document.querySelectorAll("details.state").forEach(function (d) { d.open = open; });
    });
  });
  document.querySelectorAll(".legend button[data-outcome]").forEach(function (button) {
    button.addEventListener("click", function () {
      var pressed = button.getAttribute("aria-pressed") !== "true";
      document.querySelectorAll(".legend button[data-outcome]").forEach(function (other) {
        other.setAttribute("aria-pressed", "false");
      });
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      var wanted = pressed ? "st-" + button.getAttribute("data-outcome") : null;
      document.querySelectorAll("details.state").forEach(function (d) {
        d.classList.toggle("hidden", wanted !== null && !d.classList.contains(wanted));
      });
    });
  });
  document.body.setAttribute("data-script", "ready");
})();
"""
