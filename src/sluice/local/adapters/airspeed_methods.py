"""The one adapter to airspeed's internals: the Java methods a mapping template may call on JSON values.

Velocity runs on Java, so API Gateway's templates call Java's `Map` and `List` methods on the values
they take from a payload (`$map.keySet()`, `$list.size()`, `$map.containsKey('id')`). airspeed gives
Python's `dict`, `list` and `str` such methods through its module-level table
`airspeed.operators.__additional_methods__`, looked up by the value's exact class; sluice's JSON values
(`sluice.local.apigateway.vtl.JsonMap`, `JsonList`), which print as JSON, are entered in that table
here. Tested with airspeed-ext 0.6.9 (`SUPPORTED_AIRSPEED`; `pyproject.toml` asks for `>=0.6.9`).

Example:
    >>> register(JsonMap, JsonList)        # doctest: +SKIP - done once, by `vtl` as it loads
"""

from __future__ import annotations

from typing import Any

from airspeed import operators

SUPPORTED_AIRSPEED = ("0.6",)


def _map_methods() -> dict[str, Any]:
    # Through `dict`'s own methods: JsonMap hides Python's method names from templates.
    return {
        "keySet": lambda self: list(dict.keys(self)),
        "values": lambda self: list(dict.values(self)),
        "entrySet": lambda self: [{"key": key, "value": value} for key, value in dict.items(self)],
        "size": len,
        "isEmpty": lambda self: len(self) == 0,
        "containsKey": lambda self, key: key in self,
        "put": dict.__setitem__,
        "putAll": dict.update,
        "toString": str,
    }


def register(map_type: type, list_type: type) -> None:
    """Give `map_type` Java's `Map` methods and `list_type` those airspeed gives `list`."""
    table = operators.__additional_methods__
    table[map_type] = _map_methods()
    table[list_type] = dict(table[list])
