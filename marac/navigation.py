"""The service navigation: each item shows only to users the access policy lets in."""

from flask import request

from marac.security import is_allowed

NAVIGATION = [
    ("Home", "dashboard.index"),
    ("Referrals", "referrals.referral_list"),
    ("Cases", "cases.case_list"),
    ("Meetings", "meetings.meeting_list"),
    ("Actions", "actions.action_list"),
    ("Caseload", "caseload.caseload_list"),
    ("Reports", "reports.index"),
    ("Retention", "admin.retention_list"),
    ("Admin", "admin.index"),
]


def navigation_for(user):
    current_blueprint = request.blueprint
    return [
        {
            "text": text,
            "endpoint": endpoint,
            "active": endpoint.split(".")[0] == current_blueprint,
        }
        for text, endpoint in NAVIGATION
        if is_allowed(user, endpoint)
    ]
