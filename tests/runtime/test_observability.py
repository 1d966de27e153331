"""The Powertools Tracer the handlers build: what a cold start pays for it.

Powertools' `Tracer(patch_modules=...)` patches only the named modules; by default X-Ray's
`patch_all` imports every supported library it finds. The handlers' only outbound calls go through
botocore, so that is all that is patched (benchmarks/cold_start.py measures the difference).

Nor does building the Tracer import asyncio: the handlers run no event loop, and wrapt 2.2+ (the X-Ray
SDK's decorator library) imports it with itself, which is why the layer pins wrapt 2.1
(layers/runtime/python/requirements.txt).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "runtime" / "python"

_PROBE = """
import json, sys
from sluice_runtime.observability import tracer
from aws_xray_sdk.core import patcher
assert tracer() is not None
print(json.dumps({"patched": sorted(patcher._PATCHED_MODULES),
                  "httplib": "aws_xray_sdk.ext.httplib" in sys.modules,
                  "requests": "aws_xray_sdk.ext.requests" in sys.modules,
                  "asyncio": "asyncio" in sys.modules}))
"""


def test_tracer_patches_botocore_and_nothing_else_nor_imports_asyncio() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    env.update(PYTHONPATH=str(LAYER), AWS_DEFAULT_REGION="us-east-1", LAMBDA_TASK_ROOT=str(LAYER),
               AWS_XRAY_CONTEXT_MISSING="IGNORE_ERROR")
    result = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe == {"patched": ["botocore"], "httplib": False, "requests": False, "asyncio": False}
