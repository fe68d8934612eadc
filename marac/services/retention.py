"""Retention: finding cases due for review, and anonymising or deleting one when a coordinator
decides to. Nothing here deletes on its own: the scheduled job only flags.

What belongs to a case is worked out from the schema (case_tables.py), so that new tables are
covered without anyone remembering to. The people a case names (victim, perpetrators, children)
go with it only when no other case or record still names them.

Anonymising keeps the skeleton the statistics need (dates, areas, agencies, scores, levels,
categories) and removes what identifies anyone: every text or JSON column of those tables is
listed below as PERSONAL (removed) or KEPT (codes and categories); a test fails for a column in
neither list, so a new free-text field cannot slip through.
"""

import logging
from collections import defaultdict

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app

from marac.services.case_tables import (
    PEOPLE_TABLES,
    activity_columns,
    joined_to_case,
    named_elsewhere,
    owned_tables,
    people_of,
    rows_of_case,
    where_keys,
)
from models import Case, LegalHold, RetentionDecision, RetentionReview, Role, User, db
from models.clock import utcnow
from models.users import UserRole, user_areas

logger = logging.getLogger(__name__)

CASE = "case"
REDACTED = "[anonymised]"

# Text and JSON columns that identify someone or hold free text: removed when anonymising.
PERSONAL = {
    "people": {"first_name", "last_name", "address", "postcode", "phone", "date_of_birth"},
    "cases": {"victim_fears", "safe_to_share_with", "not_safe_to_share_with"},
    "case_children": {"school"},
    "risk_assessments": {
        "assessor_name",
        "answers",
        "fears_detail",
        "judgement_reasons",
        "source",
        "rationale",
        "correction_reason",
        "what_changed",
    },
    "safety_plans": {
        "home_security",
        "emergency_plan",
        "legal_protection",
        "legal_orders",
        "housing",
        "children",
        "online_safety",
    },
    "referrals": {"referrer_name", "referrer_contact", "draft", "sharing_reason", "previous_maracs", "status_reason"},
    "agenda_items": {"added_reason", "removed_reason", "discussion"},
    "minutes_entries": {"discussion"},
    "idva_supports": {"closure_note"},
    "actions": {"owner_person", "what", "how_known", "due_reason", "evidence", "status_note"},
    "idva_contacts": {"note"},
    "idva_tasks": {"title"},
    "onward_referrals": {"note"},
    "research_requests": {"facts", "opinion"},
    "action_updates": {"note"},
    "meeting_drafts": {"discussion"},
    "victim_views": {"wants", "fears", "agrees_to_share"},
}
# Codes and categories, kept: what the quarterly returns and outcome measures count.
KEPT = {
    "people": {"gender", "ethnicity", "disability", "lgbt", "language"},
    "cases": {"status"},
    "case_agencies": {"reason"},
    "case_children": {"relationship_to_victim", "relationship_to_perpetrator"},
    "case_perpetrators": {"relationship_to_victim"},
    "risk_assessments": {"tool", "status", "judged_level", "level", "criteria", "lowered_from"},
    "referrals": {"status", "criteria", "lawful_basis", "repeat_claim"},
    "agenda_items": {"section", "risk_after"},
    "minutes_entries": {"risk_after"},
    "idva_supports": {"intake_risk_level", "closure_reason", "exit_risk_level"},
    "actions": {"protects", "status"},
    "idva_contacts": {"method", "outcome"},
    "idva_needs": {"stage", "category", "level"},
    "idva_tasks": {"kind"},
    "onward_referrals": {"service"},
    "research_requests": {"status"},
    "action_updates": {"from_status", "to_status"},
    "victim_views": {"knows_of_referral"},
}
# Rows removed outright when anonymising (other names a person went by; matching keys).
REMOVED_WHEN_ANONYMISED = {"person_aliases", "person_match_keys"}


def retention_period(record_type=CASE):
    return relativedelta(years=current_app.config["RETENTION_YEARS"][record_type])


def classified_columns():
    """Every text or JSON column of the case's and people's tables, and whether it is classified."""
    tables = db.metadata.tables
    for name in [*owned_tables(), *PEOPLE_TABLES]:
        if name in REMOVED_WHEN_ANONYMISED:
            continue
        for column in tables[name].columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON) or column.name == "date_of_birth":
                yield name, column.name, column.name in PERSONAL.get(name, ()) or column.name in KEPT.get(name, ())


# -- Flagging (the scheduled job) -------------------------------------------------------------


def last_activity(case_id):
    """The latest moment anything was recorded on the case (or None for no such case)."""
    latest = None
    for table, path, column in activity_columns():
        joined, of_case = joined_to_case(table, path, case_id)
        value = db.session.scalar(sa.select(sa.func.max(column)).select_from(joined).where(of_case))
        if value is not None and (latest is None or value > latest):
            latest = value
    return latest


def on_hold(record_type, record_id):
    return (
        db.session.scalar(
            sa.select(LegalHold.id).where(
                LegalHold.record_type == record_type, LegalHold.record_id == record_id, LegalHold.lifted_at.is_(None)
            )
        )
        is not None
    )


def cases_due(now, limit=1000):
    """Ids of cases with nothing recorded since the retention period began, not already waiting
    for a decision, not anonymised, not kept for longer, not on hold."""
    cutoff = now - retention_period()
    query = sa.select(Case.id).where(Case.created_at < cutoff)
    for table, path, column in activity_columns():
        if table.name == "cases":
            query = query.where(sa.or_(column.is_(None), column < cutoff))
        else:
            joined, of_case = joined_to_case(table, path, Case.id)
            query = query.where(~sa.exists(sa.select(1).select_from(joined).where(of_case, column >= cutoff)))
    reviewed = sa.exists().where(
        RetentionReview.record_type == CASE,
        RetentionReview.record_id == Case.id,
        sa.or_(
            RetentionReview.decision.is_(None),
            RetentionReview.decision == RetentionDecision.ANONYMISED,
            sa.and_(RetentionReview.decision == RetentionDecision.KEEP, RetentionReview.keep_until > now.date()),
        ),
    )
    held = sa.exists().where(
        LegalHold.record_type == CASE, LegalHold.record_id == Case.id, LegalHold.lifted_at.is_(None)
    )
    return list(db.session.scalars(query.where(~reviewed, ~held).order_by(Case.id).limit(limit)))


def flag_due_cases(now):
    """The scheduled job: a review row for each case due, and a count to each coordinator of the
    areas concerned. Never deletes or changes a case."""
    from marac.services.notifications import notify_user

    due = cases_due(now)
    per_area = defaultdict(int)
    for case_id in due:
        area_id = db.session.scalar(sa.select(Case.area_id).where(Case.id == case_id))
        db.session.add(
            RetentionReview(
                record_type=CASE,
                record_id=case_id,
                area_id=area_id,
                last_activity_at=last_activity(case_id),
                flagged_at=now,
            )
        )
        per_area[area_id] += 1
    if per_area:
        coordinators = db.session.execute(
            sa.select(User.id, user_areas.c.area_id)
            .join(user_areas, user_areas.c.user_id == User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(user_areas.c.area_id.in_(per_area), UserRole.role == Role.COORDINATOR, User.is_active)
        ).all()
        totals = defaultdict(int)
        for user_id, area_id in coordinators:
            totals[user_id] += per_area[area_id]
        for user_id, count in sorted(totals.items()):
            cases = "1 case is" if count == 1 else f"{count} cases are"
            notify_user(user_id, f"{cases} due for a retention review", "/admin/retention")
    return {"flagged": len(due), "areas": len(per_area)}


# -- The coordinator's decisions --------------------------------------------------------------


class OnHold(Exception):
    """The record is under a legal hold: it cannot be anonymised or deleted."""


def _decide(review, decision, user, now, keep_until=None):
    review.decision = decision
    review.decided_at = now
    review.decided_by_id = user.id
    review.keep_until = keep_until


def keep(review, user, *, years=1, now=None):
    now = now or utcnow()
    _decide(review, RetentionDecision.KEEP, user, now, keep_until=(now + relativedelta(years=years)).date())


def lock_case(case_id):
    """Hold the case's row until the transaction ends (SELECT ... FOR UPDATE): a legal hold placed
    and a deletion or anonymisation of the same case take turns, and the second sees what the first
    did. Returns the case, or None if it is gone."""
    return db.session.scalar(sa.select(Case).where(Case.id == case_id).with_for_update(of=Case))


def _unheld(case_id):
    """Lock the case, then check for a hold: one placed while this request waited counts."""
    lock_case(case_id)
    if on_hold(CASE, case_id):
        raise OnHold(case_id)


def anonymise_case(case_id, *, user=None, review=None, now=None):
    """Remove what identifies anyone from the case, keeping its statistical skeleton.
    Returns counts (rows changed per table). Raises OnHold."""
    _unheld(case_id)
    now = now or utcnow()
    tables = db.metadata.tables
    rows = rows_of_case(case_id)
    people = people_of(rows) - named_elsewhere(people_of(rows), rows)
    counts = {}
    for name, keys in rows.items():
        if not keys or name not in PERSONAL:
            continue
        table = tables[name]
        values = {column: _blank(table.c[column]) for column in PERSONAL[name]}
        db.session.execute(sa.update(table).where(where_keys(table, keys)).values(**values))
        counts[name] = len(keys)
    if people:
        people_table = tables["people"]
        values = {column: _blank(people_table.c[column]) for column in PERSONAL["people"]}
        values["first_name"] = "Anonymised"
        db.session.execute(sa.update(people_table).where(people_table.c.id.in_(people)).values(**values))
        for name in REMOVED_WHEN_ANONYMISED:
            table = tables[name]
            db.session.execute(sa.delete(table).where(table.c.person_id.in_(people)))
        counts["people"] = len(people)
    if review is not None:
        _decide(review, RetentionDecision.ANONYMISED, user, now)
    db.session.flush()
    db.session.expire_all()  # objects loaded before may name rows that are gone or changed
    return counts


def _blank(column):
    """What an anonymised column holds: nothing, or a marker where the column cannot be empty."""
    if column.nullable:
        return None
    if isinstance(column.type, sa.JSON):
        return {}
    if column.name == "last_name":
        return ""
    return REDACTED


def delete_case(case_id, *, user=None, review=None, now=None):
    """Delete the case, everything that belongs to it, and the people only it names.
    Returns counts (rows deleted per table). Raises OnHold."""
    _unheld(case_id)
    now = now or utcnow()
    tables = db.metadata.tables
    rows = rows_of_case(case_id)
    candidates = people_of(rows)
    people = candidates - named_elsewhere(candidates, rows)
    # Rows elsewhere that merely point at rows going away (a later referral naming this one as
    # the one it repeats, an action naming the agenda item): the pointer is cleared.
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            if rows.get(parent) and fk.parent.nullable:
                condition = fk.parent.in_(rows[parent])
                if rows.get(table.name):
                    condition = sa.and_(condition, ~where_keys(table, rows[table.name]))
                db.session.execute(sa.update(table).where(condition).values({fk.parent.name: None}))
    # Inside the case, clear nullable pointers between its own rows, so that no order of deletion
    # trips over a cycle; then delete children before parents.
    for name, keys in rows.items():
        table = tables[name]
        nullable = {
            fk.parent.name: None for fk in table.foreign_keys if fk.parent.nullable and fk.column.table.name in rows
        }
        if keys and nullable:
            db.session.execute(sa.update(table).where(where_keys(table, keys)).values(**nullable))
    counts = {}
    for table in reversed(db.metadata.sorted_tables):
        keys = rows.get(table.name)
        if keys:
            db.session.execute(sa.delete(table).where(where_keys(table, keys)))
            counts[table.name] = len(keys)
    if people:
        for name in ("person_aliases", "person_match_keys"):
            table = tables[name]
            db.session.execute(sa.delete(table).where(table.c.person_id.in_(people)))
        db.session.execute(sa.delete(tables["people"]).where(tables["people"].c.id.in_(people)))
        counts["people"] = len(people)
    if review is not None:
        _decide(review, RetentionDecision.DELETED, user, now)
    db.session.flush()
    db.session.expire_all()  # objects loaded before may name rows that are gone or changed
    return counts


def checkpoint(wait_ms=1000):
    """After a purge on SQLite: copy the WAL into the database file and truncate it, so deleted
    rows do not linger in the write-ahead log (secure_delete already zeroes them in the file).

    It waits at most `wait_ms` for readers to finish; if some are still reading, the rest is left
    to SQLite's own checkpoints (and the next purge's). Returns SQLite's
    (busy, log frames, checkpointed frames), or None on PostgreSQL.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return None
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        result = tuple(cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.close()
    finally:
        raw.close()
    if result[0]:
        logger.warning("WAL checkpoint after a purge was busy; the next one will finish it")
    return result
