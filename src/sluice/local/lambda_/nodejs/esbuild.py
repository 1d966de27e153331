"""TypeScript (and bundled JavaScript) functions built as `sam build` builds them: `Metadata: BuildMethod:
esbuild`.

SAM CLI bundles such a function with esbuild (AWS SAM developer guide: "Building Node.js Lambda functions
with esbuild"): each of `BuildProperties.EntryPoints` (paths under `CodeUri`) into one file, with the
properties as esbuild's options. Defaults: `Format: cjs`, `Target: es2020`, `Minify: true`,
`Platform: node`. sluice runs the application's own esbuild (its `node_modules/.bin/esbuild`, as the
application's `npm install` put it there, or one on PATH) the same way when the stack starts, into the
template's `.aws-sam/sluice-esbuild/<Function>`; the function runs from there.

Example:
    >>> bundled = bundle({"EntryPoints": ["app.ts"], "External": ["@aws-sdk/*"]},
    ...                  source=Path("src"), out=Path(".aws-sam/sluice-esbuild/Api"))
    >>> sorted(path.name for path in bundled.iterdir())
    ['app.js']
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: SAM's defaults for the options it sets when `BuildProperties` leave them out.
_DEFAULTS = {"Format": "cjs", "Target": "es2020", "Minify": True, "Platform": "node"}


class BuildFailed(Exception):
    """esbuild could not be found, or did not bundle the function; the message says which and why."""


def find_esbuild(source: Path, stop: Path) -> str | None:
    """The application's esbuild: `node_modules/.bin/esbuild` in `source` or a folder above it up to `stop`
    (the template's folder), else one on PATH."""
    for folder in (source, *source.parents):
        candidate = folder / "node_modules" / ".bin" / "esbuild"
        if candidate.is_file():
            return str(candidate)
        if folder == stop:
            break
    return shutil.which("esbuild")


def arguments(properties: Mapping[str, Any], out: Path) -> list[str]:
    """esbuild's command-line options for SAM's `BuildProperties` (entry points not included)."""
    settings = {**_DEFAULTS, **properties}
    options = ["--bundle", f"--outdir={out}", f"--platform={settings['Platform']}",
               f"--format={settings['Format']}", f"--target={_listed(settings['Target'])}"]
    if _true(settings["Minify"]):
        options.append("--minify")
    if _true(settings.get("Sourcemap", False)):
        options.append("--sourcemap")
    if "SourcesContent" in settings:
        options.append(f"--sources-content={str(settings['SourcesContent']).lower()}")
    options += [f"--external:{name}" for name in _strings(settings.get("External"))]
    options += [f"--loader:{rule}" for rule in _strings(settings.get("Loader"))]
    options += [f"--out-extension:{rule}" for rule in _strings(settings.get("OutExtension"))]
    if settings.get("MainFields"):
        options.append(f"--main-fields={_listed(settings['MainFields'])}")
    for kind in ("Banner", "Footer"):
        if settings.get(kind):
            options.append(f"--{kind.lower()}:{settings[kind]}")
    return options


def bundle(properties: Mapping[str, Any], *, source: Path, out: Path, esbuild: str | None = None,
           stop: Path | None = None) -> Path:
    """Bundle a function's entry points from `source` into `out` (emptied first); `BuildFailed` says why not."""
    entry_points = _strings(properties.get("EntryPoints"))
    if not entry_points:
        raise BuildFailed("BuildProperties.EntryPoints names no entry point to bundle")
    source, out = source.resolve(), out.resolve()  # esbuild runs in `source`: `out` must not be relative
    executable = esbuild or find_esbuild(source, (stop or source).resolve())
    if executable is None:
        raise BuildFailed("esbuild is not installed for it: run `npm install` where its package.json is "
                          "(esbuild is one of its devDependencies), or install esbuild on PATH")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    try:
        done = subprocess.run([executable, *entry_points, *arguments(properties, out), "--log-level=error"],
                              cwd=source, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise BuildFailed(f"esbuild could not run: {error}") from None
    if done.returncode != 0:
        raise BuildFailed(f"esbuild failed: {(done.stderr or done.stdout).strip()[-800:]}")
    return out


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _listed(value: Any) -> str:
    return ",".join(_strings(value))


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
