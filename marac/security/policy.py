"""The endpoint access policy: which roles may reach each endpoint.

Deny by default: every endpoint must appear in ACCESS_POLICY, and a test walks the URL map to
make sure none is missing. Record-level rules (which cases, which actions) live in the services.
"""

from marac.services.access import (
    ACTION_VIEWERS,
    CASE_AUDITORS,
    CASE_EDITORS,
    CASE_VIEWERS,
    CONFIDENTIAL_READERS,
    COORDINATORS,
    IDVA_MANAGERS,
    IDVA_WORKERS,
    MEETING_RUNNERS,
    MEETING_VIEWERS,
    REFERRERS,
    REPORT_VIEWERS,
    RESEARCHERS,
    RISK_ASSESSORS,
)
from models import Role

PUBLIC = "public"  # no sign-in needed
SIGNED_IN = "signed in"  # any signed-in user
# Any signed-in user, and also someone half signed in: right password, second factor to come.
# Only the two-factor pages and sign-out.
SIGNING_IN = "signing in"

ADMIN = frozenset({Role.ADMIN})

ACCESS_POLICY = {
    "static": PUBLIC,
    "dashboard.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNING_IN,
    "auth.mfa_verify": SIGNING_IN,
    "auth.mfa_recovery": SIGNING_IN,
    "auth.mfa_enrol": SIGNING_IN,
    "auth.mfa_settings": SIGNED_IN,
    "admin.user_reset_mfa": ADMIN,
    "admin.retention_list": COORDINATORS,
    "admin.retention_decide": COORDINATORS,
    "admin.legal_hold_place": COORDINATORS,
    "admin.legal_hold_lift": COORDINATORS,
    "auth.change_password": SIGNED_IN,
    "auth.resume_form": SIGNED_IN,
    "dashboard.index": SIGNED_IN,
    "admin.index": ADMIN,
    "admin.areas": ADMIN,
    "admin.area_new": ADMIN,
    "admin.area_edit": ADMIN,
    "admin.agencies": ADMIN,
    "admin.agency_new": ADMIN,
    "admin.agency_edit": ADMIN,
    "admin.users": ADMIN,
    "admin.user_new": ADMIN,
    "admin.user_edit": ADMIN,
    "admin.user_reset_password": ADMIN,
    "admin.user_end_sessions": ADMIN,
    "admin.audit_log": ADMIN,
    "cases.case_list": CASE_VIEWERS,
    "cases.case_new": CASE_EDITORS,
    "cases.case_overview": CASE_VIEWERS,
    "cases.case_notes": CASE_EDITORS,
    "cases.victim_view": REFERRERS,  # narrowed to the IDVA, or the referrer without one: access.records_victim_view
    "cases.person_edit": CASE_EDITORS,
    "cases.perpetrator_add": CASE_EDITORS,
    "cases.child_add": CASE_EDITORS,
    "cases.address_reveal": CONFIDENTIAL_READERS,
    "cases.case_risk": CASE_VIEWERS,
    "cases.assessment_new": RISK_ASSESSORS,
    "cases.assessment_view": CASE_VIEWERS,
    "cases.other_tool_new": RISK_ASSESSORS,
    "cases.case_tab": CASE_VIEWERS,
    "cases.case_history": CASE_VIEWERS,
    "cases.case_actions": CASE_VIEWERS,
    "cases.case_timeline": CASE_VIEWERS,
    "cases.case_audit": CASE_AUDITORS,
    "cases.person_search": CASE_VIEWERS,
    "cases.search_results": CASE_VIEWERS,
    "referrals.referral_list": REFERRERS,
    "referrals.referral_list_csv": REFERRERS,
    "referrals.referral_new": REFERRERS,
    "referrals.referral_edit": REFERRERS,
    "referrals.referral_match": REFERRERS,
    "referrals.referral_dash": REFERRERS,
    "referrals.referral_check": REFERRERS,
    "referrals.referral_sent": REFERRERS,
    "referrals.referral_view": REFERRERS,
    "referrals.referral_decide": COORDINATORS,
    "referrals.referral_link": COORDINATORS,
    "referrals.referral_repeat_claim": COORDINATORS,
    "referrals.referral_reply": REFERRERS,
    "referrals.twelve_months": COORDINATORS,
    "meetings.meeting_list": MEETING_VIEWERS,
    "meetings.schedule": COORDINATORS,
    "meetings.meeting_view": MEETING_VIEWERS,
    "meetings.build_list": COORDINATORS,
    "meetings.move_item": COORDINATORS,
    "meetings.add_case": COORDINATORS,
    "meetings.remove_item": COORDINATORS,
    "meetings.set_minutes": COORDINATORS,
    "meetings.publish": COORDINATORS,
    "meetings.research_grid": MEETING_RUNNERS,
    "meetings.research_answer": RESEARCHERS,
    "meetings.research_to_answer": RESEARCHERS,
    "meetings.attendance": MEETING_RUNNERS,
    "meetings.run_item": MEETING_RUNNERS,
    "meetings.save_draft": MEETING_RUNNERS,
    "meetings.mark_held": MEETING_RUNNERS,
    "meetings.approve": frozenset({Role.CHAIR}),
    "meetings.send_minutes": COORDINATORS,
    "meetings.correct_minutes": COORDINATORS,
    "meetings.minutes_version": MEETING_RUNNERS,
    "meetings.case_list_pdf": MEETING_VIEWERS,
    "meetings.minutes_pdf": MEETING_RUNNERS,
    "meetings.agency_actions_pdf": MEETING_VIEWERS,
    "meetings.calendar": MEETING_VIEWERS,
    "actions.action_list": ACTION_VIEWERS,
    "actions.action_list_csv": ACTION_VIEWERS,
    "actions.overview": COORDINATORS,
    "actions.action_view": ACTION_VIEWERS,
    "reports.index": REPORT_VIEWERS,
    "reports.data_return": REPORT_VIEWERS,
    "reports.data_return_csv": REPORT_VIEWERS,
    "reports.data_return_pdf": REPORT_VIEWERS,
    "caseload.caseload_list": IDVA_WORKERS,
    "caseload.caseload_csv": IDVA_WORKERS,
    "caseload.team": IDVA_MANAGERS,
    "caseload.allocate": IDVA_MANAGERS,
    "caseload.contact_new": IDVA_WORKERS,
    "caseload.safety_plan": IDVA_WORKERS,
    "caseload.intake": IDVA_WORKERS,
    "caseload.onward_referral_new": IDVA_WORKERS,
    "caseload.close": IDVA_WORKERS,
    "caseload.task_done": IDVA_WORKERS,
    "caseload.idva_fte": IDVA_MANAGERS,
    "dashboard.notifications": SIGNED_IN,
    "dashboard.notifications_read": SIGNED_IN,
    "dashboard.notification_settings": SIGNED_IN,  # the user's own
    "dashboard.notification_open": SIGNED_IN,  # the user's own, and only to a page they may open
    # Partner systems' API tokens (marac/api/token_pages.py): a user's own tokens.
    "api_tokens.token_list": SIGNED_IN,
    "api_tokens.token_revoke": SIGNED_IN,
    # The partner systems' API (/api/v1, marac/api): a bearer token with the endpoint's scope,
    # and the same roles as the web pages. See marac/api/gate.py.
    "api.referral_create": REFERRERS,
    "api.referral_list": REFERRERS,
    "api.referral_view": REFERRERS,
    "api.meeting_list": MEETING_VIEWERS,
    "api.meeting_view": MEETING_VIEWERS,
    "api.action_list": ACTION_VIEWERS,
    "api.action_view": ACTION_VIEWERS,
    "api.action_status": ACTION_VIEWERS,
    "api.quarterly_stats": frozenset({Role.COORDINATOR, Role.STEERING, Role.IDVA_MANAGER}),  # as the reports
    "api.openapi_document": SIGNED_IN,
}

# Pages a user who must change their password can still reach.
PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "static", "dashboard.healthz"}


def is_allowed(user, endpoint):
    rule = ACCESS_POLICY.get(endpoint)
    if rule == PUBLIC:
        return True
    if rule is None or not user.is_authenticated:
        return False
    return rule in (SIGNED_IN, SIGNING_IN) or user.has_role(*rule)
