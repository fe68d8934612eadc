from flask import Blueprint

bp = Blueprint("referrals", __name__)

from marac.referrals import views  # noqa: E402,F401  (registers the routes)
