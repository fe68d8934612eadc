from flask import Blueprint

bp = Blueprint("actions", __name__)

from marac.actions import views  # noqa: E402,F401  (registers the routes)
