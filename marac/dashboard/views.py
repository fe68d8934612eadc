"""The signed-in home page for each role, and the liveness check."""

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from forms.common import ConfirmForm
from forms.notifications import NotificationSettingsForm
from marac.dashboard import bp
from marac.security import audit, may_open
from marac.services import dashboard, notifications
from models import db
from models.users import NotificationDelivery


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
        "dashboard/notifications.html",
        rows=notifications.recent(current_user.id),
        form=ConfirmForm(),
        delivery_label=NotificationDelivery(current_user.notification_delivery).label.lower(),
    )


@bp.route("/notifications/settings", methods=["GET", "POST"])
def notification_settings():
    """In the app only, by email as each happens, or a daily digest: the user's own choice."""
    form = NotificationSettingsForm(data={"delivery": current_user.notification_delivery})
    if form.validate_on_submit():
        notifications.set_delivery(current_user, form.delivery.data)
        audit(
            "account.notifications_changed", record_type="user", record_id=current_user.id, delivery=form.delivery.data
        )
        db.session.commit()
        flash("Your notification settings are saved.", "success")
        return redirect(url_for("dashboard.notifications"))
    return render_template("dashboard/notification_settings.html", form=form)


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
