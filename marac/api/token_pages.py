"""Each user's API tokens, /auth/tokens: make one (shown once), see them, revoke one."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from forms.api_tokens import ApiTokenForm, RevokeTokenForm
from forms.common import choices
from marac.security import audit, form_tokens, is_allowed
from marac.services import accounts, api_tokens
from models import ApiScope, db
from models.api import API_SCOPE_LABELS
from models.clock import utcnow

pages = Blueprint("api_tokens", __name__)


def usable_scopes(user):
    """The scopes whose endpoints the user's roles may use (ACCESS_POLICY): a token can only
    carry these."""
    from marac.api.openapi import ANY_TOKEN, OPERATIONS

    usable = {op.scope for op in OPERATIONS if op.scope != ANY_TOKEN and is_allowed(user, op.endpoint)}
    return [scope for scope in ApiScope.ALL if scope in usable]


def _form():
    form = ApiTokenForm()
    form.scopes.choices = choices(
        (scope, f"{API_SCOPE_LABELS[scope]} ({scope})") for scope in usable_scopes(current_user)
    )
    if form.days.data is None and not form.is_submitted():
        form.days.data = current_app.config["API_TOKEN_DEFAULT_DAYS"]
    return form


def _render(form, *, created=None, status=200):
    now = utcnow()
    return render_template(
        "auth/api_tokens.html",
        form=form,
        created=created,
        tokens=api_tokens.tokens_of(current_user.id),
        revoke_form=RevokeTokenForm(),
        labels=API_SCOPE_LABELS,
        now=now,
        max_days=current_app.config["API_TOKEN_MAX_DAYS"],
    ), status


@pages.route("", methods=["GET", "POST"])
@form_tokens.once
def token_list():
    form = _form()
    if not form.scopes.choices:
        form = None  # nothing a token could do for this role
    elif form.is_submitted():
        if form.validate() and _acceptable(form):
            token, secret = api_tokens.issue(
                current_user, name=form.name.data, scopes=form.scopes.data, days=form.days.data
            )
            audit(
                "api.token_created",
                record_type="api_token",
                record_id=token.id,
                scopes=token.scopes,
                days=form.days.data,
            )
            # Shown on this page once, never in a URL, a redirect or the session: a second send of
            # the form comes back to the list.
            return form_tokens.made(
                _render(_form_after_create(), created=(token, secret)), location=url_for("api_tokens.token_list")
            )
        form.current_password.data = ""
        return _render(form, status=400)
    return _render(form)


def _acceptable(form):
    """The check that needs the account (the form bounds the days by the setting). Adds an error;
    True when none."""
    if not accounts.check_password(current_user, form.current_password.data):
        form.current_password.errors.append("Your password is not correct")
        return False
    return True


def _form_after_create():
    form = _form()
    form.name.data, form.scopes.data = "", []
    form.days.data = current_app.config["API_TOKEN_DEFAULT_DAYS"]
    return form


@pages.route("/<int:token_id>/revoke", methods=["POST"])
def token_revoke(token_id):
    token = api_tokens.token_of(current_user.id, token_id)
    if token is None:
        abort(404)
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    api_tokens.revoke(token, "revoked_by_user")
    audit("api.token_revoked", record_type="api_token", record_id=token.id)
    db.session.commit()
    flash(f"Token {token.prefix}… is revoked: it no longer works.", "success")
    return redirect(url_for("api_tokens.token_list"))
