"""botocore's `JSONFileLoader`, parsing into plain dicts.

Why: botocore parses every model file with `object_pairs_hook=OrderedDict`, which takes `json.loads`
off its C fast path (about 2.5x slower), and a local stack parses about a hundred model files as it
starts (its own clients' and moto's). A dict keeps insertion order too, and botocore never tests for an
OrderedDict on loaded data. The deployed runtime makes the same change in its own adapter
(layers/runtime/python/sluice_runtime/botocore_loader.py); the local engine cannot import it, since the
layer is the stack's code, not sluice's. Tested with botocore 1.44 (tests/local/test_plain_json.py).

Example:
    >>> from botocore.loaders import Loader
    >>> Loader(file_loader=PlainJSONFileLoader()).load_service_model("sqs", "service-2")["metadata"]["protocol"]
    'json'
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import IO, Any

from botocore.loaders import JSONFileLoader


class PlainJSONFileLoader(JSONFileLoader):
    """`JSONFileLoader` with the C fast path of `json.loads`."""

    def _load_file(self, full_path: str, open_method: Callable[..., IO[bytes]]) -> Any:
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as file:
            return json.loads(file.read().decode("utf-8"))
