"""The HTML execution report, opened in a real browser (headless Chromium): what is *rendered* —
the DOM after the page's script ran — for one of our pipelines (`sluice drop` on template.yaml)
and for a definition the report has never seen (`sluice report` against a running endpoint)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sluice.api import StepFunctionsService
from sluice.api.server import StepFunctionsServer
from sluice.asl import Engine
from sluice.cli import main
from tests.api.support import ROLE, client
from tests.runtime.moto_stack import ROOT

from .conftest import CHILD, UNSEEN, Chromium

pytestmark = pytest.mark.slow  # headless Chromium renders each report

# A retried read (S3 SlowDown twice) and a Publish that times out (caught: compensated, quarantined).
FAULTS = """
api:
  - {call: "s3:GetObject", error: SlowDown, status: 503, times: 2}
states:
  - {state_machine: FilePipelineStateMachine, state: Publish, error: States.Timeout, times: 1}
"""


def state_classes(dom: str) -> dict[str, set[str]]:
    """State name -> the outcome classes its `<details>` carries in the rendered DOM."""
    found: dict[str, set[str]] = {}
    for classes, name in re.findall(r'<details class="state ([^"]+)" id="[^"]+" data-state="([^"]+)"', dom):
        found.setdefault(name, set()).update(c for c in classes.split() if c.startswith("st-"))
    return found


def assert_offline(html: str) -> None:
    assert "default-src 'none'" in html  # the browser itself refuses any fetch
    assert not re.search(r"""<(?:link|iframe|object|embed)\b|(?:src|href)=["'](?!#)|url\(""", html)


def test_a_pipeline_report_shows_outcomes_causes_and_where_each_object_ended_up(
    tmp_path: Path, chromium: Chromium
) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text(FAULTS)
    page = tmp_path / "drop.html"

    code = main(["drop", "--template", str(ROOT / "template.yaml"), "--faults", str(faults),
                 str(ROOT / "samples/orders.csv"), str(ROOT / "samples/orders-bad.csv"),
                 "s3://RawBucket/incoming/2024/06/11/", "--report", str(page)])

    assert code == 1  # both files were set aside
    html = page.read_text(encoding="utf-8")
    assert_offline(html)
    assert "https://" not in html and "http://" not in html
    dom = chromium.dom(page)
    assert 'data-script="ready"' in dom  # the page's script ran under its own CSP
    first, second = (state_classes(section) for section in dom.split('<section class="execution')[1:])
    assert first["Validate"] == {"st-retried"}  # SlowDown twice, then read
    assert first["Publish"] == {"st-caught"}  # States.Timeout, compensated and set aside
    assert first["ProcessingFailed"] == {"st-failed"} and first["InvalidInput"] == {"st-not-run"}
    assert second["Validate"] == {"st-succeeded"} and second["Publish"] == {"st-not-run"}
    assert second["InvalidInput"] == {"st-failed"}  # the bad file: schema violation
    assert "States.Timeout" in dom  # the caught error, with its cause
    assert len(re.findall(r'<g id="[^"]+" class="node st-retried"', dom)) == 1  # the graph is coloured too
    objects = re.findall(r'<tr class="object st-[a-z-]+" data-outcome="(\w+)"><td><code>([^<]+)</code>', dom)
    assert objects == [("quarantined", "RawBucket/incoming/2024/06/11/orders.csv"),
                       ("quarantined", "RawBucket/incoming/2024/06/11/orders-bad.csv")]
    assert "reason.json" in dom and "invalid_input" in dom
    opened = chromium.dom(page, "#x1-s1")  # a link to a state opens its details
    assert re.search(r'<details class="state st-retried flash" id="x1-s1" data-state="Validate" open="">', opened)
    shot = chromium.screenshot(page, tmp_path / "drop.png")
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000


@pytest.fixture
def endpoint(bare_engine: Engine) -> Iterator[str]:
    server = StepFunctionsServer(StepFunctionsService(bare_engine), port=0)
    server.start()
    yield server.url
    server.stop()


def test_sluice_report_renders_an_unseen_definition_from_a_running_endpoint(
    tmp_path: Path, chromium: Chromium, endpoint: str
) -> None:
    sfn = client(endpoint)
    sfn.create_state_machine(name="child", definition=json.dumps(CHILD), roleArn=ROLE)
    machine = sfn.create_state_machine(name="unseen", definition=json.dumps(UNSEEN), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"items": [1, 2]}')["executionArn"]
    page = tmp_path / "unseen.html"

    assert main(["report", arn, "--endpoint-url", endpoint, "-o", str(page)]) == 0

    assert_offline(page.read_text(encoding="utf-8"))
    dom = chromium.dom(page)
    states = state_classes(dom)
    assert {name: classes for name, classes in states.items()} == {
        "Fan": {"st-succeeded"}, "Work": {"st-retried"}, "Both": {"st-caught"}, "Left": {"st-succeeded"},
        "Right": {"st-failed"}, "Nested": {"st-caught"}, "Verdict": {"st-succeeded"}, "Done": {"st-not-run"},
        "Gave up": {"st-failed"}, "Check": {"st-failed"},  # Check: the nested workflow's state
    }
    assert "Demo.GaveUp" in dom and "the nested workflow failed" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and "<img" not in dom  # data stays text
    assert re.search(r'<section class="execution child" id="x2" data-status="FAILED">', dom)
    assert re.search(r'started by <a href="#x1">[^<]+</a> <span class="badge st-failed">FAILED</span> in state '
                     r"<b>Nested</b>", dom)
    assert dom.count("index 0") >= 1 and dom.count("index 1") >= 1  # the Map iterations
    assert main(["report", arn.replace(":unseen:", ":nope:"), "--endpoint-url", endpoint]) == 2
