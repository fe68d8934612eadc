"""The rows a database holds at each revision: for each revision that adds tables or columns, the
rows that fill them, pointing at the rows of the revisions before (fixed ids). Plain SQL through
Database.insert: the models describe only the newest schema. Every name is invented.

A revision's rows must still go in at every later revision: where a later one adds a required
column, the rows here give it a value once the column is there (an action's area).
"""

NOW = "2026-01-05 10:00:00"
LATER = "2026-01-06 09:30:00"

# Ids the revisions' tests refer to.
HOME_AREA, AWAY_AREA = 7, 8
POLICE, HOUSING, IDVA_SERVICE = 3, 4, 5
COORDINATOR, IDVA, HOUSING_REP = 1, 2, 3
HOME_CASE, AWAY_CASE = 21, 22
ASSESSMENT, CORRECTION, LOWERING = 31, 32, 33
REFERRAL, REPEAT, TRANSFER = 41, 42, 43
CLAIMED = 44  # a repeat the referrer claims (e8b4d6f0a2c5)
MEETING, AGENDA_ITEM = 51, 61
HOME_ACTION, AWAY_ACTION = 71, 72
CLOSED_SUPPORT, REOPENED_SUPPORT = 81, 82


def foundation(database):
    """898f17658931: areas, agencies, users and their roles and areas, sessions, audit, throttles."""
    area = {
        "adult_female_population": 52000,
        "meeting_cadence": "fortnightly",
        "dash_high_threshold": 14,
        "dash_medium_threshold": 10,
        "escalation_incident_count": 3,
        "escalation_window_months": 12,
        "is_active": True,
        "created_at": NOW,
        "version": 1,
    }
    database.insert(
        "areas", {"id": HOME_AREA, "name": "Testmoor", **area}, {"id": AWAY_AREA, "name": "Testdale", **area}
    )
    database.insert(
        "agencies",
        *(
            {"id": agency_id, "name": name, "kind": kind, "is_active": True, "created_at": NOW, "version": 1}
            for agency_id, name, kind in (
                (POLICE, "Testmoor Police", "police"),
                (HOUSING, "Testmoor Housing", "housing"),
                (IDVA_SERVICE, "Testmoor IDVA Service", "idva_service"),
            )
        ),
    )
    database.insert(
        "agency_areas",
        *(
            {"agency_id": agency, "area_id": area}
            for agency, area in ((POLICE, 7), (HOUSING, 7), (IDVA_SERVICE, 7), (POLICE, 8))
        ),
    )
    database.insert(
        "users",
        *(
            {
                "id": user_id,
                "email": email,
                "name": name,
                "password_hash": "$argon2id$v=19$not-a-real-hash",
                "agency_id": agency_id,
                "is_active": True,
                "must_change_password": False,
                "created_at": NOW,
                "password_changed_at": NOW,
                "last_sign_in_at": LATER,
                "version": 1,
            }
            for user_id, email, name, agency_id in (
                (COORDINATOR, "coordinator@example.org", "Cora Testcoordinator", POLICE),
                (IDVA, "idva@example.org", "Ivy Testadvocate", IDVA_SERVICE),
                (HOUSING_REP, "housing@example.org", "Hal Testhousing", HOUSING),
            )
        ),
    )
    database.insert(
        "user_roles",
        {"user_id": COORDINATOR, "role": "coordinator"},
        {"user_id": IDVA, "role": "idva"},
        {"user_id": HOUSING_REP, "role": "agency_rep"},
    )
    database.insert(
        "user_areas",
        *(
            {"user_id": user, "area_id": area}
            for user, area in ((COORDINATOR, 7), (COORDINATOR, 8), (IDVA, 7), (HOUSING_REP, 7))
        ),
    )
    database.insert(
        "user_sessions",
        {
            "id": 1,
            "token_hash": "b" * 64,
            "user_id": COORDINATOR,
            "created_at": NOW,
            "last_seen_at": LATER,
            "ended_at": None,
            "end_reason": None,
            "ip_address": "192.0.2.10",
            "user_agent": "Test browser",
        },
    )
    database.insert(
        "audit_events",
        *(
            {
                "id": event_id,
                "occurred_at": NOW,
                "event": event,
                "user_id": COORDINATOR,
                "agency_id": POLICE,
                "roles": "coordinator",
                "ip_address": "192.0.2.10",
                "record_type": record_type,
                "record_id": record_id,
                "detail": {"fields": ["victim_fears"]} if record_id else None,
            }
            for event_id, event, record_type, record_id in (
                (1, "auth.signed_in", None, None),
                (2, "case.viewed", "case", HOME_CASE),
                (3, "case.updated", "case", HOME_CASE),
            )
        ),
    )
    database.insert(
        "login_throttles",
        {"id": 1, "email_hash": "a" * 64, "failure_count": 2, "locked_until": None, "updated_at": NOW},
    )
    database.insert(
        "pending_forms",
        {
            "id": 1,
            "token_hash": "c" * 64,
            "user_id": COORDINATOR,
            "path": "/cases/new",
            "fields": {"victim-first_name": "Ada"},
            "created_at": NOW,
        },
    )


def people_and_cases(database):
    """cbabb43a6760: people (aliases, match keys), cases with their perpetrator, child, agencies,
    an IDVA allocation, and a risk assessment with a correction of it."""
    person = {
        "gender": None,
        "ethnicity": None,
        "disability": None,
        "lgbt": None,
        "language": None,
        "needs_interpreter": False,
        "address": None,
        "postcode": None,
        "is_address_confidential": False,
        "phone": None,
        "is_safe_to_call": None,
        "created_at": NOW,
        "updated_at": NOW,
        "version": 1,
    }
    database.insert(
        "people",
        {
            **person,
            "id": 11,
            "first_name": "Ada",
            "last_name": "Quernmoor",
            "date_of_birth": "1990-03-27",
            "gender": "female",
            "address": "1 Mill Lane, Testtown",
            "postcode": "ZZ1 1AB",
            "is_address_confidential": True,
            "phone": "01632 960 111",
            "is_safe_to_call": True,
        },
        {**person, "id": 12, "first_name": "Percy", "last_name": "Testabuser", "date_of_birth": "1985-07-01"},
        {**person, "id": 13, "first_name": "Cass", "last_name": "Quernmoor", "date_of_birth": "2018-05-02"},
        {**person, "id": 14, "first_name": "Bea", "last_name": "Dalesworth", "date_of_birth": "1979-11-30"},
    )
    database.insert("person_aliases", {"id": 1, "person_id": 11, "first_name": "Addie", "last_name": "Quern"})
    database.insert(
        "person_match_keys", {"person_id": 11, "key": "QRNMR-1990"}, {"person_id": 12, "key": "TSTBSR-1985"}
    )
    case = {"status": "open", "victim_fears": None, "safe_to_share_with": None, "not_safe_to_share_with": None}
    database.insert(
        "cases",
        {
            **case,
            "id": HOME_CASE,
            "area_id": HOME_AREA,
            "victim_id": 11,
            "victim_fears": "That he will find her new address",
            "not_safe_to_share_with": "His mother",
            "created_at": NOW,
            "created_by_id": COORDINATOR,
            "version": 2,
        },
        {
            **case,
            "id": AWAY_CASE,
            "area_id": AWAY_AREA,
            "victim_id": 14,
            "created_at": NOW,
            "created_by_id": None,
            "version": 1,
        },
    )
    database.insert(
        "allocations",
        {
            "id": 1,
            "case_id": HOME_CASE,
            "idva_id": IDVA,
            "started_at": NOW,
            "ended_at": None,
            "allocated_by_id": COORDINATOR,
        },
    )
    database.insert(
        "case_agencies",
        {"case_id": HOME_CASE, "agency_id": POLICE, "since": "2026-01-05", "reason": "referred"},
        {"case_id": HOME_CASE, "agency_id": IDVA_SERVICE, "since": "2026-01-05", "reason": "allocated"},
    )
    database.insert(
        "case_children",
        {
            "id": 1,
            "case_id": HOME_CASE,
            "person_id": 13,
            "relationship_to_victim": "child",
            "relationship_to_perpetrator": "child",
            "school": "Testtown Primary",
        },
    )
    database.insert(
        "case_perpetrators", {"id": 1, "case_id": HOME_CASE, "person_id": 12, "relationship_to_victim": "partner"}
    )
    assessment = {
        "case_id": HOME_CASE,
        "tool": "dash",
        "status": "completed",
        "assessed_on": "2026-01-04",
        "assessor_name": "Pat Constable",
        "agency_id": POLICE,
        "answers": {"1": {"answer": "yes", "source": "victim", "comment": ""}},
        "fears_detail": "Being killed",
        "incidents_in_window": 3,
        "judged_level": None,
        "judgement_reasons": None,
        "score": 15,
        "level": "high",
        "criteria": [["visible_high_risk", "15 ticks"]],
        "source": "Police attendance",
        "rationale": None,
        "created_by_id": COORDINATOR,
        "created_at": NOW,
        "completed_at": NOW,
        "version": 1,
    }
    database.insert(
        "risk_assessments",
        {**assessment, "id": ASSESSMENT, "corrects_id": None, "correction_reason": None},
        {**assessment, "id": CORRECTION, "corrects_id": ASSESSMENT, "correction_reason": "The wrong date was entered"},
    )


def referrals_and_notifications(database):
    """460aee14d9ab: a referral, a repeat of it and a transfer of the repeat; a notification."""
    referral = {
        "status": "submitted",
        "referred_on": "2026-01-05",
        "referring_agency_id": POLICE,
        "referrer_id": COORDINATOR,
        "referrer_name": "Pat Constable",
        "referrer_contact": "01632 960 001",
        "draft": {},
        "criteria": ["visible_high_risk"],
        "is_victim_aware": True,
        "has_consent": True,
        "lawful_basis": "consent",
        "sharing_reason": None,
        "previous_maracs": None,
        "status_reason": None,
        "submitted_at": NOW,
        "decided_at": None,
        "decided_by_id": None,
        "created_at": NOW,
        "version": 1,
    }
    database.insert(
        "referrals",
        {
            **referral,
            "id": REFERRAL,
            "area_id": HOME_AREA,
            "case_id": HOME_CASE,
            "risk_assessment_id": ASSESSMENT,
            "is_repeat": False,
            "repeat_of_id": None,
            "transferred_from_id": None,
        },
        {
            **referral,
            "id": REPEAT,
            "area_id": HOME_AREA,
            "case_id": HOME_CASE,
            "risk_assessment_id": None,
            "is_repeat": True,
            "repeat_of_id": REFERRAL,
            "transferred_from_id": None,
        },
        {
            **referral,
            "id": TRANSFER,
            "area_id": AWAY_AREA,
            "case_id": AWAY_CASE,
            "risk_assessment_id": None,
            "is_repeat": False,
            "repeat_of_id": None,
            "transferred_from_id": REPEAT,
        },
    )
    database.insert(
        "notifications",
        {
            "id": 1,
            "user_id": COORDINATOR,
            "message": "A referral was sent to Testmoor MARAC",
            "link": f"/referrals/{REFERRAL}",
            "created_at": NOW,
            "read_at": None,
        },
    )


def job_runs(database):
    """5b7e2c9d41f3: a finished run of a job."""
    database.insert(
        "job_runs",
        {
            "id": 1,
            "job": "send_reminders",
            "due_at": NOW,
            "started_at": NOW,
            "finished_at": LATER,
            "outcome": "done",
            "detail": {"sent": 2},
            "host": "test-host",
        },
    )


def meetings_and_actions(database):
    """3bc4a4c78e43: a held meeting with its agencies, attendance, a reminder, the home case on
    its list with a research answer, an action agreed there and its history, and an action of the
    away case (no meeting)."""
    database.insert(
        "meetings",
        {
            "id": MEETING,
            "area_id": HOME_AREA,
            "starts_at": "2026-02-03 10:00:00",
            "length_minutes": 120,
            "venue": "Civic Centre",
            "online_link": None,
            "chair_id": COORDINATOR,
            "referral_cut_off": "2026-01-27",
            "status": "held",
            "list_published_at": NOW,
            "held_at": "2026-02-03 12:00:00",
            "minutes_approved_at": None,
            "minutes_approved_by_id": None,
            "minutes_sent_at": None,
            "created_at": NOW,
            "version": 3,
        },
    )
    database.insert(
        "meeting_agencies", {"meeting_id": MEETING, "agency_id": POLICE}, {"meeting_id": MEETING, "agency_id": HOUSING}
    )
    database.insert(
        "attendances",
        {
            "id": 1,
            "meeting_id": MEETING,
            "agency_id": POLICE,
            "person_name": "DS Testsergeant",
            "is_present": True,
            "has_signed_confidentiality": True,
        },
    )
    database.insert(
        "reminders",
        {"id": 1, "kind": "research_due", "due_at": NOW, "meeting_id": MEETING, "agency_id": HOUSING, "sent_at": None},
    )
    database.insert(
        "agenda_items",
        {
            "id": AGENDA_ITEM,
            "meeting_id": MEETING,
            "case_id": HOME_CASE,
            "referral_id": REFERRAL,
            "section": "adults",
            "position": 1,
            "planned_minutes": 10,
            "is_placed_by_hand": False,
            "added_reason": None,
            "removed_at": None,
            "removed_reason": None,
            "discussion": "Locks and a marker agreed",
            "risk_after": "high",
            "discussed_at": "2026-02-03 10:20:00",
            "version": 2,
        },
    )
    database.insert(
        "research_requests",
        {
            "id": 1,
            "agenda_item_id": AGENDA_ITEM,
            "agency_id": HOUSING,
            "status": "submitted",
            "facts": "Tenancy in her name since 2020",
            "opinion": None,
            "answered_by_id": HOUSING_REP,
            "answered_at": NOW,
            "version": 2,
        },
    )
    action = {
        "owner_person": None,
        "protects": "victim",
        "how_known": "Seen by the coordinator",
        "due_on": "2026-02-17",
        "due_reason": None,
        "completed_on": None,
        "evidence": None,
        "status_note": None,
        "created_by_id": COORDINATOR,
        "created_at": NOW,
        "updated_at": NOW,
        "version": 1,
    }
    home_action = {
        **action,
        "id": HOME_ACTION,
        "case_id": HOME_CASE,
        "meeting_id": MEETING,
        "agenda_item_id": AGENDA_ITEM,
        "owner_agency_id": HOUSING,
        "what": "Fit new locks",
        "status": "completed",
        "completed_on": "2026-02-10",
        "evidence": "Locksmith's invoice",
    }
    away_action = {
        **action,
        "id": AWAY_ACTION,
        "case_id": AWAY_CASE,
        "meeting_id": None,
        "agenda_item_id": None,
        "owner_agency_id": POLICE,
        "what": "Flag the address",
        "status": "not_started",
    }
    if "area_id" in database.columns("actions"):  # from b8e3f5a7c9d2 each action carries its case's area
        home_action["area_id"], away_action["area_id"] = HOME_AREA, AWAY_AREA
    database.insert("actions", home_action, away_action)
    database.insert(
        "action_updates",
        {
            "id": 1,
            "action_id": HOME_ACTION,
            "user_id": HOUSING_REP,
            "at": LATER,
            "from_status": "not_started",
            "to_status": "completed",
            "note": "Done",
        },
    )


def idva_caseload(database):
    """a1c0ad5e1f07: a closed IDVA support and the one that reopens it, with a contact, a need, a
    task, an onward referral and a safety plan; the allocation points at the support; an area's
    IDVA capacity and an IDVA's hours."""
    support = {
        "case_id": HOME_CASE,
        "received_at": NOW,
        "opened_at": NOW,
        "opened_by_id": IDVA,
        "triage_due_at": "2026-01-07 10:00:00",
        "first_contact_due_on": "2026-01-08",
        "first_attempt_on": "2026-01-05",
        "first_contact_on": "2026-01-06",
        "next_contact_on": None,
        "review_reminded_for": None,
        "intake_risk_level": "high",
        "intake_abuse_ongoing": True,
        "intake_feels_safe": 2,
        "intake_quality_of_life": 3,
        "intake_recorded_at": NOW,
        "exit_risk_level": None,
        "exit_abuse_ongoing": None,
        "exit_feels_safe": None,
        "exit_quality_of_life": None,
        "satisfaction": None,
        "abuse_stopped": None,
        "risk_reduced": None,
        "feels_safer": None,
        "quality_of_life_improved": None,
        "version": 1,
    }
    closed = {
        "closed_at": "2026-01-20 16:00:00",
        "closed_by_id": IDVA,
        "closure_reason": "disengaged",
        "closure_note": None,
    }
    still_open = {"closed_at": None, "closed_by_id": None, "closure_reason": None, "closure_note": None}
    database.insert(
        "idva_supports",
        {**support, **closed, "id": CLOSED_SUPPORT, "referral_id": REFERRAL, "reopens_id": None},
        {**support, **still_open, "id": REOPENED_SUPPORT, "referral_id": REPEAT, "reopens_id": CLOSED_SUPPORT},
    )
    database.execute("UPDATE allocations SET support_id = :support WHERE id = 1", {"support": REOPENED_SUPPORT})
    database.insert(
        "idva_contacts",
        {
            "id": 1,
            "case_id": HOME_CASE,
            "support_id": REOPENED_SUPPORT,
            "idva_id": IDVA,
            "contacted_at": LATER,
            "method": "phone",
            "outcome": "spoke",
            "is_contact": True,
            "was_safe": True,
            "note": "Agreed a safe time to call",
            "created_at": LATER,
        },
    )
    database.insert(
        "idva_needs",
        {"id": 1, "support_id": REOPENED_SUPPORT, "stage": "intake", "category": "housing", "level": "high"},
    )
    database.insert(
        "idva_tasks",
        {
            "id": 1,
            "case_id": HOME_CASE,
            "support_id": REOPENED_SUPPORT,
            "idva_id": IDVA,
            "kind": "marac_feedback",
            "meeting_id": MEETING,
            "title": "Give the victim feedback from the MARAC meeting",
            "due_on": "2026-02-05",
            "done_at": None,
            "done_by_id": None,
            "created_at": NOW,
        },
    )
    database.insert(
        "onward_referrals",
        {
            "id": 1,
            "case_id": HOME_CASE,
            "support_id": REOPENED_SUPPORT,
            "service": "refuge",
            "referred_on": "2026-01-07",
            "note": None,
            "victim_asked": True,
            "judged_safe": True,
            "created_by_id": IDVA,
            "created_at": NOW,
        },
    )
    database.insert(
        "safety_plans",
        {
            "id": 1,
            "case_id": HOME_CASE,
            "version": 1,
            "review_on": "2026-02-05",
            "home_security": "Locks, a door chain",
            "emergency_plan": "Call 999 and press 55",
            "legal_protection": None,
            "legal_orders": ["non_molestation"],
            "housing": None,
            "children": None,
            "online_safety": "Location sharing off",
            "created_at": NOW,
            "created_by_id": IDVA,
        },
    )
    database.execute("UPDATE areas SET idva_capacity_per_fte = 60 WHERE id = :area", {"area": HOME_AREA})
    database.execute("UPDATE users SET fte = 0.8 WHERE id = :idva", {"idva": IDVA})


def security(database):
    """b2d1be6f2018: a user's second factor and recovery code, a session half signed in, a
    retention review and a legal hold, and one more audit event (the database chains it)."""
    database.execute(
        "UPDATE users SET mfa_secret = :secret, mfa_enrolled_at = :now, mfa_last_step = 59012345 WHERE id = :user",
        {"secret": "JBSWY3DPEHPK3PXP", "now": NOW, "user": COORDINATOR},
    )
    database.execute(
        "UPDATE user_sessions SET mfa_stage = 'setup', mfa_pending_secret = :secret WHERE id = 1",
        {"secret": "KRSXG5CTMVRXEZLU"},
    )
    database.insert(
        "mfa_recovery_codes",
        {"id": 1, "user_id": COORDINATOR, "code_hash": "d" * 64, "created_at": NOW, "used_at": None},
    )
    database.insert(
        "retention_reviews",
        {
            "id": 1,
            "record_type": "case",
            "record_id": AWAY_CASE,
            "area_id": AWAY_AREA,
            "last_activity_at": NOW,
            "flagged_at": LATER,
            "decision": "keep",
            "decided_at": LATER,
            "decided_by_id": COORDINATOR,
            "keep_until": "2027-01-06",
        },
    )
    database.insert(
        "legal_holds",
        {
            "id": 1,
            "record_type": "case",
            "record_id": HOME_CASE,
            "reason": "Criminal proceedings",
            "placed_at": NOW,
            "placed_by_id": COORDINATOR,
            "lifted_at": None,
            "lifted_by_id": None,
        },
    )
    database.insert(
        "audit_events",
        {
            "id": 4,
            "occurred_at": LATER,
            "event": "auth.mfa_enrolled",
            "user_id": COORDINATOR,
            "agency_id": POLICE,
            "roles": "coordinator",
            "ip_address": "192.0.2.10",
            "record_type": None,
            "record_id": None,
            "detail": None,
        },
    )


def api_tokens(database):
    """c3e2cf702129: a partner system's token and a request it sent with an idempotency key."""
    database.insert(
        "api_tokens",
        {
            "id": 1,
            "user_id": COORDINATOR,
            "name": "Police case system",
            "token_hash": "e" * 64,
            "prefix": "marac_ab12",
            "scopes": ["referrals:read", "referrals:write"],
            "created_at": NOW,
            "expires_at": "2026-04-05 10:00:00",
            "last_used_at": LATER,
            "revoked_at": None,
            "revoked_reason": None,
        },
    )
    database.insert(
        "api_idempotency_keys",
        {
            "id": 1,
            "token_id": 1,
            "key": "police-2026-0001",
            "request_hash": "f" * 64,
            "status_code": 201,
            "response": {"id": REFERRAL},
            "location": f"/api/v1/referrals/{REFERRAL}",
            "created_at": LATER,
        },
    )


def area_equality_figures(database):
    """d4a5e0813a3a: the home area's population shares."""
    database.execute(
        "UPDATE areas SET pct_racially_minoritised = 12.5, pct_lgbt = 3.25, pct_disabled = 17.8, pct_male = 4.5, "
        "pct_aged_16_17 = 0.75 WHERE id = :area",
        {"area": HOME_AREA},
    )


def used_form_tokens(database):
    """c4f8a2d6e913: a form the coordinator sent, and where it led."""
    database.insert(
        "used_form_tokens",
        {
            "id": 1,
            "user_id": COORDINATOR,
            "token": "Xq3v" * 10 + "Ab9",
            "location": f"/cases/{HOME_CASE}",
            "created_at": LATER,
        },
    )


def risk_lowered_from(database):
    """d7a3c5e9f1b4: a police DARA that lowered the home case from high, and why."""
    database.insert(
        "risk_assessments",
        {
            "id": LOWERING,
            "case_id": HOME_CASE,
            "tool": "dara",
            "status": "completed",
            "assessed_on": "2026-01-08",
            "assessor_name": "Pat Constable",
            "agency_id": POLICE,
            "answers": {},
            "criteria": [],
            "level": "medium",
            "source": "PC 1234, Northshire Police",
            "rationale": "Perpetrator remanded",
            "lowered_from": "high",
            "what_changed": "The perpetrator is in custody until trial",
            "created_by_id": COORDINATOR,
            "created_at": LATER,
            "completed_at": LATER,
            "version": 1,
        },
    )


def referral_repeat_claim(database):
    """e8b4d6f0a2c5: a referral whose referrer ticked "Repeat", not found on record, to be checked."""
    database.insert(
        "referrals",
        {
            "id": CLAIMED,
            "area_id": HOME_AREA,
            "case_id": HOME_CASE,
            "status": "submitted",
            "referred_on": "2026-02-02",
            "referring_agency_id": POLICE,
            "referrer_id": COORDINATOR,
            "referrer_name": "Pat Constable",
            "referrer_contact": "01632 960 001",
            "draft": {},
            "criteria": ["visible_high_risk", "repeat"],
            "risk_assessment_id": None,
            "is_victim_aware": True,
            "has_consent": True,
            "lawful_basis": "consent",
            "sharing_reason": None,
            "previous_maracs": "Eastshire, about 2024",
            "is_repeat": False,
            "repeat_of_id": None,
            "repeat_claim": "claimed",
            "status_reason": None,
            "transferred_from_id": None,
            "submitted_at": NOW,
            "decided_at": None,
            "decided_by_id": None,
            "created_at": NOW,
            "version": 1,
        },
    )


def minutes_versions(database):
    """e8b2d4f6a1c3: the meeting's minutes corrected: version 1 as sent, with what it said of the
    home case, and version 2 started with what was wrong."""
    database.insert(
        "minutes_versions",
        {
            "id": 1,
            "meeting_id": MEETING,
            "number": 1,
            "reason": None,
            "started_by_id": None,
            "started_at": None,
            "approved_by_id": COORDINATOR,
            "approved_at": "2026-02-04 09:00:00",
            "sent_at": "2026-02-04 10:00:00",
        },
        {
            "id": 2,
            "meeting_id": MEETING,
            "number": 2,
            "reason": "The risk after discussion was recorded wrongly",
            "started_by_id": COORDINATOR,
            "started_at": "2026-02-05 09:00:00",
            "approved_by_id": None,
            "approved_at": None,
            "sent_at": None,
        },
    )
    database.insert(
        "minutes_entries",
        {"id": 1, "version_id": 1, "agenda_item_id": AGENDA_ITEM, "discussion": "Locks agreed", "risk_after": "medium"},
    )


def meeting_drafts_and_victim_views(database):
    """e8b4d2f6a1c3: the coordinator's draft of the home case's notes, and the victim's voice."""
    database.insert(
        "meeting_drafts",
        {
            "id": 1,
            "agenda_item_id": AGENDA_ITEM,
            "user_id": COORDINATOR,
            "discussion": "Bail conditions breached; locks first",
            "item_version": 1,
            "saved_at": LATER,
        },
    )
    database.insert(
        "victim_views",
        {
            "id": 1,
            "case_id": HOME_CASE,
            "wants": "To stay in her home with the locks changed",
            "fears": "That he finds out she spoke to the police",
            "agrees_to_share": "Everything except her new phone number",
            "knows_of_referral": "yes",
            "recorded_by_id": IDVA,
            "agency_id": IDVA_SERVICE,
            "recorded_at": LATER,
        },
    )


def saved_searches(database):
    """b8e2f4a6c1d3: the coordinator's search a moment ago."""
    database.insert(
        "saved_searches",
        {"id": "k3Vq" * 5 + "x9Zb", "user_id": COORDINATOR, "terms": "Quill 14/5/1991", "created_at": LATER},
    )


def notification_delivery(database):
    """e3b19d7c5a20: the IDVA chose a daily digest and has had one; the housing rep the app only."""
    database.execute(
        "UPDATE users SET notification_delivery = 'digest', digest_sent_at = :later WHERE id = :idva",
        {"later": LATER, "idva": IDVA},
    )
    database.execute("UPDATE users SET notification_delivery = 'in_app' WHERE id = :rep", {"rep": HOUSING_REP})


def figure_rollups(database):
    """f3c7a9e1b5d2: the home area's summary rows, as the scheduler builds them."""
    database.insert(
        "rollup_referrals_month", {"area_id": HOME_AREA, "year": 2026, "month": 1, "referrals": 2, "repeats": 1}
    )
    database.insert(
        "rollup_completion_quarter",
        {"area_id": HOME_AREA, "agency_id": POLICE, "year": 2026, "quarter": 1, "completed": 1, "counted": 1},
    )
    counts = dict.fromkeys(
        ("received", "triaged_within_target", "judged", "within_target", "late", "missed", "attempted_within_target")
        + ("closed", "abuse_stopped", "abuse_stopped_measured", "risk_reduced", "risk_reduced_measured")
        + ("feels_safer", "feels_safer_measured", "quality_of_life_improved", "quality_of_life_improved_measured")
        + ("reopened",),
        0,
    )
    database.insert("rollup_supports_day", {"area_id": HOME_AREA, "day": "2026-01-06", **counts, "closed": 1})
    database.insert(
        "rollup_closures_day",
        {
            "id": 1,
            "area_id": HOME_AREA,
            "day": "2026-01-06",
            "closure_reason": "risk_reduced",
            "satisfaction": 4,
            "closed": 1,
        },
    )
    database.insert("rollup_state", {"name": "figures", "built_at": LATER, "built_for": "2026-01-06"})


# The revisions from d4a5e0813a3a to c4f8a2d6e913 add indexes and a column filled from other rows:
# no rows of their own.
LOADERS = {
    "898f17658931": foundation,
    "cbabb43a6760": people_and_cases,
    "460aee14d9ab": referrals_and_notifications,
    "5b7e2c9d41f3": job_runs,
    "3bc4a4c78e43": meetings_and_actions,
    "a1c0ad5e1f07": idva_caseload,
    "b2d1be6f2018": security,
    "c3e2cf702129": api_tokens,
    "d4a5e0813a3a": area_equality_figures,
    "c4f8a2d6e913": used_form_tokens,
    "d7a3c5e9f1b4": risk_lowered_from,
    "e8b4d6f0a2c5": referral_repeat_claim,
    "e8b2d4f6a1c3": minutes_versions,
    "e8b4d2f6a1c3": meeting_drafts_and_victim_views,
    "b8e2f4a6c1d3": saved_searches,
    "e3b19d7c5a20": notification_delivery,
    "f3c7a9e1b5d2": figure_rollups,
}
