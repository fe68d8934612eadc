"""What the caseload pages show: an IDVA's caseload (one row a case, filtered and sorted as the
page asks), and one case's IDVA tab."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from marac.services.caseload.clauses import last_assessment_date, latest_assessment
from marac.services.caseload.support import (
    LEVEL_RANK,
    contacts_of,
    current_allocation,
    current_plan,
    needs_of,
    onward_referrals_of,
    plan_versions,
    supports_of,
)
from marac.services.caseload.targets import Targets, first_contact_due, next_contact_due, review_due
from marac.services.caseload.tasks import tasks_of
from models import AgendaItem, Allocation, Case, Contact, IdvaTask, Meeting, Person, RiskAssessment, Support, User, db
from models.clock import uk_date, utcnow

# -- The caseload page --------------------------------------------------------------------------


@dataclass
class CaseloadRow:
    case_id: int
    victim_name: str
    allocated_at: datetime
    level: str | None
    last_contact_at: datetime | None
    next_contact_on: date
    next_marac_at: datetime | None
    open_tasks: int
    overdue_tasks: int
    review_on: date
    first_contact_due_on: date
    first_contact_on: date | None
    today: date = field(repr=False, default=None)

    @property
    def reference(self):
        return f"C{self.case_id:06d}"

    @property
    def is_contact_overdue(self):
        return self.next_contact_on < self.today

    @property
    def is_review_due(self):
        return self.review_on <= self.today

    @property
    def is_new(self):
        return uk_date(self.allocated_at) > self.today - timedelta(days=NEW_ALLOCATION_DAYS)

    @property
    def is_first_contact_missed(self):
        return self.first_contact_on is None and self.first_contact_due_on < self.today


SORTS = {
    "next_contact": ("Next contact due (soonest first)", lambda row: (row.next_contact_on, row.case_id)),
    "risk": (
        "Risk level (highest first)",
        lambda row: (-LEVEL_RANK.get(row.level, -1), row.next_contact_on, row.case_id),
    ),
    "last_contact": (
        "Last contact (longest ago first)",
        lambda row: (
            row.last_contact_at is not None,
            row.last_contact_at or datetime.min.replace(tzinfo=UTC),
            row.case_id,
        ),
    ),
    "marac": (
        "Next MARAC (soonest first)",
        lambda row: (row.next_marac_at is None, row.next_marac_at or datetime.max.replace(tzinfo=UTC), row.case_id),
    ),
    "tasks": ("Open tasks (most first)", lambda row: (-row.overdue_tasks, -row.open_tasks, row.case_id)),
    "review": ("Risk review due (soonest first)", lambda row: (row.review_on, row.case_id)),
    "allocated": ("Allocated (newest first)", lambda row: (-row.allocated_at.timestamp(), row.case_id)),
}
NEW_ALLOCATION_DAYS = 7  # a "new allocation", on the caseload and the IDVA's home page
FILTERS = {
    "risk": {"high": "High", "medium": "Medium", "standard": "Standard", "none": "No assessment"},
    "contact": {"today": "Contact due today", "overdue": "Contact overdue", "week": "Contact due within 7 days"},
    "tasks": {"open": "With open tasks", "overdue": "With overdue tasks"},
    "review": {"due": "Risk review due"},
    "marac": {"listed": "Listed at a coming MARAC"},
    "allocated": {"week": f"Allocated in the last {NEW_ALLOCATION_DAYS} days"},
}


def caseload_rows(where, idva_id, *, now=None, targets=None):
    """The IDVA's active cases (open allocations) within `where`, each with its risk level, last
    contact, next contact due, next MARAC date, open tasks and risk review date. One query,
    however many cases."""
    now = now or utcnow()
    today = uk_date(now)
    targets = targets or Targets.from_config()
    last_contact = (
        sa.select(sa.func.max(Contact.contacted_at))
        .where(Contact.case_id == Case.id, Contact.is_contact)
        .correlate(Case)
        .scalar_subquery()
    )
    next_marac = (
        sa.select(sa.func.min(Meeting.starts_at))
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == Case.id, AgendaItem.removed_at.is_(None), Meeting.starts_at >= now)
        .correlate(Case)
        .scalar_subquery()
    )
    open_tasks = (
        sa.select(sa.func.count(IdvaTask.id))
        .where(IdvaTask.case_id == Case.id, IdvaTask.done_at.is_(None))
        .correlate(Case)
        .scalar_subquery()
    )
    overdue_tasks = (
        sa.select(sa.func.count(IdvaTask.id))
        .where(IdvaTask.case_id == Case.id, IdvaTask.done_at.is_(None), IdvaTask.due_on < today)
        .correlate(Case)
        .scalar_subquery()
    )
    # An alias: the access clause's own subqueries on allocations must not correlate to this one.
    current = aliased(Allocation)
    rows = db.session.execute(
        sa.select(
            Case.id,
            Person.first_name,
            Person.last_name,
            current.started_at,
            Support.opened_at,
            Support.first_contact_due_on,
            Support.first_contact_on,
            Support.next_contact_on,
            latest_assessment(RiskAssessment.level),
            last_assessment_date(),
            last_contact,
            next_marac,
            open_tasks,
            overdue_tasks,
        )
        .select_from(current)
        .join(Case, Case.id == current.case_id)
        .join(Person, Person.id == Case.victim_id)
        .outerjoin(Support, Support.id == current.support_id)
        .where(current.idva_id == idva_id, current.ended_at.is_(None), where)
    ).all()
    result = []
    for (case_id, first, last, allocated_at, opened_at, due_on, first_contact_on, next_on, level, assessed_on,
         last_contact_at, next_marac_at, tasks, overdue) in rows:  # fmt: skip
        due_on = due_on or first_contact_due(allocated_at, targets)
        result.append(
            CaseloadRow(
                case_id=case_id,
                victim_name=f"{first} {last}",
                allocated_at=allocated_at,
                level=level,
                last_contact_at=last_contact_at,
                next_contact_on=next_contact_due(
                    next_contact_on=next_on,
                    last_contact_at=last_contact_at,
                    first_contact_due_on=due_on,
                    targets=targets,
                ),
                next_marac_at=next_marac_at,
                open_tasks=tasks or 0,
                overdue_tasks=overdue or 0,
                review_on=review_due(
                    last_assessed_on=assessed_on, opened_at=opened_at or allocated_at, targets=targets
                ),
                first_contact_due_on=due_on,
                first_contact_on=first_contact_on,
                today=today,
            )
        )
    return result


def filter_and_sort(
    rows, *, sort="next_contact", risk=None, contact=None, tasks=None, review=None, marac=None, allocated=None
):
    """The caseload as the page's GET parameters ask (unknown values are ignored)."""
    today = rows[0].today if rows else None
    if risk in FILTERS["risk"]:
        rows = [row for row in rows if (row.level or "none") == risk]
    if contact == "today":
        rows = [row for row in rows if row.next_contact_on == today]
    elif contact == "overdue":
        rows = [row for row in rows if row.is_contact_overdue]
    elif contact == "week":
        rows = [row for row in rows if row.next_contact_on <= today + timedelta(days=7)]
    if tasks == "open":
        rows = [row for row in rows if row.open_tasks]
    elif tasks == "overdue":
        rows = [row for row in rows if row.overdue_tasks]
    if review == "due":
        rows = [row for row in rows if row.is_review_due]
    if marac == "listed":
        rows = [row for row in rows if row.next_marac_at is not None]
    if allocated == "week":
        rows = [row for row in rows if row.is_new]
    _label, key = SORTS.get(sort, SORTS["next_contact"])
    return sorted(rows, key=key)


# -- One case's IDVA tab ------------------------------------------------------------------------


def case_summary(case, *, now=None, targets=None):
    """Everything the IDVA tab shows of one case (already checked against the caseload clause)."""
    now = now or utcnow()
    targets = targets or Targets.from_config()
    supports = supports_of(case.id)
    allocation = current_allocation(case.id)
    support = next((s for s in supports if s.closed_at is None), None)
    contacts = contacts_of(case.id)
    last_assessed_on = db.session.scalar(sa.select(last_assessment_date()).where(Case.id == case.id))
    last_contact = next((c.contacted_at for c in contacts if c.is_contact), None)
    user_ids = {c.idva_id for c in contacts} | {allocation.idva_id if allocation else None}
    user_ids |= {s.closed_by_id for s in supports}
    names = (
        dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(user_ids - {None}))).all())
        if user_ids - {None}
        else {}
    )
    summary = {
        "allocation": allocation,
        "idva_name": names.get(allocation.idva_id) if allocation else None,
        "support": support,
        "supports": supports,
        "contacts": contacts,
        "names": names,
        "plan": current_plan(case.id),
        "plan_versions": plan_versions(case.id),
        "needs": needs_of([s.id for s in supports]),
        "onward": onward_referrals_of(case.id),
        "tasks": tasks_of(case.id),
        "today": uk_date(now),
        "last_assessed_on": last_assessed_on,
    }
    if support is not None:
        summary["next_contact_on"] = next_contact_due(
            next_contact_on=support.next_contact_on,
            last_contact_at=last_contact,
            first_contact_due_on=support.first_contact_due_on,
            targets=targets,
        )
        summary["review_on"] = review_due(
            last_assessed_on=last_assessed_on, opened_at=support.opened_at, targets=targets
        )
    return summary


def allocation_summary(case_id):
    """What anyone who can see the case is shown on its IDVA tab: whether an IDVA supports it."""
    row = db.session.execute(
        sa.select(User.name, Allocation.started_at)
        .join(User, User.id == Allocation.idva_id)
        .where(Allocation.case_id == case_id, Allocation.ended_at.is_(None))
        .order_by(Allocation.started_at.desc())
        .limit(1)
    ).first()
    return {"idva_name": row[0], "since": row[1]} if row else None
