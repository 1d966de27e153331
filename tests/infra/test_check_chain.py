"""The template check chain passes on the stack and fails on each kind of mistake it guards.

Every test works on a throw-away copy of the repository's template (with its functions, ASL files
and layer copied beside it) in which a small known pipeline replaces the ingestion functions (a
Kinesis consumer, an SQS FIFO consumer, a state machine whose ASL file uses
DefinitionSubstitutions), so each seeded mistake has a fixed place to go. The copy is cut down to
the pipeline and what it stands on (every resource, parameter and condition that it and the
Globals name, taken from the repository's template): the dozen unrelated functions and state
machines around it are the real template's, which `make lint` checks in the same CI run, and
linting them again would cost cfn-lint and checkov about half their time per case.

One test shows that this copy passes every check; each other test seeds one mistake and shows
exactly which checks catch it, with a message that names the culprit. Each case runs only the
checks it is about, once, in its own tmp directory (safe under pytest-xdist).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.sam_template import load_template
from sluice.local.provision import references
from sluice.local.template.model import ResourceDecl

ROOT = Path(__file__).resolve().parents[2]

SAM = ROOT / ".tools/sam/bin/sam"
CHECKOV = ROOT / ".tools/checkov/bin/checkov"

pytestmark = pytest.mark.slow

PIPELINE_ASL: dict[str, Any] = {
    "Comment": "Process a batch, then queue its result for ordered handling",
    "StartAt": "Process",
    "States": {
        "Process": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${StreamFunctionArn}", "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "Next": "Enqueue",
        },
        "Enqueue": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {
                "QueueUrl": "${OrderedQueueUrl}",
                "MessageGroupId": "pipeline",
                "MessageBody.$": "$",
            },
            "End": True,
        },
    },
}

HANDLER = 'def handler(event, context):\n    return {"batchItemFailures": []}\n'


def require_tool(tool: Path) -> None:
    """Skip when a tool venv is missing locally; in CI (CI=true) a missing tool is a failure."""
    if tool.exists():
        return
    message = f"{tool.relative_to(ROOT)} is missing: run `make tools`"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _kms_use() -> dict[str, Any]:
    """The statement every function and state machine needs for the stack's encrypted resources."""
    return {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": {"Fn::GetAtt": ["PipelineKey", "Arn"]},
            }
        ]
    }


def _log_group(function: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{{function}}}"},
            "RetentionInDays": {"Ref": "LogRetentionInDays"},
            "KmsKeyId": {"Fn::GetAtt": ["PipelineKey", "Arn"]},
        },
    }


def _function(code_dir: str, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": code_dir,
            "Handler": "app.handler",
            "Policies": [_kms_use()],
            "Events": event,
        },
    }


def add_pipeline(template: dict[str, Any]) -> set[str]:
    """Add an S3-event consumer, a Kinesis consumer, an SQS FIFO consumer and a state machine, all done right;
    return their logical ids."""
    template["Parameters"]["KinesisBatchSize"] = {
        "Type": "Number",
        "Default": 100,
        "MinValue": 1,
        "MaxValue": 10000,
    }
    failure_queue = {"Fn::GetAtt": ["FailureQueue", "Arn"]}
    kinesis = {
        "Type": "Kinesis",
        "Properties": {
            "Stream": {"Fn::GetAtt": ["EventStream", "Arn"]},
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": {"Ref": "KinesisBatchSize"},
            "MaximumRetryAttempts": 3,
            "BisectBatchOnFunctionError": True,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": failure_queue}},
        },
    }
    sqs = {
        "Type": "SQS",
        "Properties": {
            "Queue": {"Fn::GetAtt": ["OrderedQueue", "Arn"]},
            "BatchSize": 10,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    }
    object_created = {
        "Type": "EventBridgeRule",
        "Properties": {
            "Pattern": {
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {"bucket": {"name": [{"Ref": "RawBucket"}]}},
            },
            "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 3600},
            "DeadLetterConfig": {"Arn": failure_queue},
        },
    }
    log_destination = {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["StateMachineLogGroup", "Arn"]}}}
    # Asynchronously invoked: failures go to an on-failure destination (cfn-lint ES1007).
    ingest = _function("functions/ingest/", {"Created": object_created})
    ingest["Properties"]["EventInvokeConfig"] = {
        "MaximumRetryAttempts": 2,
        "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": failure_queue}},
    }
    pipeline = {
        "IngestFunction": ingest,
        "IngestFunctionLogGroup": _log_group("IngestFunction"),
        "StreamFunction": _function("functions/stream/", {"Records": kinesis}),
        "StreamFunctionLogGroup": _log_group("StreamFunction"),
        "OrderedFunction": _function("functions/ordered/", {"Ordered": sqs}),
        "OrderedFunctionLogGroup": _log_group("OrderedFunction"),
        "PipelineStateMachine": {
            "Type": "AWS::Serverless::StateMachine",
            "Properties": {
                "DefinitionUri": "statemachines/pipeline.asl.json",
                "DefinitionSubstitutions": {
                    "StreamFunctionArn": {"Fn::GetAtt": ["StreamFunction", "Arn"]},
                    "OrderedQueueUrl": {"Ref": "OrderedQueue"},
                },
                "Tracing": {"Enabled": True},
                "Logging": {
                    "Level": "ERROR",
                    "IncludeExecutionData": False,
                    "Destinations": [log_destination],
                },
                "Policies": [
                    {"LambdaInvokePolicy": {"FunctionName": {"Ref": "StreamFunction"}}},
                    {"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["OrderedQueue", "QueueName"]}}},
                    _kms_use(),
                ],
            },
        },
    }
    template["Resources"].update(pipeline)
    template["Outputs"]["PipelineStateMachineArn"] = {"Value": {"Ref": "PipelineStateMachine"}}
    return set(pipeline)


def _names(entry: dict[str, Any]) -> set[str]:
    """What a template entry names: logical ids and parameters (Ref, Fn::GetAtt, Fn::Sub, DependsOn, as the local
    stack reads them: its `references` walks the whole entry) and a resource's Condition."""
    depends = entry.get("DependsOn") or []
    named = set(references(ResourceDecl("", "", entry, [depends] if isinstance(depends, str) else list(depends))))
    if isinstance(entry.get("Condition"), str):
        named.add(entry["Condition"])
    return named


def slice_for(template: dict[str, Any], roots: set[str]) -> dict[str, Any]:
    """`template` cut down to `roots` and everything they and the Globals name, transitively (an unused
    parameter or condition would itself fail cfn-lint); Outputs naming something cut are cut too."""
    sections = [name for name in ("Parameters", "Conditions", "Resources") if name in template]
    needed: set[str] = set()
    pending = [*roots, *_names(template.get("Globals", {}))]
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending += [
                named for section in sections if name in template[section] for named in _names(template[section][name])
            ]
    sliced = dict(template)
    for section in sections:
        sliced[section] = {name: entry for name, entry in template[section].items() if name in needed}
    sliced["Outputs"] = {
        name: output
        for name, output in template.get("Outputs", {}).items()
        if {named for named in _names(output) if not named.startswith("AWS::")} <= needed
    }
    return sliced


@dataclass
class CheckRun:
    """Outcome of `python -m scripts.check_template` on a template."""

    returncode: int
    stdout: str
    results: dict[str, dict[str, Any]]

    def failed(self) -> set[str]:
        return {name for name, result in self.results.items() if not result["ok"]}

    def output(self, check: str) -> str:
        return str(self.results[check]["output"])


@dataclass
class Stack:
    """A writable copy of the stack, with a pipeline, in a temporary directory."""

    root: Path
    template: dict[str, Any]
    asl: dict[str, Any]

    def properties(self, logical_id: str) -> dict[str, Any]:
        properties: dict[str, Any] = self.template["Resources"][logical_id]["Properties"]
        return properties

    def event(self, function: str, event: str) -> dict[str, Any]:
        properties: dict[str, Any] = self.properties(function)["Events"][event]["Properties"]
        return properties

    def write(self) -> Path:
        """Write the template, the ASL file and the function code; return the template's path."""
        template_path = self.root / "template.yaml"
        # Through JSON first, so that shared dicts are written out in full, not as YAML aliases.
        plain = json.loads(json.dumps(self.template))
        template_path.write_text(yaml.safe_dump(plain, sort_keys=False), encoding="utf-8")
        # Every CodeUri / DefinitionUri of the real template must exist beside the copy.
        for tree in ("functions", "statemachines", "layers"):
            shutil.copytree(
                ROOT / tree, self.root / tree, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        (self.root / "statemachines").mkdir(exist_ok=True)
        (self.root / "statemachines/pipeline.asl.json").write_text(json.dumps(self.asl, indent=2), encoding="utf-8")
        for name in ("ingest", "stream", "ordered"):
            (self.root / "functions" / name).mkdir(parents=True, exist_ok=True)
            (self.root / "functions" / name / "app.py").write_text(HANDLER, encoding="utf-8")
        (self.root / "layers/runtime/python").mkdir(parents=True, exist_ok=True)
        return template_path

    def check(self, *only: str) -> CheckRun:
        """Run the named checks (all if none) exactly as `make lint` does."""
        template_path = self.write()
        report = self.root / "report.json"
        command = [
            sys.executable,
            "-m",
            "scripts.check_template",
            str(template_path),
            "--json-report",
            str(report),
        ]
        command += [arg for name in only for arg in ("--only", name)]
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        assert report.exists(), completed.stderr
        results = {result["name"]: result for result in json.loads(report.read_text(encoding="utf-8"))}
        return CheckRun(completed.returncode, completed.stdout, results)


@pytest.fixture(scope="session")
def repo_template() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")


@pytest.fixture
def stack(tmp_path: Path, repo_template: dict[str, Any]) -> Stack:
    """The pipeline and what it stands on (see the module docstring)."""
    template = copy.deepcopy(repo_template)
    return Stack(tmp_path, slice_for(template, add_pipeline(template)), copy.deepcopy(PIPELINE_ASL))


def test_stack_with_pipeline_passes_every_check(stack: Stack) -> None:
    require_tool(SAM)
    require_tool(CHECKOV)

    run = stack.check()

    assert run.failed() == set(), run.stdout
    assert run.returncode == 0
    assert set(run.results) == {
        "sam-validate",
        "cfn-lint",
        "translate",
        "cfn-lint-translated",
        "asl-substitutions",
        "checkov",
    }
    translated = json.loads((stack.root / ".aws-sam/checks/template.translated.json").read_text(encoding="utf-8"))
    machine = translated["Resources"]["PipelineStateMachine"]["Properties"]
    assert machine["Definition"] == PIPELINE_ASL, "the ASL file is inlined so cfn-lint validates it"
    mapping_types = {
        resource["Properties"].get("StartingPosition", "SQS")
        for resource in translated["Resources"].values()
        if resource["Type"] == "AWS::Lambda::EventSourceMapping"
    }
    assert mapping_types == {"TRIM_HORIZON", "SQS"}


def test_undefined_asl_substitution_fails_naming_file_machine_and_variable(stack: Stack) -> None:
    stack.asl["States"]["Enqueue"]["Parameters"]["QueueUrl"] = "${OrderdQueueUrl}"

    run = stack.check("asl-substitutions")

    assert run.failed() == {"asl-substitutions"}
    assert run.returncode == 1
    output = run.output("asl-substitutions")
    assert (
        "statemachines/pipeline.asl.json: state machine PipelineStateMachine: ${OrderdQueueUrl} is used "
        "but DefinitionSubstitutions does not define OrderdQueueUrl"
    ) in output
    # The substitution the typo was meant to use is now reported as unused.
    assert "DefinitionSubstitutions defines OrderedQueueUrl but the definition never uses" in output


def test_unused_substitution_fails(stack: Stack) -> None:
    stack.properties("PipelineStateMachine")["DefinitionSubstitutions"]["Leftover"] = "x"

    run = stack.check("asl-substitutions")

    assert "DefinitionSubstitutions defines Leftover but the definition never uses ${Leftover}" in run.output(
        "asl-substitutions"
    )


def test_invalid_kinesis_starting_position_fails_translated_lint(stack: Stack) -> None:
    # SAM passes StartingPosition through untouched; only the CloudFormation schema of the
    # generated AWS::Lambda::EventSourceMapping knows its values.
    stack.event("StreamFunction", "Records")["StartingPosition"] = "SIDEWAYS"

    run = stack.check("cfn-lint-translated")

    assert run.failed() == {"cfn-lint-translated"}
    assert "E3031 'SIDEWAYS' does not match '(LATEST|TRIM_HORIZON|AT_TIMESTAMP)+'" in run.output("cfn-lint-translated")


def test_unknown_sqs_event_property_fails_sam_validate(stack: Stack) -> None:
    require_tool(SAM)
    stack.event("OrderedFunction", "Ordered")["MaxBatchSize"] = 5

    run = stack.check("sam-validate")

    assert run.failed() == {"sam-validate"}
    assert "property MaxBatchSize not defined for resource of type SQS" in run.output("sam-validate")


def test_invalid_asl_state_fails_translated_lint(stack: Stack) -> None:
    # Only reachable because the translation inlines the DefinitionUri file.
    stack.asl["States"]["Enqueue"]["Type"] = "Tasks"

    run = stack.check("cfn-lint-translated")

    assert run.failed() == {"cfn-lint-translated"}
    assert "'Tasks' is not one of" in run.output("cfn-lint-translated")


def test_wildcard_iam_action_fails_checkov_and_serverless_rules(stack: Stack) -> None:
    require_tool(CHECKOV)
    stack.properties("StreamFunction")["Policies"].append(
        {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    )

    run = stack.check("checkov", "cfn-lint")

    assert run.failed() == {"checkov", "cfn-lint"}
    assert "WS1003 Lambda function StreamFunction has an inline policy with stars in actions" in run.output("cfn-lint")
    # checkov sees the statement only in the role SAM generates, hence the translated scan.
    checkov = run.output("checkov")
    assert 'CKV_AWS_111: "Ensure IAM policies does not allow write access without constraints"' in checkov
    assert "FAILED for resource: AWS::IAM::Role.StreamFunctionRole" in checkov


def test_missing_handler_module_fails_translation(stack: Stack) -> None:
    stack.properties("OrderedFunction")["Handler"] = "main.handler"

    run = stack.check("translate")

    assert run.failed() == {"translate"}
    assert "function OrderedFunction: handler main.handler needs functions/ordered/main.py" in run.output("translate")


def test_layer_build_check_rejects_a_nested_python_folder(tmp_path: Path) -> None:
    """`sam build` of ContentUri: layers/runtime ships /opt/python/python/...; the check says so."""
    require_tool(SAM)
    package = tmp_path / "layers/runtime/python/sluice_runtime"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    layer = {
        "Type": "AWS::Serverless::LayerVersion",
        "Properties": {
            "ContentUri": "layers/runtime",
            "CompatibleRuntimes": ["python3.13"],
            "CompatibleArchitectures": ["arm64"],
        },
        "Metadata": {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"},
    }
    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"RuntimeLayer": layer}}
    (tmp_path / "template.yaml").write_text(yaml.safe_dump(template), encoding="utf-8")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PATH": f"{SAM.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([str(SAM), "build"], cwd=tmp_path, env=env, capture_output=True, check=True)

    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.check_layer_build",
            str(tmp_path / "template.yaml"),
            "--build-dir",
            str(tmp_path / ".aws-sam/build"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 1
    assert (tmp_path / ".aws-sam/build/RuntimeLayer/python/python/sluice_runtime").is_dir()
    assert "ContentUri layers/runtime has a python/ folder" in checked.stderr
    assert "point ContentUri at layers/runtime/python" in checked.stderr


def test_every_checkov_skip_has_a_written_reason(repo_template: dict[str, Any]) -> None:
    """docs/checks.md: a skipped check always says why, in Metadata or as a comment in .checkov.yaml."""
    metadata_skips = [
        (logical_id, skip)
        for logical_id, resource in repo_template["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert metadata_skips, "AccessLogBucket skips CKV_AWS_18; this test must see it"
    assert [(logical_id, skip["id"]) for logical_id, skip in metadata_skips if len(skip.get("comment", "")) < 20] == []

    lines = (ROOT / ".checkov.yaml").read_text(encoding="utf-8").splitlines()
    config = yaml.safe_load("\n".join(lines))
    skipped = config.get("skip-check", [])
    unexplained = [
        check_id for check_id in skipped if not lines[lines.index(f"  - {check_id}") - 1].lstrip().startswith("#")
    ]
    assert unexplained == []
