"""A case's timeline: what happened to the victim, newest first, in one place.

Each kind of entry is shown only if the user may see its record, by the same rule the page of
that record uses (one rule per kind, below in KIND_RULES' docstrings): referrals, triage and
transfers through access.visible_referrals; risk assessments to everyone who sees the case (as
its Risk tab); meetings as the MARAC history tab; actions through access.visible_actions; the
IDVA's allocation to everyone who sees the case (as its IDVA tab says who supports it); the IDVA
work itself (contacts, safety plans, needs, closure and reopening) through access.caseload_cases.
The entries carry labels and codes; typed text only where the record's own page shows it.

A fixed number of queries, however long the case's history.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marac.services import access, actions, case_history
from marac.services.caseload import support as idva_support
from models import Allocation, Area, Contact, RiskAssessment, SafetyPlan, User, db
from models.actions import ACTION_STATUS_LABELS, ActionStatus
from models.caseload import (
    CLOSURE_REASON_LABELS,
    CONTACT_METHOD_LABELS,
    CONTACT_OUTCOME_LABELS,
    NEED_CATEGORIES,
    NEED_LEVELS,
    NeedStage,
)
from models.clock import UK, uk_today
from models.referrals import Referral, ReferralStatus
from models.risk import AssessmentStatus, RiskLevel

# The kinds a user may filter by, in the order the filter lists them.
KINDS = {
    "referral": "Referrals",
    "triage": "Triage decisions",
    "transfer": "Transfers between areas",
    "risk": "Risk assessments",
    "meeting": "MARAC meetings",
    "action": "Actions",
    "allocation": "IDVA allocation",
    "contact": "Contacts and attempts",
    "safety_plan": "Safety plans",
    "needs": "Needs at intake and exit",
    "support": "IDVA support closed and reopened",
}

DECISIONS = {
    ReferralStatus.ACCEPTED: "Referral {} accepted for MARAC",
    ReferralStatus.DECLINED: "Referral {} declined",
    ReferralStatus.MORE_INFORMATION: "More information asked for referral {}",
    ReferralStatus.TRANSFERRED: "Referral {} transferred to another area's MARAC",
}


@dataclass(frozen=True)
class Entry:
    kind: str
    when: date | datetime  # a day, or a moment (shown with its time)
    title: str
    byline: str | None = None
    detail: str | None = None  # written by the service from codes and labels
    typed: str | None = None  # text someone typed, shown as its record's page shows it
    link: tuple | None = None  # (endpoint, {arguments}) of the record's page

    @property
    def at(self):
        """When, as a moment: a day's entries sort at the start of that UK day."""
        if isinstance(self.when, datetime):
            return self.when
        return datetime.combine(self.when, time(0, 0), tzinfo=UK)

    @property
    def has_time(self):
        return isinstance(self.when, datetime)


def kinds_from(values):
    """The kinds asked for (from the page's GET filter), unknown ones ignored; all when none."""
    chosen = [kind for kind in KINDS if kind in set(values)]
    return chosen or list(KINDS)


def entries(case, user, kinds=None, today=None):
    """The timeline of the case as this user may see it, newest first, of the kinds asked for."""
    kinds = set(kinds or KINDS)
    today = today or uk_today()
    found = []
    if kinds & {"referral", "triage", "transfer"}:
        found += _referrals(case, user)
    if "risk" in kinds:
        found += _risk(case)
    if "meeting" in kinds:
        found += _meetings(case, user)
    if "action" in kinds:
        found += _actions(case, user, today)
    if "allocation" in kinds:
        found += _allocations(case)
    if kinds & {"contact", "safety_plan", "needs", "support"} and access.works_on_caseload(user, case):
        found += _idva_work(case, kinds)
    found = [entry for entry in found if entry.kind in kinds]
    return sorted(found, key=lambda entry: entry.at, reverse=True)


def _referrals(case, user):
    """Rule: access.visible_referrals, as the referral's page."""
    referrals = db.session.scalars(
        sa.select(Referral)
        .where(Referral.case_id == case.id, Referral.status != ReferralStatus.DRAFT, access.visible_referrals(user))
        .options(selectinload(Referral.referring_agency))
    ).all()
    from_ids = {r.transferred_from_id for r in referrals if r.transferred_from_id}
    from_areas = {}
    if from_ids:
        from_areas = dict(
            db.session.execute(
                sa.select(Referral.id, Area.name)
                .join(Area, Area.id == Referral.area_id)
                .where(Referral.id.in_(from_ids))
            ).all()
        )
    link = lambda r: ("referrals.referral_view", {"referral_id": r.id})  # noqa: E731
    found = []
    for r in referrals:
        sent = r.submitted_at or r.referred_on
        if r.transferred_from_id:
            area = from_areas.get(r.transferred_from_id, "another area")
            found.append(Entry("transfer", sent, f"Referral {r.reference} transferred in from {area}", link=link(r)))
        elif sent:
            title = f"Repeat referral {r.reference} sent" if r.is_repeat else f"Referral {r.reference} sent"
            found.append(Entry("referral", sent, title, byline=r.referring_agency.name, link=link(r)))
        if r.decided_at and r.status in DECISIONS:
            kind = "transfer" if r.status == ReferralStatus.TRANSFERRED else "triage"
            found.append(Entry(kind, r.decided_at, DECISIONS[r.status].format(r.reference), link=link(r)))
    return found


def _level_label(level):
    return RiskLevel(level).label.lower() if level else "no"


def _risk(case):
    """Rule: everyone who sees the case (its Risk tab). Completed results, oldest first to find
    the changes of level; a corrected result gives way to its correction."""
    done = db.session.scalars(
        sa.select(RiskAssessment)
        .where(RiskAssessment.case_id == case.id, RiskAssessment.status == AssessmentStatus.COMPLETED)
        .options(selectinload(RiskAssessment.agency))
        .order_by(RiskAssessment.assessed_on, RiskAssessment.completed_at, RiskAssessment.id)
    ).all()
    corrected = {a.corrects_id for a in done if a.corrects_id}
    found, level = [], None
    for a in done:
        score = f"{a.score} of 24, " if a.score is not None else ""
        detail = f"{score}{_level_label(a.level)} risk"
        if a.corrects_id:
            detail += ", correcting an earlier result"
        if a.id not in corrected and a.level and level and a.level != level:
            detail += f". Risk level changed from {_level_label(level)} to {_level_label(a.level)}"
        if a.id not in corrected and a.level:
            level = a.level
        found.append(
            Entry(
                "risk",
                a.assessed_on or a.completed_at,
                a.tool_label,
                byline=a.agency.name if a.agency else a.assessor_name,
                detail=detail,
                typed=a.what_changed if a.lowered_from else None,  # as the case's header shows it
                link=("cases.assessment_view", {"case_id": case.id, "assessment_id": a.id}),
            )
        )
    return found


def _meetings(case, user):
    """Rule: as the MARAC history tab (access.visible_meetings for the link to the meeting)."""
    found = []
    for entry in case_history.listings(case, user, details=False):
        meeting, day = entry.meeting, entry.meeting.starts_at
        link = ("meetings.meeting_view", {"meeting_id": meeting.id}) if entry.meeting_visible else None
        if meeting.list_published_at:
            found.append(
                Entry(
                    "meeting",
                    meeting.list_published_at,
                    "Listed for a MARAC meeting",
                    link=link,
                    detail=f"Meeting of {day.astimezone(UK).day} {day.astimezone(UK):%B %Y}",
                )
            )
        if entry.heard:
            after = f"Risk after discussion: {_level_label(entry.item.risk_after)}" if entry.item.risk_after else None
            found.append(Entry("meeting", entry.item.discussed_at, "Discussed at MARAC", detail=after, link=link))
        elif meeting.held_at:
            found.append(Entry("meeting", meeting.held_at, "Listed but not discussed at MARAC", link=link))
    return found


def _actions(case, user, today):
    """Rule: access.visible_actions (an agency's own only), as the action list. Each entry names
    the agency that owns the action; an update is by the person who made it."""
    found = []
    rows = case_history.case_actions(case, user, today)
    names = actions.names_in([update for row in rows for update in row.history])
    for row in rows:
        action = row.action
        link = ("actions.action_view", {"action_id": action.id})
        owner = f"Owner: {action.owner_agency.name}"
        found.append(
            Entry(
                "action",
                action.created_at,
                f"Action {action.reference} agreed",
                detail=owner,
                typed=action.what,
                link=link,
            )
        )
        for update in reversed(row.history):
            if update.from_status is None:
                continue  # the update that agreed it
            title = (
                f"Action {action.reference} completed"
                if update.to_status == ActionStatus.COMPLETED
                else f"Action {action.reference}: {ACTION_STATUS_LABELS.get(update.to_status, update.to_status)}"
            )
            found.append(Entry("action", update.at, title, byline=names.get(update.user_id), detail=owner, link=link))
        if row.overdue:
            found.append(
                Entry(
                    "action",
                    action.due_on + timedelta(days=1),
                    f"Action {action.reference} overdue",
                    detail=f"Due {action.due_on.day} {action.due_on:%B %Y}. {owner}",
                    link=link,
                )
            )
    return found


def _allocations(case):
    """Rule: everyone who sees the case (its IDVA tab says who supports it)."""
    rows = db.session.execute(
        sa.select(Allocation.started_at, Allocation.ended_at, User.name)
        .join(User, User.id == Allocation.idva_id)
        .where(Allocation.case_id == case.id)
    ).all()
    found = []
    for started_at, ended_at, name in rows:
        found.append(Entry("allocation", started_at, "Allocated to an IDVA", detail=name))
        if ended_at:
            found.append(Entry("allocation", ended_at, "IDVA allocation ended", detail=name))
    return found


def _needs_text(levels):
    return "; ".join(
        f"{NEED_CATEGORIES[c]}: {NEED_LEVELS.get(levels[c], levels[c]).lower()}" for c in NEED_CATEGORIES if c in levels
    )


def _idva_work(case, kinds):
    """Rule: access.caseload_cases (works_on_caseload), as the IDVA tab's detail."""
    found = []
    link = ("cases.case_tab", {"case_id": case.id, "tab": "idva"})
    supports = idva_support.supports_of(case.id)
    if "contact" in kinds:
        for contact in db.session.scalars(sa.select(Contact).where(Contact.case_id == case.id)):
            title = "Contact with the victim" if contact.is_contact else "Attempt to contact the victim"
            detail = (
                f"{CONTACT_METHOD_LABELS.get(contact.method, contact.method)}: "
                f"{CONTACT_OUTCOME_LABELS.get(contact.outcome, contact.outcome)}"
            )
            found.append(Entry("contact", contact.contacted_at, title, detail=detail, link=link))
    if "safety_plan" in kinds:
        for plan in db.session.scalars(sa.select(SafetyPlan).where(SafetyPlan.case_id == case.id)):
            title = "Safety plan made" if plan.version == 1 else f"Safety plan reviewed (version {plan.version})"
            detail = f"Next review {plan.review_on.day} {plan.review_on:%B %Y}"
            found.append(Entry("safety_plan", plan.created_at, title, detail=detail, link=link))
    if "needs" in kinds:
        needs = idva_support.needs_of([s.id for s in supports])
        for s in supports:
            stages = needs.get(s.id, {})
            if stages.get(NeedStage.INTAKE) and s.intake_recorded_at:
                found.append(
                    Entry(
                        "needs",
                        s.intake_recorded_at,
                        "Needs at intake",
                        detail=_needs_text(stages[NeedStage.INTAKE]),
                        link=link,
                    )
                )
            if stages.get(NeedStage.EXIT) and s.closed_at:
                found.append(
                    Entry("needs", s.closed_at, "Needs at exit", detail=_needs_text(stages[NeedStage.EXIT]), link=link)
                )
    if "support" in kinds:
        for s in supports:
            if s.reopens_id:
                found.append(Entry("support", s.opened_at, "IDVA support reopened", link=link))
            if s.closed_at:
                reason = CLOSURE_REASON_LABELS.get(s.closure_reason, s.closure_reason)
                found.append(Entry("support", s.closed_at, "IDVA support closed", detail=reason, link=link))
    return found
