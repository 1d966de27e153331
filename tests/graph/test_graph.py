"""`sluice graph`: Mermaid, DOT, SVG and PNG of fresh definitions and of our pipelines."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sluice.cli import main
from sluice.graph import build_graph, load_workflow, render, to_dot, to_mermaid

from .support import GOOD_RETRY, LAMBDA, machine, task, write

FRESH = machine({
    "Check": {"Type": "Choice", "Choices": [
        {"Variable": "$.kind", "StringEquals": "batch", "Next": "Each"},
        {"And": [{"Variable": "$.n", "NumericGreaterThan": 3}, {"Variable": "$.ok", "IsPresent": True}],
         "Next": "Both"},
    ], "Default": "Call"},
    "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 4, "ItemProcessor": {
        "StartAt": "Inner", "States": {"Inner": task(Catch=None)}}, "End": True},
    "Both": {"Type": "Parallel", "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
        {"StartAt": "Right", "States": {"Right": {"Type": "Wait", "Seconds": 5, "End": True}}},
    ], "Next": "Call"},
    "Call": task(),
})


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no template.yaml here: the file stands alone
    return write(tmp_path, FRESH)


def test_mermaid_labels_choices_nests_map_and_parallel_and_styles_catch_and_retry(fresh: Path) -> None:
    text = to_mermaid(build_graph(load_workflow(str(fresh))))
    lines = text.splitlines()
    assert lines[3] == "flowchart TD"
    assert '|"$.kind == #quot;batch#quot;"|' in text
    assert '|"($.n #gt; 3) and ($.ok is present)"|' not in text  # simple parts are not bracketed
    assert '|"$.n #gt; 3 and $.ok is present"|' in text and '|"Default"|' in text
    subgraphs = [line.strip() for line in lines if line.strip().startswith("subgraph")]
    assert any("Each · Map (max concurrency 4)" in line for line in subgraphs)
    assert any("Both · Parallel" in line for line in subgraphs)
    assert sum("branch" in line for line in subgraphs) == 2
    catch = next(line for line in lines if "catch: States.ALL" in line)
    retry = next(line for line in lines if "retry x3: Lambda.ServiceException +1" in line)
    assert "-.->" in catch and "-.->" in retry
    source, _, target = retry.strip().partition(" -.->")
    assert target.endswith(source)  # a retry loops back to its own state
    catch_index = [line for line in lines if "-->" in line or "-.->" in line].index(catch)
    assert f"linkStyle {catch_index} stroke:#c0392b" in text
    assert "((\"Start\"))" in text and "((\"End\"))" in text and "Right<br/><small>5 s</small>" in text


def test_dot_clusters_and_svg_png_rendering(fresh: Path) -> None:
    graph = build_graph(load_workflow(str(fresh)))
    dot = to_dot(graph)
    assert dot.count("subgraph cluster_") == 4  # the Map, the Parallel and its two branches
    assert "style=dashed" in dot and "lhead=cluster_" in dot
    svg = ET.fromstring(render(graph, "svg"))
    texts = {element.text for element in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"Check", "Inner", "Left", "Right", "Call", "Failed"} <= texts
    assert "catch: States.ALL" in texts
    assert render(graph, "png").startswith(b"\x89PNG\r\n\x1a\n")


def test_a_template_state_machine_by_logical_id_names_its_functions() -> None:
    graph = build_graph(load_workflow("FilePipelineStateMachine", template="template.yaml"))
    details = {node.name: node.detail for node in graph.root.walk_nodes()}
    assert details["Validate"] == "λ FileValidateFunction"
    assert details["Alert"] == "sns:publish"
    assert graph.title == "FilePipelineStateMachine (STANDARD)"


def test_cli_writes_by_suffix_and_prints_mermaid_by_default(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(fresh)]) == 0
    assert "flowchart TD" in capsys.readouterr().out
    for suffix, magic in ((".svg", b"<?xml"), (".png", b"\x89PNG"), (".mmd", b"---\ntitle:")):
        target = fresh.with_suffix(suffix)
        assert main(["graph", str(fresh), "-o", str(target)]) == 0
        assert target.read_bytes().startswith(magic)


@pytest.mark.parametrize(("argv", "message"), [
    (["graph", "missing.asl.json"], "neither a definition file nor a state machine"),
    (["graph", "{fresh}", "-o", "out.gif"], "cannot tell the format of out.gif"),
    (["graph", "NoSuchMachine", "--template", "{template}"], "NoSuchMachine is neither a file nor a state machine"),
    # A newcomer's first guess: the template itself. Its YAML tags are not an ASL definition's error.
    (["graph", "{template}"], "template.yaml is a template, not a state machine definition: name one of its "
                              "state machines (BackfillStateMachine, FilePipelineStateMachine"),
])
def test_cli_input_errors_exit_2_with_one_line(fresh: Path, argv: list[str], message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    template = Path(__file__).resolve().parents[2] / "template.yaml"
    argv = [arg.format(fresh=fresh, template=template) for arg in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_an_invalid_definition_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": LAMBDA, "Next": "B",
                                                               "Retry": [GOOD_RETRY]}}})
    assert main(["graph", str(path)]) == 2
    assert "MISSING_TRANSITION_TARGET" in capsys.readouterr().err


def test_lambda_invoke_integrations_name_their_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, machine({
        "Fixed": task(Resource="arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "resize"}, Next="Any",
                      End=None),
        "Any": task(Resource="arn:aws:states:::lambda:invoke", Parameters={"FunctionName.$": "$.fn"}),
    }))
    details = {node.name: node.detail for node in build_graph(load_workflow(str(path))).root.walk_nodes()}
    assert (details["Fixed"], details["Any"]) == ("λ resize", "λ (dynamic)")
