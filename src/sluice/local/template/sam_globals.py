"""SAM's `Globals` section, merged into a template's serverless resources by SAM's own code.

aws-sam-translator's `Globals` knows which properties each resource type takes from `Globals` and how
they merge (maps merge, lists concatenate, `Architectures` replace) and words its errors; sluice uses
it rather than restating those rules. Its import costs 0.2 s, so it happens only for a template that
declares `Globals`.

Example:
    >>> settings = template_globals({"Globals": {"Function": {"Timeout": 9}}, "Resources": {}})
    >>> merge_globals(settings, "Fn", "AWS::Serverless::Function", {"Handler": "app.handler"}, None)
    {'Timeout': 9, 'Handler': 'app.handler'}
"""

from __future__ import annotations

import copy
from typing import Any

from sluice.local.errors import TemplateError


def template_globals(document: dict[str, Any]) -> Any:
    """SAM's parsed `Globals` of `document`, or None when it declares none."""
    if "Globals" not in document:
        return None
    from samtranslator.model.exceptions import ExceptionWithMessage  # noqa: PLC0415 - 0.2 s import
    from samtranslator.plugins.globals.globals import Globals  # noqa: PLC0415

    section = document["Globals"]
    # SAM's own checks assume text names (a YAML `0:` key raised TypeError from inside the translator).
    for name, settings in section.items() if isinstance(section, dict) else ():
        properties = settings if isinstance(settings, dict) else {}
        if not isinstance(name, str) or not all(isinstance(key, str) for key in properties):
            raise TemplateError(f"invalid Globals: {name!r} names its settings with text only", property="Globals")
    try:
        return Globals(document)
    except ExceptionWithMessage as error:
        raise TemplateError(f"invalid Globals: {error.message}") from None


def merge_globals(settings: Any, logical_id: str, resource_type: str, properties: dict[str, Any],
                  ignore: Any) -> dict[str, Any]:
    """`properties` of one resource with the `Globals` it takes merged in (`ignore`: its `IgnoreGlobals`)."""
    from samtranslator.model.exceptions import ExceptionWithMessage  # noqa: PLC0415

    try:
        merged = settings.merge(resource_type, copy.deepcopy(properties), logical_id, ignore)
    except ExceptionWithMessage as error:
        raise TemplateError(error.message, resource=logical_id) from None
    return dict(merged)
