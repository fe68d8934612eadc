"""Sign-in, sign-out, changing a password, and getting back answers a timeout interrupted."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from forms.auth import ChangePasswordForm, SignInForm
from marac.auth import bp
from marac.extensions import limiter
from marac.security import (
    audit,
    end_session,
    end_user_sessions,
    safe_next_url,
    start_session,
    take_pending_form,
)
from marac.services import accounts
from models import db

SIGN_IN_FAILED = "Enter a correct email address and password"


def _login_rate_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignInForm()
    locked_minutes = None
    if form.validate_on_submit():
        result = accounts.sign_in(form.email.data, form.password.data)
        if result.user:
            start_session(result.user)
            audit("auth.sign_in")
            db.session.commit()
            if session.get("pending_form"):
                return redirect(url_for("auth.resume_form"))
            return redirect(safe_next_url(request.args.get("next")) or url_for("dashboard.index"))
        audit(
            "auth.sign_in_refused",
            record_type="user" if result.account_id else None,
            record_id=result.account_id,
            reason="throttled" if result.locked_until else "credentials",
        )
        db.session.commit()
        if result.locked_until:
            locked_minutes = int(current_app.config["LOGIN_LOCKOUT"].total_seconds() // 60)
        else:
            form.password.errors.append(SIGN_IN_FAILED)
        form.password.data = ""
    return render_template("auth/login.html", form=form, locked_minutes=locked_minutes)


@bp.route("/logout", methods=["POST"])
def logout():
    audit("auth.sign_out")
    end_session()
    db.session.commit()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not accounts.check_password(current_user, form.current_password.data):
            form.current_password.errors.append("Your current password is not correct")
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append("Your new password must be different from your current password")
        elif problem := accounts.password_problem(form.new_password.data, user=current_user):
            form.new_password.errors.append(problem)
        else:
            accounts.set_password(current_user, form.new_password.data)
            end_user_sessions(current_user, "password_changed", keep_current=True)
            audit("auth.password_changed", record_type="user", record_id=current_user.id)
            db.session.commit()
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/resume")
def resume_form():
    """After signing in again: send the answers a timeout interrupted, with a fresh token."""
    pending = take_pending_form(current_user)
    if pending is None:
        return redirect(url_for("dashboard.index"))
    return render_template("auth/resend_form.html", path=pending.path, fields=pending.fields, reason="timeout")
