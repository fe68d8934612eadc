"""The signed-in home page for each role, and the liveness check."""

import sqlalchemy as sa
from flask import jsonify, render_template
from flask_login import current_user

from marac.dashboard import bp
from marac.services import dashboard
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
