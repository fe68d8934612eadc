"""Sign-in (password, then a security code where two-factor sign-in applies), sign-out,
setting up two-factor sign-in, changing a password, and getting back answers a timeout
interrupted."""

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from forms.auth import ChangePasswordForm, MfaCodeForm, RecoveryCodeForm, RenewRecoveryCodesForm, SignInForm
from marac.auth import bp
from marac.extensions import limiter
from marac.security import (
    audit,
    complete_sign_in,
    end_session,
    end_user_sessions,
    pending_sign_in,
    reissue_session,
    safe_next_url,
    start_session,
    take_pending_form,
)
from marac.services import accounts, mfa
from models import db

SIGN_IN_FAILED = "Enter a correct email address and password"
CODE_FAILED = "Enter a correct security code"
RECOVERY_FAILED = "Enter a correct recovery code that has not been used before"


def _login_rate_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _mfa_rate_limit():
    return current_app.config["MFA_RATE_LIMIT"]


def _after_sign_in():
    """Where a completed sign-in goes: answers a timeout interrupted, else the page asked for."""
    if session.get("pending_form"):
        session.pop("after_sign_in", None)
        return redirect(url_for("auth.resume_form"))
    return redirect(safe_next_url(session.pop("after_sign_in", None)) or url_for("dashboard.index"))


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
            user = result.user
            next_url = safe_next_url(request.args.get("next"))
            if next_url:
                session["after_sign_in"] = next_url
            if user.mfa_enrolled or current_app.config["MFA_REQUIRED"]:
                stage = "verify" if user.mfa_enrolled else "enrol"
                start_session(user, mfa_stage=stage)
                audit("auth.password_accepted", as_user=user, record_type="user", record_id=user.id, next=stage)
                db.session.commit()
                return redirect(url_for("auth.mfa_verify" if stage == "verify" else "auth.mfa_enrol"))
            start_session(user)
            audit("auth.sign_in")
            db.session.commit()
            return _after_sign_in()
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
    pending = pending_sign_in() if not current_user.is_authenticated else None
    if pending is not None:  # leaving half way through signing in
        audit("auth.sign_out", as_user=pending.user, stage=pending.mfa_stage)
    else:
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
            reissue_session()
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


# -- Two-factor sign-in -----------------------------------------------------------------------


def _code_locked(user):
    """The wait after too many wrong codes, in whole minutes (rounded up), or None."""
    until = mfa.locked_until(user)
    if until is None:
        return None
    return int(current_app.config["MFA_LOCKOUT"].total_seconds() // 60)


def _refuse_code(user, form, message, **detail):
    locked = mfa.record_failure(user)
    audit("auth.mfa_refused", as_user=user, record_type="user", record_id=user.id, **detail)
    db.session.commit()
    if not locked:
        form.code.errors.append(message)
    form.code.data = ""


def _signed_in_with(pending, method):
    user = pending.user
    mfa.clear_failures(user)
    complete_sign_in(pending)
    audit("auth.sign_in", second_factor=method)
    db.session.commit()


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(_mfa_rate_limit, methods=["POST"])
def mfa_verify():
    """After a correct password: the code from the authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    pending = pending_sign_in()
    if pending.mfa_stage == "enrol":
        return redirect(url_for("auth.mfa_enrol"))
    user = pending.user
    form = MfaCodeForm()
    if form.validate_on_submit():
        if _code_locked(user) is None:
            if mfa.accept_code(user, form.code.data):
                _signed_in_with(pending, "totp")
                return _after_sign_in()
            _refuse_code(user, form, CODE_FAILED, method="totp")
    elif form.is_submitted():
        form.code.data = ""
    return render_template("auth/mfa_verify.html", form=form, locked_minutes=_code_locked(user))


@bp.route("/two-factor/recovery", methods=["GET", "POST"])
@limiter.limit(_mfa_rate_limit, methods=["POST"])
def mfa_recovery():
    """After a correct password: a recovery code instead, when the app is not to hand."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    pending = pending_sign_in()
    if pending.mfa_stage == "enrol":
        return redirect(url_for("auth.mfa_enrol"))
    user = pending.user
    form = RecoveryCodeForm()
    if form.validate_on_submit() and _code_locked(user) is None:
        if mfa.use_recovery_code(user, form.code.data):
            left = mfa.recovery_codes_left(user)
            _signed_in_with(pending, "recovery_code")
            audit("auth.mfa_recovery_code_used", record_type="user", record_id=user.id, left=left)
            db.session.commit()
            flash(
                f"You used a recovery code. You have {left} left. Make new ones from "
                "your two-factor sign-in settings when you can."
            )
            return _after_sign_in()
        _refuse_code(user, form, RECOVERY_FAILED, method="recovery_code")
    return render_template("auth/mfa_recovery.html", form=form, locked_minutes=_code_locked(user))


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@limiter.limit(_mfa_rate_limit, methods=["POST"])
def mfa_enrol():
    """Set up an authenticator app: at sign-in where it is required, or from the account page."""
    pending = None if current_user.is_authenticated else pending_sign_in()
    if pending is not None and pending.mfa_stage != "enrol":
        return redirect(url_for("auth.mfa_verify"))
    user = pending.user if pending else current_user
    if user.mfa_enrolled:
        return redirect(url_for("auth.mfa_settings"))
    row = pending or _current_session()
    if not row.mfa_pending_secret:
        row.mfa_pending_secret = mfa.new_secret()
        db.session.commit()
    secret = row.mfa_pending_secret
    form = MfaCodeForm()
    if form.validate_on_submit():
        codes = mfa.enrol(user, secret, form.code.data)
        if codes is not None:
            row.mfa_pending_secret = None
            audit("auth.mfa_enrolled", as_user=user, record_type="user", record_id=user.id)
            if pending:
                _signed_in_with(pending, "totp_setup")
            else:
                db.session.commit()
            return render_template("auth/mfa_recovery_codes.html", codes=codes, just_enrolled=True)
        audit("auth.mfa_refused", as_user=user, record_type="user", record_id=user.id, method="totp_setup")
        db.session.commit()
        form.code.errors.append(CODE_FAILED + ": check the time on your phone is right, then try the newest code")
        form.code.data = ""
    uri = mfa.provisioning_uri(secret, user)
    return render_template(
        "auth/mfa_enrol.html",
        form=form,
        qr_code=mfa.qr_code_data_uri(uri),
        secret=mfa.grouped(secret),
        required=current_app.config["MFA_REQUIRED"],
        signing_in=pending is not None,
    )


def _current_session():
    row = g.get("user_session")
    if row is None:  # a signed-in request always has one (security.load_user)
        abort(403)
    return row


@bp.route("/two-factor/settings", methods=["GET", "POST"])
@limiter.limit(_mfa_rate_limit, methods=["POST"])
def mfa_settings():
    """Whether two-factor sign-in is set up; new recovery codes (with a current code)."""
    form = RenewRecoveryCodesForm()
    if current_user.mfa_enrolled and form.validate_on_submit():
        if _code_locked(current_user) is None:
            if mfa.accept_code(current_user, form.code.data):
                mfa.clear_failures(current_user)
                codes = mfa.new_recovery_codes(current_user)
                audit("auth.mfa_recovery_codes_renewed", record_type="user", record_id=current_user.id)
                db.session.commit()
                return render_template("auth/mfa_recovery_codes.html", codes=codes, just_enrolled=False)
            _refuse_code(current_user, form, CODE_FAILED, method="totp")
    return render_template(
        "auth/mfa_settings.html",
        form=form,
        required=current_app.config["MFA_REQUIRED"],
        codes_left=mfa.recovery_codes_left(current_user) if current_user.mfa_enrolled else 0,
        locked_minutes=_code_locked(current_user) if current_user.mfa_enrolled else None,
    )
