"""The OpenAPI 3.1 description, generated from the code that serves and validates the API.

Each view is declared with `operation(...)`, usually through its group's `Tag`: its route, method,
scope, and the pydantic models of its query string, body and answers. The same declaration
registers the Flask route, tells the access gate (marac/api/gate.py) which scope the endpoint
needs, and writes the operation here; the JSON Schemas come from the models that validate the
requests. Nothing is written by hand.
"""

import re
from dataclasses import dataclass, field
from http import HTTPStatus

from flask import Blueprint
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from marac.api import schemas
from marac.api.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"
ANY_TOKEN = "any token"  # noqa: S105 (an endpoint open to any valid token, whatever its scopes)
SECURITY_SCHEME = "bearerToken"
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:~-]{1,255}$"
REF = "#/components/schemas/{model}"
_FLASK_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass
class Operation:
    endpoint: str
    method: str
    rule: str  # the Flask rule, under API_PREFIX
    summary: str
    description: str
    tag: str
    scope: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    # {status: model}, for the answers beyond the common error ones.
    responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    idempotent: bool = False

    @property
    def path(self):
        return API_PREFIX + _FLASK_ARGUMENT.sub(r"{\2}", self.rule)

    @property
    def path_parameters(self):
        return [name for _converter, name in _FLASK_ARGUMENT.findall(self.rule)]


OPERATIONS: list[Operation] = []


@dataclass(frozen=True)
class Tag:
    """One group of operations in the document (Referrals, Actions, ...), whose views are declared
    with `@TAG.get(rule, ...)` or `@TAG.post(rule, ...)` (the rest as for `operation`). Reading
    needs the group's `read` scope and changing needs its `write` scope."""

    bp: Blueprint
    name: str
    read: str
    write: str | None = None

    def get(self, rule, **declared):
        return operation(self.bp, rule, "GET", scope=self.read, tag=self.name, **declared)

    def post(self, rule, **declared):
        return operation(self.bp, rule, "POST", scope=self.write, tag=self.name, **declared)


def operation(bp, rule, method, *, scope, summary, tag, body=None, query=None, responses, idempotent=False):
    """Declare an API view: registers the route on `bp` and describes it in the document."""

    def decorator(view):
        view.api_scope = scope
        view.api_body = body
        view.api_query = query
        bp.add_url_rule(rule, view_func=view, methods=[method])
        OPERATIONS.append(
            Operation(
                endpoint=f"{bp.name}.{view.__name__}",
                method=method.lower(),
                rule=rule,
                summary=summary,
                description=(view.__doc__ or "").strip(),
                tag=tag,
                scope=scope,
                body=body,
                query=query,
                responses=responses,
                idempotent=idempotent,
            )
        )
        return view

    return decorator


def _problem(status, model=schemas.ProblemOut, description=None, headers=None):
    response = {
        "description": description or HTTPStatus(status).phrase,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": REF.format(model=model.__name__)}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _without_null(schema):
    """A query parameter is absent or has a value: never JSON null."""
    options = schema.get("anyOf")
    if options and any(option.get("type") == "null" for option in options):
        rest = [option for option in options if option.get("type") != "null"]
        schema = {key: value for key, value in schema.items() if key != "anyOf"}
        schema.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
        if schema.get("default") is None:
            schema.pop("default", None)
    schema.pop("title", None)
    return schema


def _query_parameters(model):
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = _without_null(dict(prop))
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            parameter["description"] = prop.pop("description")
        parameters.append(parameter)
    return parameters


def _models():
    """Every model the document refers to, with the mode its schema is wanted in."""
    wanted = [
        (schemas.ProblemOut, "serialization"),
        (schemas.ValidationProblemOut, "serialization"),
        (schemas.ConflictProblemOut, "serialization"),
    ]
    for op in OPERATIONS:
        if op.body is not None:
            wanted.append((op.body, "validation"))
        wanted += [(model, "serialization") for model in op.responses.values() if model is not None]
    seen, unique = set(), []
    for item in wanted:
        if item not in seen:
            seen.add(item)
            unique.append(item)
    return unique


def _operation_document(op, refs):
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": schemas.INT32_MAX},
        }
        for name in op.path_parameters
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query)
    if op.idempotent:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "A unique value per request (a UUID, say). A retry with the same key and the same "
                "body gets the first answer again instead of making a second record; the same key with another "
                "body is refused (422). Kept for 24 hours.",
                "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
            }
        )
    responses = {}
    for status, model in sorted(op.responses.items()):
        response = {"description": HTTPStatus(status).phrase}
        if model is not None:
            media_type = PROBLEM_MEDIA_TYPE if issubclass(model, schemas.ProblemOut) else "application/json"
            response["content"] = {media_type: {"schema": refs[(model, "serialization")]}}
        if status == 201:
            response["headers"] = {
                "Location": {"description": "The new record", "required": True, "schema": {"type": "string"}}
            }
        responses[str(status)] = response
    responses["401"] = _problem(
        401,
        description="No token, or one that is unknown, expired or revoked",
        headers={"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
    )
    responses["403"] = _problem(403, description="Outside the token's scopes or the user's role")
    if op.path_parameters:
        responses["404"] = _problem(404, description="No such record, or one your agency may not see")
    if op.body is not None:
        responses["400"] = _problem(400, description="The body is not a JSON document")
        responses["415"] = _problem(415, description="The body is not sent as application/json")
    responses["422"] = _problem(422, schemas.ValidationProblemOut, description="Not valid: see `errors`")
    responses["429"] = _problem(429, description="Too many requests")
    document = {
        "operationId": op.endpoint.split(".", 1)[1],
        "summary": op.summary,
        "tags": [op.tag],
        "security": [{SECURITY_SCHEME: [] if op.scope == ANY_TOKEN else [op.scope]}],
        "responses": dict(sorted(responses.items())),
    }
    if op.description:
        document["description"] = op.description
    if op.scope != ANY_TOKEN:
        document["x-scope"] = op.scope
    if parameters:
        document["parameters"] = parameters
    if op.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    return document


def document(examples=None):
    """The OpenAPI 3.1 document. `examples`: {operation id: request body example}."""
    refs, definitions = models_json_schema(_models(), ref_template=REF)
    paths = {}
    for op in OPERATIONS:
        operation_document = _operation_document(op, refs)
        example = (examples or {}).get(operation_document["operationId"])
        if example is not None:
            operation_document["requestBody"]["content"]["application/json"]["example"] = example
        paths.setdefault(op.path, {})[op.method] = operation_document
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MARAC partner systems API",
            "version": API_VERSION,
            "description": "Referrals, meeting case lists, actions and quarterly figures for police and partner "
            "case systems. Every request needs a bearer token with the right scope; your role and agency decide "
            "which records you see, as on the web pages. Errors are RFC 9457 problem details.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from /auth/tokens or `flask marac create-token`. Scopes: "
                    + ", ".join(sorted({op.scope for op in OPERATIONS if op.scope != ANY_TOKEN})),
                }
            },
        },
    }
