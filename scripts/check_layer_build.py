"""Check that ``sam build`` produced Python layers that Lambda can import.

``sam build`` succeeds on layers that are broken at run time, and three ways are easy to hit:

* **nesting** - SAM copies the *contents* of ``ContentUri`` into the layer's ``python/``
  folder, so ``ContentUri: layers/runtime`` with the code in ``layers/runtime/python/pkg``
  ships ``/opt/python/python/pkg``; Lambda puts only ``/opt/python`` on ``sys.path``;
* **ignored requirements** - only ``<ContentUri>/requirements.txt`` is installed; one beside
  ``ContentUri`` is silently skipped;
* **wrong architecture** - without ``Metadata.BuildArchitecture`` SAM builds for x86_64,
  whose compiled wheels (pydantic-core ...) do not load on an arm64 function.

And one way to build a layer that imports, but slowly:

* **no usable bytecode** - the ``python*`` build methods unpack wheels and copy sources without
  ``.pyc`` files, and SAM's zip dates every file 1980-01-01, so even timestamp-checked bytecode
  would not match: every cold start compiles every module it imports (``/opt`` is read-only, so
  nothing is kept). Only hash-based bytecode (PEP 552) survives packaging (ADR 0012).

For every ``AWS::Serverless::LayerVersion`` built with a ``python*`` or ``makefile`` BuildMethod
this checks that each module of ``ContentUri`` is at the top of the built ``python/`` folder,
that every requirement has an installed distribution there, that every platform-specific wheel
matches the layer's architecture, and that every module has hash-based bytecode for the layer's
runtime that matches its source.

Usage (after ``sam build``)::

    python -m scripts.check_layer_build template.yaml --build-dir .aws-sam/build
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

from scripts.sam_template import TemplateError, load_template, resources_of_type

# Wheel platform tags name the CPU as Lambda's arm64/x86_64 architectures do, or as aarch64.
WHEEL_ARCH = {"arm64": ("aarch64", "arm64"), "x86_64": ("x86_64",)}
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalize(name: str) -> str:
    """PEP 503 normalisation, with `_` as separator as in dist-info directory names."""
    return re.sub(r"[-_.]+", "_", name).lower()


def requirement_names(requirements: Path) -> list[str]:
    """Distribution names listed in a requirements file (options and comments skipped)."""
    names = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0]
        if requirement.strip().startswith("-"):
            continue
        match = _REQUIREMENT_NAME.match(requirement)
        if match:
            names.append(match.group(1))
    return names


def _modules(content_dir: Path) -> list[str]:
    """Top-level importable names in a layer's source directory."""
    return sorted(
        entry.name
        for entry in content_dir.iterdir()
        if not entry.name.startswith((".", "_"))
        and ((entry.is_dir() and any(entry.glob("*.py"))) or entry.suffix == ".py")
    )


def _wheel_tags(artifact: Path) -> dict[str, list[str]]:
    """Tags of every installed wheel, by distribution directory name."""
    tags: dict[str, list[str]] = {}
    for wheel in artifact.glob("*.dist-info/WHEEL"):
        lines = wheel.read_text(encoding="utf-8").splitlines()
        tags[wheel.parent.name] = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")]
    return tags


def _runtime_version(properties: dict[str, Any]) -> tuple[int, int] | None:
    """The (major, minor) of the layer's first `python3.N` CompatibleRuntimes entry."""
    for runtime in properties.get("CompatibleRuntimes") or []:
        match = re.fullmatch(r"python(\d+)\.(\d+)", str(runtime))
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


def _hash_based_bytecode(source: Path, compiled: Path, verify_hash: bool) -> bool:
    """Whether `compiled` is PEP 552 hash-based bytecode of `source` (valid whatever the file dates)."""
    try:
        header = compiled.read_bytes()[:16]
    except OSError:
        return False
    if len(header) < 16 or not int.from_bytes(header[4:8], "little") & 0b1:  # bit 0 unset: checked by timestamp
        return False
    # The hash is keyed by the interpreter's magic number: comparable only on the runtime's own version.
    return not verify_hash or header[8:16] == importlib.util.source_hash(source.read_bytes())


def bytecode_problems(where: str, artifact: Path, version: tuple[int, int] | None) -> list[str]:
    """Modules of a built layer that every cold start would compile again."""
    if version is None:
        return []
    tag = f"cpython-{version[0]}{version[1]}"
    verify = sys.version_info[:2] == version and sys.implementation.cache_tag == tag
    missing = [source for source in sorted(artifact.rglob("*.py"))
               if not _hash_based_bytecode(source, source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc", verify)]
    if not missing:
        return []
    examples = ", ".join(str(path.relative_to(artifact)) for path in missing[:3])
    return [f"{where}: {len(missing)} of its modules ({examples}, ...) have no hash-based {tag} bytecode, so every "
            f"cold start compiles them (SAM's zip dates files 1980-01-01); build the layer with a Makefile that "
            f"runs `compileall --invalidation-mode unchecked-hash` (layers/runtime/python/Makefile)"]


def layer_problems(
    logical_id: str, properties: dict[str, Any], metadata: dict[str, Any], base_dir: Path, build_dir: Path
) -> list[str]:
    """Everything that would make one built Python layer fail to import on Lambda."""
    content_uri = str(properties.get("ContentUri", ""))
    content_dir = base_dir / content_uri
    artifact = build_dir / logical_id / "python"
    where = f"layer {logical_id}"
    if not artifact.is_dir():
        return [f"{where}: {artifact} does not exist; run `sam build` first"]

    problems = []
    architecture = str(metadata.get("BuildArchitecture", "x86_64"))
    compatible = properties.get("CompatibleArchitectures", ["x86_64"])
    if architecture not in compatible:
        problems.append(
            f"{where}: built for {architecture} (Metadata.BuildArchitecture, x86_64 if unset) "
            f"but CompatibleArchitectures is {compatible}"
        )

    build_method = str(metadata.get("BuildMethod", ""))
    if build_method == "makefile" and (content_dir / "python").is_dir():
        content_dir = content_dir / "python"  # a Makefile's sources already laid out as /opt/python
    elif (content_dir / "python").is_dir():
        problems.append(
            f"{where}: ContentUri {content_uri} has a python/ folder, which SAM ships as /opt/python/python/ "
            f"where Lambda does not import from; point ContentUri at {Path(content_uri) / 'python'}"
        )
    problems += [
        f"{where}: `import {module}` would fail on Lambda: {module} is not at the top of {artifact}"
        for module in _modules(content_dir)
        if not (artifact / module).exists()
    ]

    requirements = content_dir / "requirements.txt"
    stray = content_dir.parent / "requirements.txt"
    if stray.is_file() and not requirements.is_file():
        problems.append(
            f"{where}: {stray} is outside ContentUri ({content_uri}) and sam build ignores it; "
            f"move it to {requirements}"
        )
    if requirements.is_file():
        installed = {_normalize(path.name.split("-", 1)[0]) for path in artifact.glob("*.dist-info")}
        problems += [
            f"{where}: requirement {name} ({requirements}) is not installed in the built layer"
            for name in requirement_names(requirements)
            if _normalize(name) not in installed
        ]

    expected = WHEEL_ARCH.get(architecture, (architecture,))
    for distribution, tags in sorted(_wheel_tags(artifact).items()):
        platform_tags = [tag for tag in tags if not tag.endswith("-any")]
        if platform_tags and not any(arch in tag for tag in platform_tags for arch in expected):
            problems.append(f"{where}: {distribution} is a {platform_tags[0]} wheel, not {architecture}")
    return problems + bytecode_problems(where, artifact, _runtime_version(properties))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("template", nargs="?", type=Path, default=Path("template.yaml"))
    parser.add_argument("--build-dir", type=Path, default=Path(".aws-sam/build"))
    args = parser.parse_args(argv)

    try:
        template = load_template(args.template)
    except TemplateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    checked = 0
    problems = []
    for logical_id, properties in resources_of_type(template, "AWS::Serverless::LayerVersion"):
        metadata = template["Resources"][logical_id].get("Metadata") or {}
        build_method = str(metadata.get("BuildMethod", ""))
        if not (build_method.startswith("python") or build_method == "makefile"):
            continue
        checked += 1
        problems += layer_problems(logical_id, properties, metadata, args.template.parent, args.build_dir)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"{args.template}: {checked} Python layer(s) built importable for their architecture, with bytecode")
    return 0


if __name__ == "__main__":
    sys.exit(main())
