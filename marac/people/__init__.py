from flask import Blueprint

bp = Blueprint("people", __name__)

from marac.people import views  # noqa: E402,F401  (registers the routes)
