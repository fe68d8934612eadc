from flask import Blueprint

bp = Blueprint("cases", __name__)

from marac.cases import views  # noqa: E402,F401  (registers the routes)
