"""A form that makes a record, sent twice, makes it once, like the API's Idempotency-Key
(marac/api/common.py).

The form carries a one-time token (forms.common.CreateForm). Its view is wrapped in `once`, and
answers with `made(response)` once it has made its record: the token is kept, with where the
answer leads, in the same transaction as the record. A second send of the same form makes nothing
and goes there too. Sent after the first has finished, it finds the token; sent at the same moment
(PostgreSQL: a connection each), its INSERT of the token waits for the first's transaction, fails
on the unique key (or its save of a record the first one changed is stale), and everything it did
is undone. A POST without a token (not from one of our
pages) is answered as before, unguarded.
"""

import re
from functools import wraps

import sqlalchemy as sa
from flask import abort, flash, g, redirect, request, session
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from models import UsedFormToken, db
from models.base import StaleRecord

FIELD = "form_token"
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _posted_token():
    token = request.form.get(FIELD) if request.method == "POST" else None
    if token is not None and not TOKEN.fullmatch(token):
        abort(400)
    return token


def _first_landing(token):
    """Where the first send of this form led, if it has been sent."""
    return db.session.scalar(
        sa.select(UsedFormToken.location).where(UsedFormToken.user_id == current_user.id, UsedFormToken.token == token)
    )


def _sent_already(token):
    """If the same form's first send has made its record: its answer, for this send (whose own
    doings are undone). Else None."""
    location = _first_landing(token)
    if location is None:
        return None
    db.session.rollback()
    session.pop("_flashes", None)  # what this send's view said ("saved") did not happen
    flash("You sent this form twice. It was saved once.")
    return redirect(location)


def once(view):
    """The view of a form that makes a record: a second send of the same form goes where the first
    went, making nothing. Whatever this send met instead (the unique key, or a page refusing what
    the first send made: "already on the list"), once the first has made its record."""

    @wraps(view)
    def wrapper(**kwargs):
        token = _posted_token()
        if token is None:
            return view(**kwargs)
        if first := _sent_already(token):
            return first
        g.form_token = token
        try:
            response = view(**kwargs)
        except (IntegrityError, StaleRecord):  # the first send's token, or its change of a record
            db.session.rollback()
            if first := _sent_already(token):
                return first
            raise
        except HTTPException:
            if first := _sent_already(token):
                return first
            raise
        if g.get("form_token_made"):
            return response
        return _sent_already(token) or response

    wrapper.sent_once = True  # tests/concurrency/test_create_forms.py races every such view
    return wrapper


def made(response, *, location=None):
    """The view has made its record: keep the form's token with where `response` leads (or
    `location`, after a page shown only once, such as a new password), and commit."""
    token = g.get("form_token")
    if token is not None:
        db.session.add(UsedFormToken(user_id=current_user.id, token=token, location=location or response.location))
        g.form_token_made = True
    db.session.commit()
    return response
