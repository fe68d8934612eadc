"""Whether a user may open a link inside the service: the page's access policy and the record its
address names. Notifications are checked with it when they are followed, because a link that was
right when it was made can go stale (a case reallocated to another IDVA, an agency dropped from
a case) and must not end on "Page not found"."""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from marac.security.policy import is_allowed
from marac.services import access

# The record each kind of id in an address names, through the scope its pages use.
RECORDS = {
    "case_id": access.get_visible_case,
    "action_id": access.get_visible_action,
    "meeting_id": access.get_visible_meeting,
    "referral_id": access.get_visible_referral,
}


def may_open(user, link):
    """True when `link` is a page of this service that `user` may open now."""
    parts = urlsplit(link or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return False
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except (HTTPException, RequestRedirect):
        return False
    if not is_allowed(user, endpoint):
        return False
    return all(RECORDS[name](user, value) is not None for name, value in args.items() if name in RECORDS)
