from flask import Blueprint

bp = Blueprint("caseload", __name__)

from marac.caseload import views  # noqa: E402,F401  (registers the routes)
