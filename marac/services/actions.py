"""SMART actions: agreeing them at the meeting, who may change them, and their history."""

import re

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import selectinload

from marac.services import date_rules
from marac.services.cases import involve_agency
from marac.services.meetings import reps_of
from marac.services.notifications import tell
from models import Action, ActionStatus, ActionUpdate, Agency, Meeting, Role, User, db
from models.actions import OPEN_STATUSES
from models.clock import last_quarters, quarter_bounds, quarter_of, uk_date, uk_today

# A bare instruction to watch is not an action: say what will be done and how.
VAGUE = re.compile(
    r"^\s*(to\s+)?(monitor|be aware|note|noted|keep in mind|share information|for information)\W*$", re.IGNORECASE
)
DUE_REASON_AFTER = relativedelta(months=3)


def smart_problems(data, meeting_day):
    """{field: message} for an action that is not SMART. `data` has the form's answers."""
    problems = {}
    if not data.get("owner_agency_id"):
        problems["owner_agency_id"] = "Select the agency that owns the action"
    if not data.get("protects"):
        problems["protects"] = "Select who the action protects"
    what = (data.get("what") or "").strip()
    if not what:
        problems["what"] = "Enter what will be done"
    elif VAGUE.match(what) or len(what) < 10:
        problems["what"] = "Say specifically what will be done and how: 'monitor' or 'be aware' is not an action"
    if not (data.get("how_known") or "").strip():
        problems["how_known"] = "Enter how everyone will know the action is complete"
    due = data.get("due_on")
    if not due:
        problems.setdefault("due_on", "Enter the due date")
    elif due < meeting_day:
        problems["due_on"] = "The due date must be the same as or after the day of the meeting"
    elif due > meeting_day + DUE_REASON_AFTER and not (data.get("due_reason") or "").strip():
        problems["due_reason"] = "Enter why the action needs more than 3 months"
    return problems


def create(case, data, user, *, meeting=None, item=None):
    action = Action(
        case_id=case.id,
        area_id=case.area_id,
        meeting_id=meeting.id if meeting else None,
        agenda_item_id=item.id if item else None,
        owner_agency_id=data["owner_agency_id"],
        owner_person=(data.get("owner_person") or "").strip() or None,
        protects=data["protects"],
        what=data["what"].strip(),
        how_known=data["how_known"].strip(),
        due_on=data["due_on"],
        due_reason=(data.get("due_reason") or "").strip() or None,
        created_by_id=user.id,
    )
    db.session.add(action)
    db.session.flush()
    db.session.add(ActionUpdate(action_id=action.id, user_id=user.id, to_status=action.status, note="Agreed"))
    involve_agency(case, action.owner_agency_id, "action")
    # The owning agency's people in the case's area hear of it at once (a reference and a link).
    tell(
        reps_of([action.owner_agency_id], case.area_id),
        f"Your agency has been given MARAC action {action.reference}, due on {action.due_on:%d %B %Y}",
        f"/actions/{action.id}",
        email_subject="Your agency has a new MARAC action",
    )
    return action


def changeable_at(item, action):
    """An action agreed in this discussion (meeting mode's agenda item) on which nothing has been
    done yet: the meeting may still change or remove it."""
    return action.agenda_item_id == item.id and action.status == ActionStatus.NOT_STARTED


def agreed_in(item, action_id):
    """The action `action_id`, if the meeting may still change it (changeable_at), else None."""
    action = db.session.get(Action, action_id) if action_id else None
    return action if action is not None and changeable_at(item, action) else None


def amend(action, data, user):
    """The meeting changes what it agreed (owner, what, how, when), kept in the action's history."""
    action.owner_agency_id = data["owner_agency_id"]
    action.owner_person = (data.get("owner_person") or "").strip() or None
    action.protects = data["protects"]
    action.what = data["what"].strip()
    action.how_known = data["how_known"].strip()
    action.due_on = data["due_on"]
    action.due_reason = (data.get("due_reason") or "").strip() or None
    db.session.add(
        ActionUpdate(
            action_id=action.id,
            user_id=user.id,
            from_status=action.status,
            to_status=action.status,
            note="Changed at the meeting",
        )
    )
    involve_agency(action.case, action.owner_agency_id, "action")


def withdraw(action):
    """The meeting takes back an action it agreed by mistake: nothing has been done on it, so it
    goes (its history with it); the audit trail keeps that it was removed."""
    db.session.delete(action)


def allowed_statuses(user, action):
    """The statuses this user may set on this action (none if they may not change it)."""
    coordinator = user.has_role(Role.COORDINATOR) and action.area_id in user.area_ids
    owner = user.agency_id == action.owner_agency_id and user.has_role(Role.AGENCY_REP, Role.IDVA, Role.IDVA_MANAGER)
    if coordinator:
        return list(ActionStatus)
    if owner:
        return [status for status in ActionStatus if status != ActionStatus.NOT_DONE]
    return []


def agreed_on(action):
    """The day the action was agreed: its meeting's (the minutes may be typed up days later), or
    the day it was recorded if that was earlier (ahead of its meeting, or with none)."""
    recorded = uk_date(action.created_at)
    meeting = db.session.get(Meeting, action.meeting_id) if action.meeting_id else None
    return min(uk_date(meeting.starts_at), recorded) if meeting else recorded


def status_problems(to_status, *, completed_on, evidence, note, agreed_on=None, today=None):
    """{field: message} of a status change the rules refuse; `agreed_on` is the action's (above)."""
    problems = {}
    if to_status == ActionStatus.COMPLETED:
        if not completed_on:
            problems["completed_on"] = "Enter the date the action was completed"
        elif problem := date_rules.completion_date_problem(completed_on, agreed_on=agreed_on, today=today):
            problems["completed_on"] = problem
        if not (evidence or "").strip():
            problems["evidence"] = "Enter the evidence that the action is complete"
    if to_status in (ActionStatus.NOT_POSSIBLE, ActionStatus.NOT_DONE) and not (note or "").strip():
        problems["note"] = "Enter the reason"
    return problems


def change_status(action, user, to_status, *, note=None, completed_on=None, evidence=None):
    """Apply a status change and keep it in the history."""
    note = (note or "").strip()
    if action.status == ActionStatus.COMPLETED and to_status != ActionStatus.COMPLETED:
        # Reopening: the completion's date and evidence stay in the history.
        reopened = (
            f"Reopened: it had been completed on {action.completed_on:%d %B %Y} with the evidence: {action.evidence}"
        )
        note = f"{note}\n\n{reopened}".strip()
    update = ActionUpdate(
        action_id=action.id, user_id=user.id, from_status=action.status, to_status=to_status, note=note or None
    )
    action.status = to_status
    action.status_note = update.note
    if to_status == ActionStatus.COMPLETED:
        action.completed_on, action.evidence = completed_on, evidence.strip()
    else:
        action.completed_on, action.evidence = None, None
    db.session.add(update)
    return update


# Overdue: still open (not started or in progress) and due before today, the UK's date. Written
# here only, once for an action in hand and once as SQL; a test checks the two agree.
def is_overdue(action, today=None):
    return action.status in OPEN_STATUSES and action.due_on < (today or uk_today())


def overdue(today=None):
    """The actions overdue today, as a WHERE clause."""
    return sa.and_(Action.status.in_(OPEN_STATUSES), Action.due_on < (today or uk_today()))


def history(action_id):
    return db.session.scalars(
        sa.select(ActionUpdate).where(ActionUpdate.action_id == action_id).order_by(ActionUpdate.at, ActionUpdate.id)
    ).all()


def names_in(history):
    """{user id: name} of the people who made these updates."""
    user_ids = {update.user_id for update in history if update.user_id}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(user_ids))).all())


def for_case(case_id, where=None):
    """The case's actions (within `where`), with their owners, by due date."""
    query = (
        sa.select(Action)
        .where(Action.case_id == case_id)
        .options(selectinload(Action.owner_agency))
        .order_by(Action.due_on, Action.id)
    )
    if where is not None:
        query = query.where(where)
    return db.session.scalars(query).all()


def overdue_first(today):
    """ORDER BY: open actions past their due date first, then by due date."""
    return (sa.case((overdue(today), 0), else_=1), Action.due_on, Action.id)


def known_filters(status, due):
    """(status, due) as the action list applies them: "open" or a status, "overdue" or "week";
    anything else (typed into the address) is no filter, and is never kept or audited."""
    return (
        status if status == "open" or status in set(ActionStatus) else None,
        due if due in ("overdue", "week") else None,
    )


def filtered(where, *, status=None, due=None, meeting_id=None, agency_id=None, today=None):
    """A query of actions within `where`, narrowed by the list's filters."""
    today = today or uk_today()
    query = sa.select(Action).where(where)
    if status == "open":
        query = query.where(Action.status.in_(OPEN_STATUSES))
    elif status in set(ActionStatus):
        query = query.where(Action.status == status)
    if due == "overdue":
        query = query.where(overdue(today))
    elif due == "week":
        query = query.where(Action.due_on >= today, Action.due_on <= today + relativedelta(days=7))
    if meeting_id:
        query = query.where(Action.meeting_id == meeting_id)
    if agency_id:
        query = query.where(Action.owner_agency_id == agency_id)
    return query.order_by(*overdue_first(today))


def filters_by_agency(user):
    """Coordinators, who follow up every agency's actions, narrow the list by agency."""
    return user.has_role(Role.COORDINATOR)


def meetings_to_filter_by(user, where, limit=50):
    """[(id, starts_at)] of the latest meetings of the user's areas (those they chair are of their
    areas too: access._chaired_by) with an action within `where`: the action list's meeting filter."""
    # From the meetings, by date: from the actions, it read every meeting in the country (0.3 s
    # nationally).
    mine = Meeting.area_id.in_(user.area_ids)
    return db.session.execute(
        sa.select(Meeting.id, Meeting.starts_at)
        .where(mine, sa.exists().where(Action.meeting_id == Meeting.id, where))
        .order_by(Meeting.starts_at.desc())
        .limit(limit)
    ).all()


def owner_agencies(where):
    """[(id, name)] of the agencies owning actions within `where`, by name."""
    return db.session.execute(
        sa.select(Agency.id, Agency.name)
        .where(Agency.id.in_(sa.select(Action.owner_agency_id).where(where)))
        .order_by(Agency.name)
    ).all()


def overdue_by_agency(where, today):
    """{agency id: overdue actions} within `where`."""
    return dict(
        db.session.execute(
            sa.select(Action.owner_agency_id, sa.func.count(Action.id))
            .where(where, overdue(today))
            .group_by(Action.owner_agency_id)
        ).all()
    )


def _quarter(column):
    # Whole-number division on every database: "/" is true division in SQLAlchemy 2, and
    # PostgreSQL's EXTRACT gives a numeric that CAST rounds (March would be Q2, December Q5).
    return (sa.cast(sa.extract("month", column), sa.Integer) - 1) // 3 + 1


def completion_by_agency(where, *, quarters=4, today=None, by_area=False):
    """[(agency id, year, quarter, completed, due)] for actions due in the last `quarters`
    quarters, the current one included: the share completed of those due so far (or completed
    early) in each quarter. Counted in SQL. `by_area`: each row starts with the area's id (the
    summary tables, services.rollups)."""
    today = today or uk_today()
    start, _ = quarter_bounds(*last_quarters(quarters, today)[0])
    _, end = quarter_bounds(*quarter_of(today))
    year, quarter = sa.extract("year", Action.due_on), _quarter(Action.due_on)
    completed = sa.func.sum(sa.case((Action.status == ActionStatus.COMPLETED, 1), else_=0))
    # An action counts once it falls due, or sooner if it is completed early: early work is
    # credited, and an action not yet due is not held against the agency.
    counted = sa.or_(Action.due_on <= today, Action.status == ActionStatus.COMPLETED)
    keys = [Action.area_id, Action.owner_agency_id] if by_area else [Action.owner_agency_id]
    return db.session.execute(
        sa.select(*keys, sa.cast(year, sa.Integer), quarter, completed, sa.func.count(Action.id))
        .where(where, Action.due_on >= start, Action.due_on < end, counted)
        .group_by(*keys, year, quarter)
        .order_by(*keys, year, quarter)
    ).all()


def repeated_non_completion(where, *, since, minimum=2):
    """Agencies that did not act on `minimum` or more actions since a date: for the steering
    group. [(agency id, count)]."""
    return db.session.execute(
        sa.select(Action.owner_agency_id, sa.func.count(Action.id))
        .where(where, Action.status == ActionStatus.NOT_DONE, Action.due_on >= since)
        .group_by(Action.owner_agency_id)
        .having(sa.func.count(Action.id) >= minimum)
        .order_by(sa.func.count(Action.id).desc())
    ).all()
