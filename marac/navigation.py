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


def _in_section(endpoint):
    """The item of the page's own section; in the dashboard blueprint (home, notifications) only
    the page itself, so that "Home" is not marked on the notifications page."""
    blueprint = endpoint.split(".")[0]
    if blueprint == "dashboard":
        return request.endpoint == endpoint
    return blueprint == request.blueprint


def navigation_for(user):
    return [
        {
            "text": text,
            "endpoint": endpoint,
            "active": _in_section(endpoint),
            "current": request.endpoint == endpoint,
        }
        for text, endpoint in NAVIGATION
        if is_allowed(user, endpoint)
    ]
