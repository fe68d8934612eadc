"""The IDVA's tasks (feedback to the victim after MARAC) and the daily risk review reminders."""

from collections import defaultdict

import sqlalchemy as sa

from marac.services.caseload.clauses import last_assessment_date
from marac.services.caseload.support import ensure_support
from marac.services.caseload.targets import Targets, feedback_due, review_due
from marac.services.notifications import notify_user
from models import AgendaItem, Allocation, Case, IdvaTask, Support, TaskKind, db
from models.clock import uk_date, utcnow

# -- Tasks --------------------------------------------------------------------------------------


def create_feedback_tasks(meeting, *, targets=None):
    """After a meeting is held: for each case heard, a task to give the victim feedback within the
    target, for the case's IDVA (told by a notification naming the case, not the person). A case
    with no IDVA yet gets the task unassigned; its IDVA sees it once allocated. Idempotent."""
    targets = targets or Targets.from_config()
    day = uk_date(meeting.starts_at)
    due = feedback_due(day, targets)
    case_ids = list(
        db.session.scalars(
            sa.select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id, AgendaItem.removed_at.is_(None))
        )
    )
    if not case_ids:
        return []
    have = set(
        db.session.scalars(
            sa.select(IdvaTask.case_id).where(
                IdvaTask.meeting_id == meeting.id,
                IdvaTask.kind == TaskKind.MARAC_FEEDBACK,
                IdvaTask.case_id.in_(case_ids),
            )
        )
    )
    allocations = {
        case_id: (idva_id, support_id)
        for case_id, idva_id, support_id in db.session.execute(
            sa.select(Allocation.case_id, Allocation.idva_id, Allocation.support_id).where(
                Allocation.case_id.in_(case_ids), Allocation.ended_at.is_(None)
            )
        )
    }
    made = []
    for case_id in case_ids:
        if case_id in have:
            continue
        idva_id, support_id = allocations.get(case_id, (None, None))
        task = IdvaTask(
            case_id=case_id,
            support_id=support_id,
            idva_id=idva_id,
            kind=TaskKind.MARAC_FEEDBACK,
            meeting_id=meeting.id,
            title=f"Give the victim feedback from the MARAC meeting of {day.day} {day:%B %Y}",
            due_on=due,
        )
        db.session.add(task)
        made.append(task)
        if idva_id:
            notify_user(
                idva_id,
                f"Case C{case_id:06d} was heard at MARAC: give the victim feedback by {due.day} {due:%B %Y}",
                f"/cases/{case_id}/idva",
            )
    return made


def tasks_of(case_id):
    """Open tasks first (soonest due), then done ones."""
    return db.session.scalars(
        sa.select(IdvaTask)
        .where(IdvaTask.case_id == case_id)
        .order_by(IdvaTask.done_at.is_not(None), IdvaTask.due_on, IdvaTask.id)
    ).all()


def complete_task(task, user, *, now=None):
    """Done once: a second click, or a colleague at the same moment, changes nothing."""
    db.session.execute(
        sa.update(IdvaTask)
        .where(IdvaTask.id == task.id, IdvaTask.done_at.is_(None))
        .values(done_at=now or utcnow(), done_by_id=user.id)
    )


# -- Risk reviews -------------------------------------------------------------------------------


def risk_review_reminders(now):
    """Scheduled daily: tell each IDVA how many of their cases are due a risk review (every
    IDVA_RISK_REVIEW_WEEKS weeks), once per due date. A count and a link, naming no one."""
    targets = Targets.from_config()
    today = uk_date(now)
    backfilled = _backfill_supports(targets)
    rows = db.session.execute(
        sa.select(Support, Allocation.idva_id, last_assessment_date())
        .join(Allocation, Allocation.support_id == Support.id)
        .join(Case, Case.id == Support.case_id)
        .where(Allocation.ended_at.is_(None), Support.closed_at.is_(None))
    ).all()
    per_idva = defaultdict(int)
    for support, idva_id, last_assessed_on in rows:
        due = review_due(last_assessed_on=last_assessed_on, opened_at=support.opened_at, targets=targets)
        if due <= today and (support.review_reminded_for is None or support.review_reminded_for < due):
            # Written past the ORM: the scheduler's note is no edit of the support, and must not
            # move its version on (an IDVA with its form open would be told someone else saved it).
            db.session.execute(
                sa.update(Support).where(Support.id == support.id).values(review_reminded_for=due),
                execution_options={"synchronize_session": False},
            )
            per_idva[idva_id] += 1
    for idva_id, count in per_idva.items():
        notify_user(
            idva_id,
            f"{count} {'case' if count == 1 else 'cases'} on your caseload "
            f"{'is' if count == 1 else 'are'} due a risk review",
            "/caseload/?sort=review",
        )
    return {"idvas": len(per_idva), "cases": sum(per_idva.values()), "supports_added": backfilled}


def _backfill_supports(targets):
    """Open allocations made without a support (cases opened by an IDVA): give them one."""
    orphans = db.session.execute(
        sa.select(Allocation, Case)
        .join(Case, Case.id == Allocation.case_id)
        .where(Allocation.ended_at.is_(None), Allocation.support_id.is_(None))
    ).all()
    for allocation, case in orphans:
        ensure_support(case, allocation, targets=targets)
    return len(orphans)
