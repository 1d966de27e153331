"""Request validation of a REST API method: SAM's `RequestModel` with `ValidateBody: true`, and an
OpenAPI definition's request validators.

SAM adds the event's model (a JSON Schema, draft 4, from the API's `Models`) to the method and a
request validator with `validateRequestBody` (aws-sam-translator, `Api` event `RequestModel`; only
when `ValidateBody` or `ValidateParameters` is given). API Gateway then checks the body before the
integration runs: a body that is not JSON or does not match the model is answered
400 `{"message": "Invalid request body"}` and never reaches the function ("Request validation in
API Gateway": "If the validation fails, API Gateway fails the request, returns a 400 error
response to the caller").

An OpenAPI definition names its validators in `x-amazon-apigateway-request-validators`
(`validateRequestBody`, `validateRequestParameters`), and an operation picks one with
`x-amazon-apigateway-request-validator` (else the definition's own default of that name). The body's
model is the operation's `requestBody` JSON schema (OpenAPI 3) or its `in: body` parameter's (Swagger
2), its `$ref`s read within the definition; the parameters checked are the `required` query string and
header ones, a missing one answered 400 `{"message": "Missing required request parameters: [name]"}`
(API Gateway docs: "Request validation for REST APIs", "x-amazon-apigateway-request-validators").

Example:
    >>> invalid_body({"type": "object", "required": ["year"]}, b'{"make": "x"}')
    "'year' is a required property"
    >>> invalid_body({"type": "object"}, b"{}") is None
    True
"""

from __future__ import annotations

from typing import Any

import jsonschema  # type: ignore[import-untyped]  # aws-sam-translator's own dependency; no stubs
from referencing.exceptions import Unresolvable  # jsonschema resolves `$ref`s with `referencing`

from sluice import json_text


class InvalidModel(ValueError):
    """A model that cannot be applied (an unresolvable or malformed `$ref`): API Gateway would have
    refused it when it was created; locally the request is answered 500 and the reason said."""


def invalid_body(schema: dict[str, Any], body: bytes) -> str | None:
    """Why `body` fails the model `schema` (draft 4, as API Gateway models are), or None when it passes;
    `InvalidModel` when the schema itself cannot be applied."""
    try:
        document = json_text.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        return f"the body is not JSON: {error}"
    try:
        failure = jsonschema.exceptions.best_match(jsonschema.Draft4Validator(schema).iter_errors(document))
    # An unresolvable `$ref` (referencing's Unresolvable), a schema of the wrong shape, an unknown `type`,
    # or a `$ref` that is not text, which the library reads as one (AttributeError, TypeError).
    except (Unresolvable, jsonschema.exceptions.SchemaError, jsonschema.exceptions.UnknownType, AttributeError,
            TypeError) as error:
        raise InvalidModel(f"the request model cannot be applied: {error}") from None
    return None if failure is None else str(failure.message)


def operation_validation(definition: dict[str, Any], spec: dict[str, Any]) -> tuple[dict[str, Any] | None,
                                                                                     tuple[tuple[str, str], ...]]:
    """The body schema and the required `(in, name)` parameters the operation `spec` of an OpenAPI
    `definition` is validated against (None and () when its validator checks neither)."""
    validators = definition.get("x-amazon-apigateway-request-validators")
    name = spec.get("x-amazon-apigateway-request-validator", definition.get("x-amazon-apigateway-request-validator"))
    validator = validators.get(name) if isinstance(validators, dict) and isinstance(name, str) else None
    if not isinstance(validator, dict):
        return None, ()
    schema = _body_schema(definition, spec) if validator.get("validateRequestBody") is True else None
    required: tuple[tuple[str, str], ...] = ()
    if validator.get("validateRequestParameters") is True:
        required = tuple((str(parameter["in"]), str(parameter["name"])) for parameter in _parameters(spec)
                         if parameter.get("required") is True and parameter.get("in") in ("query", "header")
                         and "name" in parameter)
    return schema, required


def missing_parameters(required: tuple[tuple[str, str], ...], query: dict[str, str],
                       headers: dict[str, str]) -> list[str]:
    """The required parameters a request lacks (header names compared without case)."""
    lowered = {name.lower() for name in headers}
    return [name for where, name in required
            if (where == "query" and name not in query) or (where == "header" and name.lower() not in lowered)]


def _parameters(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The operation's parameter objects (a definition of the wrong shape has none)."""
    declared = spec.get("parameters")
    return [parameter for parameter in declared if isinstance(parameter, dict)] if isinstance(declared, list) else []


def _body_schema(definition: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any] | None:
    request_body = spec.get("requestBody")
    content = request_body.get("content") if isinstance(request_body, dict) else None
    if isinstance(content, dict):  # OpenAPI 3
        media = content.get("application/json") or next(iter(content.values()), None)
        schema = media.get("schema") if isinstance(media, dict) else None
    else:  # Swagger 2: the `in: body` parameter
        schema = next((parameter.get("schema") for parameter in _parameters(spec) if parameter.get("in") == "body"),
                      None)
    if not isinstance(schema, dict):
        return None
    # `$ref`s point into the definition (`#/components/schemas/…`, `#/definitions/…`): carried along
    # under the schema's root, they resolve as JSON pointers from it.
    return {**schema, **{key: definition[key] for key in ("components", "definitions") if key in definition}}
