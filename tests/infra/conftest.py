"""The check scripts run as `python -m scripts.<name>` from the repository root; the infra tests
also import their template loader, so the root goes on sys.path before the test modules load."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
