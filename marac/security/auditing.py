"""Audit events of the signed-in user and this request, and why a document is downloaded."""

from flask import request
from flask_login import current_user

from marac.services import audit as audit_service


def audit(event, *, as_user=None, **kwargs):
    """Record an audit event for the current user and request (see services.audit.record).
    `as_user`: someone not (yet) signed in, such as a user half way through signing in."""
    user = as_user or (current_user if current_user.is_authenticated else None)
    audit_service.record(event, user=user, ip_address=request.remote_addr, **kwargs)


# Why a document is being downloaded (?reason=CODE on an export's address), kept in its audit
# event. Codes only: the address is logged by proxies, so it never carries free text. Optional
# for now; a page that asks for it can make it required later.
EXPORT_REASONS = {
    "meeting": "Preparing for or taking part in the meeting",
    "actions": "Carrying out our agency's actions",
    "safeguarding": "A safeguarding referral",
    "legal": "Court or other legal proceedings",
    "statutory_return": "A statutory data return",
    "other": "Another reason",
}


def export_reason():
    """{"reason": code} for the audit event of a download, or {} when none (or an unknown one) was given."""
    code = request.args.get("reason", "")
    return {"reason": code} if code in EXPORT_REASONS else {}
