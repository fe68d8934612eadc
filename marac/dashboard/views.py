"""The signed-in home page for each role, and the liveness check."""

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from forms.common import ConfirmForm
from marac.dashboard import bp
from marac.security import may_open
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


@bp.route("/notifications/<int:notification_id>")
def notification_open(notification_id):
    """Follow a notification: to its page if the user may open it now, else back to the list with
    why not (the case may have gone to another IDVA since), never to "Page not found"."""
    note = notifications.own(current_user.id, notification_id)
    if note is None:
        abort(404)
    notifications.mark_read(note)
    db.session.commit()
    if note.link and may_open(current_user, note.link):
        return redirect(note.link)
    flash("That page is no longer yours to open: the record has moved on since this notification was sent.")
    return redirect(url_for("dashboard.notifications"))
