"""The signed-in home page for each role, and the liveness check."""

import sqlalchemy as sa
from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user

from forms.common import ConfirmForm
from marac.dashboard import bp
from marac.services import dashboard, notifications
from models import db


@bp.route("/")
def index():
    return render_template("dashboard/index.html", panels=dashboard.panels_for(current_user))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.route("/notifications", endpoint="notifications")
def notifications_page():
    return render_template(
        "dashboard/notifications.html", rows=notifications.recent(current_user.id), form=ConfirmForm()
    )


@bp.route("/notifications/read", methods=["POST"])
def notifications_read():
    if ConfirmForm().validate_on_submit():
        notifications.mark_all_read(current_user.id)
        db.session.commit()
    return redirect(url_for("dashboard.notifications"))
