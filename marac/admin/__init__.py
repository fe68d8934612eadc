from flask import Blueprint

bp = Blueprint("admin", __name__)

from marac.admin import retention, views  # noqa: E402,F401  (registers the routes)
