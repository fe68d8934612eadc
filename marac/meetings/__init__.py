from flask import Blueprint

bp = Blueprint("meetings", __name__)

from marac.meetings import case_list, meeting_mode, minutes, papers, research, views  # noqa: E402,F401  (registers the routes)
