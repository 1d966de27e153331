"""The one JSON parser of the runtime: strict JSON, as AWS and RFC 8259 define it, or `InvalidJson`.

Python's `json.loads` accepts more than JSON. Every payload the runtime parses (Kinesis data, SQS
bodies, Step Functions inputs and outputs) goes through `loads`, which refuses:

* `NaN`, `Infinity`, `-Infinity`: not in the RFC 8259 grammar; Step Functions, EventBridge and
  DynamoDB reject them, so accepting one would only move the failure into the pipeline's sink;
* duplicate member names: RFC 8259 leaves their meaning to the parser (Python keeps the last, other
  parsers the first or fail); I-JSON (RFC 7493, section 2.3) forbids them, and so do we, so two
  readers of one record can never disagree about it;
* lone surrogates (`"\\ud800"`): not Unicode text; I-JSON (RFC 7493, section 2.1) forbids them, and
  they cannot be encoded as UTF-8 anywhere downstream;
* bytes that are not UTF-8 (RFC 8259, section 8.1), and nesting deeper than Python can walk;
* numbers beyond an IEEE 754 double's range (`1e999`): I-JSON (RFC 7493, section 2.2) rules them out,
  and `json` would read them as infinity, which no JSON can write back;
* integers longer than Python reads (4,300 digits by default, CVE-2020-10735), where `json` raises a
  bare `ValueError`, which would fail the whole batch rather than set the one record aside.

`dumps` is the writing side: the canonical text of a value (sorted keys, compact, UTF-8), or
`InvalidJson` when the value holds what JSON cannot (a `NaN` float), `InvalidUnicode` for text UTF-8
cannot encode (a lone surrogate). Lambda's
Python runtime decodes events with `json.loads`, which accepts `NaN`, so an event can hold one.

Example:
    >>> loads('{"amount": 12.5}')
    {'amount': 12.5}
    >>> loads('{"amount": NaN}')
    Traceback (most recent call last):
    ...
    sluice_runtime.errors.InvalidJson: NaN is not JSON (RFC 8259)
    >>> dumps({"b": 1, "a": "é"})
    '{"a":"é","b":1}'
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

from sluice_runtime.errors import InvalidJson, InvalidUnicode


def loads(document: str | bytes) -> Any:
    """Parse one strict JSON text; raise `InvalidJson` naming what is wrong."""
    try:
        text = document.decode("utf-8") if isinstance(document, bytes) else document
        value = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_names)
    except InvalidJson:
        raise
    except UnicodeError as exc:
        raise _not_unicode(exc) from exc
    except RecursionError as exc:
        raise InvalidJson("JSON nested too deeply to parse") from exc
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"not JSON: {exc}") from exc
    except ValueError:  # none of those: an integer longer than Python reads (CVE-2020-10735)
        raise InvalidJson(_too_long(text)) from None
    # `json` decodes "\ud800" escapes into unencodable text, and a number past a double's range into
    # infinity: writing the value back as strict UTF-8 JSON finds both, at no cost per number read.
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeError as exc:
        raise _not_unicode(exc) from exc
    except ValueError:  # "Out of range float values are not JSON compliant"
        raise InvalidJson(_out_of_range(text)) from None
    return value


def _not_unicode(exc: UnicodeError) -> InvalidJson:
    return InvalidJson(f"text that is not Unicode is not JSON (RFC 8259 section 8, RFC 7493): {exc}")


def dumps(value: Any) -> str:
    """The canonical strict JSON text of `value`; raise `InvalidJson` / `InvalidUnicode` naming what cannot be
    written."""
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except UnicodeError as exc:
        raise InvalidUnicode(f"the input holds text that is not valid Unicode (RFC 8259 section 8): {exc}") from exc
    except RecursionError as exc:
        raise InvalidJson("a value nested too deeply to write as JSON") from exc
    except ValueError as exc:  # "Out of range float values are not JSON compliant": NaN, Infinity
        raise InvalidJson(f"NaN or Infinity is not JSON (RFC 8259): {exc}") from exc
    return text


def _no_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not JSON (RFC 8259)")


_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def _too_long(text: str) -> str:
    """The message for the integer `json` refused to read (found again only on this error path)."""
    limit = sys.get_int_max_str_digits()
    digits = max((len(match.group().lstrip("-")) for match in _NUMBER.finditer(text)), default=0)
    return f"a number of {digits} digits is longer than the {limit} this runtime reads"


def _out_of_range(text: str) -> str:
    """The message for the first number of `text` beyond a double's range, which `json` read as infinity."""
    found = next((match.group() for match in _NUMBER.finditer(text)
                  if not match.group().lstrip("-").isdigit() and math.isinf(float(match.group()))), "a number")
    return f"{found} is out of the range of a double (RFC 7493 section 2.2)"


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for name, value in pairs:
        if name in document:
            raise InvalidJson(f"duplicate member name {name!r} is not I-JSON (RFC 7493 section 2.3)")
        document[name] = value
    return document
