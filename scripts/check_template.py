"""Run every template check and report each one; exit non-zero if any failed.

The checks, in order (``--only NAME`` selects some):

``sam-validate``
    ``sam validate``: the SAM translator's own validation (event source properties,
    policy templates, references), offline with a region set.
``cfn-lint``
    cfn-lint with the serverless rules (``.cfnlintrc.yaml``) on the SAM template.
``translate``
    ``scripts.translate_template``: the offline CloudFormation translation, ASL inlined.
``cfn-lint-translated``
    cfn-lint on that translation: generated event source mappings, roles and the ASL of
    each state machine are checked against the CloudFormation schemas.
``asl-substitutions``
    ``scripts.check_asl_substitutions``: ``${Name}`` placeholders vs DefinitionSubstitutions.
``checkov``
    checkov (``.checkov.yaml``) on the SAM template and on the translation; zero failures.

All checks run even after one fails, so one run shows every problem.

Usage::

    python -m scripts.check_template                       # template.yaml
    python -m scripts.check_template path/to/template.yaml --only checkov
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"

# cfn-lint rules left out on the translated template, and why (they are checked on the
# SAM template, where they are accurate):
TRANSLATED_IGNORED_RULES = [
    # ES1001 wants an on-failure destination on every event source mapping, but SQS mappings
    # cannot have one (their queue's redrive policy is the DLQ). On the SAM template the rule
    # knows the event type and checks Kinesis/DynamoDB events only.
    "ES1001",
    # W2001 (unused parameter): translation drops Globals that no function consumes, so a
    # parameter used only in Globals looks unused; the SAM template run counts Globals.
    "W2001",
]


@dataclass(frozen=True)
class Tools:
    """Executables the checks run; each tool lives in its own virtualenv (see Makefile)."""

    python: Path
    cfn_lint: Path
    sam: Path
    checkov: Path

    @classmethod
    def default(cls) -> Tools:
        venv_bin = Path(sys.executable).parent
        return cls(
            python=Path(sys.executable),
            cfn_lint=venv_bin / "cfn-lint",
            sam=ROOT / ".tools/sam/bin/sam",
            checkov=ROOT / ".tools/checkov/bin/checkov",
        )


@dataclass(frozen=True)
class Context:
    template: Path
    translated: Path
    tools: Tools


@dataclass(frozen=True)
class Check:
    name: str
    command: Callable[[Context], list[str]]
    #: Name of a check whose output this one reads; if that failed, this one fails too.
    needs: str | None = None


@dataclass
class Result:
    name: str
    ok: bool
    returncode: int
    seconds: float
    command: list[str]
    output: str


CHECKS: list[Check] = [
    Check(
        "sam-validate",
        lambda c: [str(c.tools.sam), "validate", "--template", str(c.template), "--region", REGION],
    ),
    Check(
        "cfn-lint",
        lambda c: [
            str(c.tools.cfn_lint),
            "--config-file",
            str(ROOT / ".cfnlintrc.yaml"),
            "--",
            str(c.template),
        ],
    ),
    Check(
        "translate",
        lambda c: [
            str(c.tools.python),
            "-m",
            "scripts.translate_template",
            str(c.template),
            "-o",
            str(c.translated),
        ],
    ),
    Check(
        "cfn-lint-translated",
        lambda c: [
            str(c.tools.cfn_lint),
            "--config-file",
            str(ROOT / ".cfnlintrc.yaml"),
            "--ignore-checks",
            *TRANSLATED_IGNORED_RULES,
            "--",
            str(c.translated),
        ],
        needs="translate",
    ),
    Check(
        "asl-substitutions",
        lambda c: [str(c.tools.python), "-m", "scripts.check_asl_substitutions", str(c.template)],
    ),
    Check(
        "checkov",
        lambda c: [
            str(c.tools.checkov),
            "--config-file",
            str(ROOT / ".checkov.yaml"),
            "--file",
            str(c.template),
            "--file",
            str(c.translated),
        ],
        needs="translate",
    ),
]

CHECK_NAMES = [check.name for check in CHECKS]


def _environment() -> dict[str, str]:
    # No AWS credentials at all, on purpose: every check (sam validate included) must work offline on a
    # fresh machine, so a developer's own credentials must not make it pass by accident.
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env["AWS_DEFAULT_REGION"] = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    env["AWS_SHARED_CREDENTIALS_FILE"] = env["AWS_CONFIG_FILE"] = os.devnull
    # Offline and quiet: no telemetry, no update checks, no download of checkov's guideline map.
    env.update(SAM_CLI_TELEMETRY="0", SAM_CLI_DISABLE_UPDATE_CHECK="1", BC_SKIP_MAPPING="TRUE")
    return env


def run_check(check: Check, context: Context, earlier: dict[str, Result]) -> Result:
    """Run one check; a missing tool or a failed prerequisite is a failure with a clear message."""
    command = check.command(context)
    if check.needs is not None and not earlier[check.needs].ok:
        return Result(check.name, False, -1, 0.0, command, f"not run: {check.needs} failed")
    executable = Path(command[0])
    if not executable.exists():
        return Result(check.name, False, -1, 0.0, command, f"{executable} not found: run `make tools venv`")
    started = time.monotonic()
    completed = subprocess.run(  # the commands are built above, never from input
        command, cwd=ROOT, env=_environment(), capture_output=True, text=True, check=False
    )
    output = (completed.stdout + completed.stderr).strip()
    return Result(
        check.name,
        completed.returncode == 0,
        completed.returncode,
        time.monotonic() - started,
        command,
        output,
    )


def run_checks(context: Context, names: Sequence[str]) -> list[Result]:
    """Run the named checks (and what they need); report them in the documented order.

    The tools are separate processes that mostly import (checkov and sam alone take seconds),
    so checks run side by side, each as soon as the one it needs is done: checkov and the
    translated lint start when the translation (~2 s) is written, not when the slowest of the
    other checks (cfn-lint, ~6 s) ends.
    """
    wanted = set(names)
    for check in CHECKS:
        if check.name in wanted and check.needs is not None:
            wanted.add(check.needs)
    selected = [check for check in CHECKS if check.name in wanted]
    futures: dict[str, Future[Result]] = {}

    def after_needs(check: Check) -> Result:
        earlier = {check.needs: futures[check.needs].result()} if check.needs is not None else {}
        return run_check(check, context, earlier)

    # One thread per check: one waiting for its prerequisite never holds up another.
    with ThreadPoolExecutor(max_workers=len(selected)) as pool:
        for check in selected:
            futures[check.name] = pool.submit(after_needs, check)
    return [futures[check.name].result() for check in selected]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("template", nargs="?", type=Path, default=Path("template.yaml"))
    parser.add_argument(
        "--build-dir",
        type=Path,
        help="where the translated template goes (default: .aws-sam/checks beside the template)",
    )
    parser.add_argument("--only", action="append", choices=CHECK_NAMES, help="run only this check (repeatable)")
    parser.add_argument("--json-report", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    template = args.template.resolve()
    build_dir = (args.build_dir or template.parent / ".aws-sam" / "checks").resolve()
    context = Context(template, build_dir / f"{template.stem}.translated.json", Tools.default())
    results = run_checks(context, args.only or CHECK_NAMES)

    for result in results:
        status = "ok" if result.ok else "FAILED"
        print(f"==> {result.name}: {status} ({result.seconds:.1f}s)")
        if result.output and not result.ok:
            print(f"    $ {' '.join(result.command)}")
            print("\n".join(f"    {line}" for line in result.output.splitlines()))
    failed = [result.name for result in results if not result.ok]
    if failed:
        print(f"template checks: {len(failed)} of {len(results)} FAILED: {', '.join(failed)}")
    else:
        print(f"template checks: all {len(results)} ok")
    if args.json_report:
        args.json_report.write_text(json.dumps([asdict(result) for result in results], indent=2), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
