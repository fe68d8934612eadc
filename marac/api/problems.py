"""Errors as RFC 9457 problem details (`application/problem+json`), never an HTML page."""

from http import HTTPStatus

from flask import jsonify, request
from werkzeug.exceptions import MethodNotAllowed

from models import db

MEDIA_TYPE = "application/problem+json"
# Our problem types. A plain HTTP status problem has the type "about:blank" (RFC 9457 §4.2.1).
VALIDATION = "urn:marac:problem:validation"
VERSION_CONFLICT = "urn:marac:problem:version-conflict"
IDEMPOTENCY_KEY_REUSED = "urn:marac:problem:idempotency-key-reused"

DETAILS = {
    400: "The request could not be read: send a JSON object with the Content-Type application/json.",
    401: "Send a valid API token: Authorization: Bearer <token>.",
    403: "Your token's scopes or your role do not allow this.",
    404: "There is no such record, or it is not one your agency may see.",
    405: "This address does not accept that method.",
    413: "The request is too large.",
    415: "Send the body as JSON, with the Content-Type application/json.",
    429: "Too many requests: wait, then try again.",
    500: "Something went wrong. Nothing was saved.",
}


def problem(status, *, detail=None, type_="about:blank", title=None, headers=None, **extra):
    body = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or DETAILS.get(status, HTTPStatus(status).description),
        "instance": request.path,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def pointer(location):
    """A JSON Pointer (RFC 6901) to a field, from a path like ("victim", "date_of_birth") or
    "victim.date_of_birth"."""
    parts = location.split(".") if isinstance(location, str) else [str(part) for part in location]
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in parts if part != "")
    return "#/" + "/".join(escaped) if parts and parts != [""] else "#"


def field_error(location, message):
    """One entry of `errors` for a field of the body."""
    return {"pointer": pointer(location), "parameter": None, "detail": message}


def parameter_error(name, message):
    """One entry of `errors` for a query parameter or a header."""
    return {"pointer": None, "parameter": name, "detail": message}


def validation(errors, detail="Some of the request is not acceptable: see errors."):
    """422 with what is wrong, field by field (see field_error and parameter_error)."""
    return problem(422, type_=VALIDATION, title="Your request is not valid", detail=detail, errors=list(errors))


def version_conflict(title="The record has changed since you read it", **extra):
    """409: someone saved the record since the version the request was made from."""
    return problem(
        409,
        type_=VERSION_CONFLICT,
        title=title,
        detail="Nothing was saved. Read the record as it is now, then send your change again with its version.",
        **extra,
    )


def unauthorized():
    return problem(401, headers={"WWW-Authenticate": 'Bearer realm="marac"'})


def forbidden(detail=None):
    return problem(403, detail=detail)


def not_found():
    return problem(404)


def from_http_exception(error):
    status = error.code or 500
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return problem(status, headers=headers)


def handle_http_exception(error):
    if (error.code or 500) >= 500:
        db.session.rollback()
    return from_http_exception(error)


def handle_stale_record(error):
    """A versioned record someone else saved while this request was writing it."""
    db.session.rollback()
    return version_conflict()


def handle_server_error(error):
    # Flask has logged the traceback; the answer says nothing of it.
    db.session.rollback()
    return problem(500)
