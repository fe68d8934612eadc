"""GOV.UK-style error pages. They name no record and show no detail of what went wrong."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from forms.auth import SignInForm
from marac.security import posted_fields
from marac.services.versions import StaleRecord
from models import db

ERROR_PAGES = {
    400: ("There is a problem with your request", "Go back and try again."),
    403: (
        "You do not have permission to see this page",
        "If you think you should, ask your MARAC administrator.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you copied all of it.",
    ),
    405: ("This page cannot be used in that way", "Go back to the page you came from and use its buttons and links."),
    413: ("What you sent was too large", "Go back and send less: shorten the text or attach a smaller file."),
    409: (
        "Someone else changed this at the same time",
        "Nothing you sent was saved. Go back, check what is saved now, and try again.",
    ),
    429: ("Too many requests", "Wait a few minutes, then try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. What you were doing may not have been saved.",
    ),
}


def render_error(code):
    title, advice = ERROR_PAGES.get(code, ERROR_PAGES[500] if code >= 500 else ERROR_PAGES[400])
    return render_template("errors/error.html", title=title, advice=advice, code=code), code


def handle_http_exception(error):
    return render_error(error.code or 500)


def handle_server_error(error):
    # Flask has logged the traceback; the page says nothing of it.
    db.session.rollback()
    return render_error(500)


def handle_csrf_error(error):
    """A form sent with a missing or stale token: nothing the user typed is lost."""
    if request.endpoint == "auth.login":
        form = SignInForm()
        form.password.data = ""
        return render_template("auth/login.html", form=form, expired=True, locked_minutes=None), 400
    if current_user.is_authenticated and request.method == "POST":
        if not posted_fields():
            # A button with nothing typed (sign out, reset…): nothing to keep; say so and go on.
            flash("That page had expired, so nothing was done. Try again.")
            return redirect(url_for("dashboard.index"))
        return (
            render_template("auth/resend_form.html", path=request.path, fields=posted_fields(), reason="expired"),
            400,
        )
    return render_error(400)


def handle_stale_record(error):
    """A record someone else saved while this request was writing it, where the page has no
    conflict view of its own: nothing was saved; the answers are kept to check and send again."""
    db.session.rollback()
    if not current_user.is_authenticated:
        return render_error(409)
    page = request.path if request.url_rule and "GET" in request.url_rule.methods else None
    return (
        render_template(
            "auth/resend_form.html", path=request.path, page=page, fields=posted_fields(), reason="conflict"
        ),
        409,
    )


def register_error_handlers(app):
    app.register_error_handler(StaleRecord, handle_stale_record)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(HTTPException, handle_http_exception)
