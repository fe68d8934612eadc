"""What every API view shares: reading the query string and body through their models, JSON
answers, the audit trail, a page of a list, and Idempotency-Key handling for POSTs."""

import json
import re
import unicodedata
from datetime import timedelta
from functools import wraps

from flask import current_app, g, jsonify, request
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from marac.api import problems
from marac.api.openapi import IDEMPOTENCY_KEY_PATTERN
from marac.security import auditing
from marac.services import api_tokens, paging
from models import db

REPLAYED_HEADER = "Idempotent-Replayed"


def _message(error):
    message = error["msg"]
    return message.removeprefix("Value error, ")


def _validation_problem(error, *, parameters=False):
    entries = []
    for item in error.errors(include_url=False):
        location = [str(part) for part in item["loc"]]
        if parameters:
            entries.append(problems.parameter_error(location[0] if location else "", _message(item)))
        else:
            entries.append(problems.field_error(location, _message(item)))
    return problems.validation(entries)


def _composed(raw):
    """The JSON body with its text in composed form (NFC) before any length is checked, as the web
    forms measure it: "José" sent decomposed (as letters or as \\u escapes) is four letters, not
    five. A body that is not JSON is left for the model's parser to refuse."""
    try:
        return json.dumps(_nfc(json.loads(raw)), ensure_ascii=False)
    except (ValueError, RecursionError):  # nested too deep too: the model's parser refuses it (400)
        return raw


def _nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    if isinstance(value, dict):
        return {_nfc(key): _nfc(item) for key, item in value.items()}
    return value


def body(model):
    """(the validated body, None) or (None, a problem answer)."""
    if not request.is_json:
        return None, problems.problem(415)
    try:
        return model.model_validate_json(_composed(request.get_data(cache=True))), None
    except ValidationError as error:
        if any(item["type"] == "json_invalid" for item in error.errors()):
            return None, problems.problem(400)
        return None, _validation_problem(error)


def query(model):
    """(the validated query string, None) or (None, a problem answer). The first of repeated
    parameters counts."""
    try:
        return model.model_validate({key: request.args.get(key) for key in request.args}), None
    except ValidationError as error:
        return None, _validation_problem(error, parameters=True)


def answer(model, status=200, headers=None):
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def audit(event, **detail):
    """The web pages' audit events, marked as made through the API with which token."""
    auditing.audit(event, via="api", token_id=g.api_token.id, **detail)


def audited_answer(model, event, **detail):
    """A read's answer, sent only once the read is audited as `event` and committed."""
    audit(event, **detail)
    db.session.commit()
    return answer(model)


def page(query_model, select, event, page_model, items):
    """A list view's answer: the query string read through `query_model`, one page of what
    `select(args)` selects, shown as `page_model` holding `items(rows)`; the listing is audited
    as `event` (how many, which page)."""
    args, refused = query(query_model)
    if refused:
        return refused
    rows, has_next = paging.fetch_page(select(args), args.page)
    listed = page_model(items=items(rows), page=args.page, has_next=has_next)
    return audited_answer(listed, event, count=len(rows), page=args.page)


def _canonical_body():
    raw = request.get_data(cache=True)
    try:
        return json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        return raw


def _replay_or_refuse(stored, fingerprint):
    if stored.request_hash != fingerprint:
        return problems.problem(
            422,
            type_=problems.IDEMPOTENCY_KEY_REUSED,
            title="This Idempotency-Key was used for another request",
            detail="Use a new Idempotency-Key for a new request; send the same body to retry one.",
            errors=[problems.parameter_error("Idempotency-Key", "Already used with a different request")],
        )
    audit("api.request_replayed", record_type="idempotency_key", record_id=stored.id, status=stored.status_code)
    db.session.commit()
    response = jsonify(stored.response)
    response.status_code = stored.status_code
    response.headers[REPLAYED_HEADER] = "true"
    if stored.location:
        response.headers["Location"] = stored.location
    return response


def idempotent(view):
    """A POST that a client may retry safely with an Idempotency-Key header: the first successful
    answer is kept (in the same transaction as the records it made) and given again for the same
    key and body. The view itself does not commit: this does."""

    @wraps(view)
    def wrapper(**kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            response = view(**kwargs)
            db.session.commit()
            return response
        if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
            return problems.validation(
                [problems.parameter_error("Idempotency-Key", "Use 1 to 255 letters, digits and . _ : ~ -")]
            )
        token_id = g.api_token.id
        keep_for = timedelta(hours=current_app.config["API_IDEMPOTENCY_HOURS"])
        fingerprint = api_tokens.request_fingerprint(request.method, request.path, _canonical_body())
        stored = api_tokens.stored_response(token_id, key, keep_for=keep_for)
        if stored is not None:
            return _replay_or_refuse(stored, fingerprint)
        response = view(**kwargs)
        if 200 <= response.status_code < 300:
            api_tokens.remember_response(
                token_id,
                key,
                fingerprint=fingerprint,
                status_code=response.status_code,
                body=response.get_json(),
                location=response.headers.get("Location"),
                keep_for=keep_for,
            )
        try:
            db.session.commit()
        except IntegrityError:
            # The same key, sent again while the first request was still running, and the first
            # committed before this one: undo this one and give the first one's answer.
            db.session.rollback()
            stored = api_tokens.stored_response(token_id, key, keep_for=keep_for)
            if stored is None:
                raise
            return _replay_or_refuse(stored, fingerprint)
        return response

    return wrapper
