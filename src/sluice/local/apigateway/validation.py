"""Request body validation of a REST API method: SAM's `RequestModel` with `ValidateBody: true`.

SAM adds the event's model (a JSON Schema, draft 4, from the API's `Models`) to the method and a
request validator with `validateRequestBody` (aws-sam-translator, `Api` event `RequestModel`; only
when `ValidateBody` or `ValidateParameters` is given). API Gateway then checks the body before the
integration runs: a body that is not JSON or does not match the model is answered
400 `{"message": "Invalid request body"}` and never reaches the function ("Request validation in
API Gateway": "If the validation fails, API Gateway fails the request, returns a 400 error
response to the caller").

Example:
    >>> invalid_body({"type": "object", "required": ["year"]}, b'{"make": "x"}')
    "'year' is a required property"
    >>> invalid_body({"type": "object"}, b"{}") is None
    True
"""

from __future__ import annotations

from typing import Any

import jsonschema  # type: ignore[import-untyped]  # aws-sam-translator's own dependency; no stubs

from sluice import json_text


def invalid_body(schema: dict[str, Any], body: bytes) -> str | None:
    """Why `body` fails the model `schema` (draft 4, as API Gateway models are), or None when it passes."""
    try:
        document = json_text.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        return f"the body is not JSON: {error}"
    failure = jsonschema.exceptions.best_match(jsonschema.Draft4Validator(schema).iter_errors(document))
    return None if failure is None else str(failure.message)
