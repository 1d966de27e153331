"""samconfig.toml: every environment deploys without --guided, with overrides the template accepts.

CloudFormation rejects a change set whose parameter overrides name an unknown parameter or
break a parameter's AllowedValues/AllowedPattern/MinValue/MaxValue, but only at deploy
time; these tests find such mistakes offline.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from scripts.sam_template import load_template

ROOT = Path(__file__).resolve().parents[2]

SAM = ROOT / ".tools/sam/bin/sam"
ENVIRONMENTS = ["default", "dev", "prod"]
CONFIG: dict[str, Any] = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))


def deploy_parameters(environment: str) -> dict[str, Any]:
    parameters: dict[str, Any] = CONFIG[environment]["deploy"]["parameters"]
    return parameters


def overrides(environment: str) -> dict[str, str]:
    items = shlex.split(deploy_parameters(environment)["parameter_overrides"])
    return dict(item.split("=", 1) for item in items)


def violation(name: str, value: str, declaration: dict[str, Any]) -> str | None:
    """Why CloudFormation would reject ``value`` for this parameter, or None."""
    allowed = declaration.get("AllowedValues")
    if allowed is not None and value not in [str(option) for option in allowed]:
        return f"{name}={value} is not one of {allowed}"
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        return f"{name}={value} does not match {pattern}"
    if declaration.get("Type") == "Number":
        number = float(value)
        if "MinValue" in declaration and number < float(declaration["MinValue"]):
            return f"{name}={value} is below MinValue {declaration['MinValue']}"
        if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
            return f"{name}={value} is above MaxValue {declaration['MaxValue']}"
    return None


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_environment_deploys_with_stack_name_capabilities_and_managed_bucket(environment: str) -> None:
    parameters = deploy_parameters(environment)
    stack_name = parameters.get("stack_name") or CONFIG[environment]["global"]["parameters"]["stack_name"]

    assert stack_name.startswith("sluice-")
    assert parameters["resolve_s3"] is True
    assert set(parameters["capabilities"].split()) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    assert "project=sluice" in shlex.split(parameters["tags"])


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_parameter_overrides_are_accepted_by_the_template(environment: str) -> None:
    declared = load_template(ROOT / "template.yaml")["Parameters"]
    values = overrides(environment)

    assert set(values) <= set(declared), f"unknown parameters: {set(values) - set(declared)}"
    problems = [violation(name, value, declared[name]) for name, value in values.items()]
    assert [problem for problem in problems if problem] == []
    assert values["Stage"] == ("prod" if environment == "prod" else "dev")


def test_violation_reports_each_kind_of_bad_value() -> None:
    """The constraint check above can fail (so the passing tests mean something)."""
    assert violation("Stage", "Prod", {"AllowedPattern": "^[a-z]+$"}) == "Stage=Prod does not match ^[a-z]+$"
    assert violation("Days", "31", {"AllowedValues": [30, 60]}) == "Days=31 is not one of [30, 60]"
    assert violation("N", "0", {"Type": "Number", "MinValue": 1}) == "N=0 is below MinValue 1"
    assert violation("N", "5", {"Type": "Number", "MaxValue": 4}) == "N=5 is above MaxValue 4"


@pytest.mark.slow
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_sam_deploy_needs_only_credentials(environment: str, tmp_path: Path) -> None:
    """`sam deploy --config-env ENV --region R` gets as far as asking AWS, with no prompt."""
    if not SAM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(".tools/sam is missing: run `make tools`")
        pytest.skip(".tools/sam is missing: run `make tools`")
    for name in ("template.yaml", "samconfig.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    # No credentials can be found, so nothing can be deployed whatever the caller's setup.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SAM_CLI_TELEMETRY": "0",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    completed = subprocess.run(
        [str(SAM), "deploy", "--config-env", environment, "--region", "us-east-1", "--no-execute-changeset"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )

    assert completed.returncode != 0
    assert "Unable to locate credentials" in completed.stdout + completed.stderr
