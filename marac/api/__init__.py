"""The JSON API for police and partner case systems, /api/v1 (see docs/api.md).

Requests carry `Authorization: Bearer <token>`; the gate in marac/api/gate.py checks the token,
its scope and the user's role before any view runs. Errors are problem+json (marac/api/problems.py).
"""

import hashlib

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException, InternalServerError

from marac.extensions import limiter
from marac.services.versions import StaleRecord

bp = Blueprint("api", __name__)


def _rate_limit():
    return current_app.config["API_RATE_LIMIT"]


def _rate_limit_key():
    """Per token; per address for a request without one."""
    header = request.headers.get("Authorization") or ""
    if header.lower().startswith("bearer "):
        return "api-token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "api-address:" + get_remote_address()


limiter.limit(_rate_limit, key_func=_rate_limit_key)(bp)

from marac.api import problems, views  # noqa: E402, F401 (registers the routes)

bp.register_error_handler(StaleRecord, problems.handle_stale_record)
bp.register_error_handler(HTTPException, problems.handle_http_exception)
bp.register_error_handler(InternalServerError, problems.handle_server_error)
