"""What the scheduler sends about actions and meetings. Each job takes the time it runs for and
returns counts. Messages name records by reference, never a person; emails carry a count and a
link only."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from marac.services import actions
from marac.services.meetings import reps_of, title
from marac.services.notifications import notify_area_coordinators, tell
from models import Action, Meeting, MeetingStatus, Reminder, ResearchRequest, ResearchStatus, db
from models.actions import OPEN_STATUSES
from models.clock import uk_date
from models.meetings import AgendaItem


def _actions(*where):
    return db.session.scalars(sa.select(Action).where(*where).order_by(Action.id)).all()


def _tell_agency(agency_id, area_id, message, link, email_subject=None):
    """A notification to each representative of the agency in the area, and an email naming no one
    to those who take their notices by email."""
    return tell(reps_of([agency_id], area_id), message, link, email_subject=email_subject)


def action_due_reminders(now):
    """Actions due in a few days (ACTION_REMINDER_DAYS): their agency is reminded once."""
    day = uk_date(now) + timedelta(days=current_app.config["ACTION_REMINDER_DAYS"])
    due = _actions(Action.status.in_(OPEN_STATUSES), Action.due_on == day)
    told = sum(
        _tell_agency(
            a.owner_agency_id, a.area_id, f"MARAC action {a.reference} is due on {day:%d %B %Y}", f"/actions/{a.id}"
        )
        for a in due
    )
    return {"actions": len(due), "notified": told}


def overdue_notices(now):
    """Actions that became overdue yesterday: their agency is told, by notification and email."""
    today = uk_date(now)
    due = _actions(actions.overdue(today), Action.due_on == today - timedelta(days=1))
    told = sum(
        _tell_agency(
            a.owner_agency_id,
            a.area_id,
            f"MARAC action {a.reference} is overdue",
            f"/actions/{a.id}",
            email_subject="A MARAC action is overdue",
        )
        for a in due
    )
    return {"actions": len(due), "notified": told}


def escalations(now):
    """Actions overdue for ACTION_ESCALATION_DAYS go to the area's coordinators."""
    days = current_app.config["ACTION_ESCALATION_DAYS"]
    today = uk_date(now)
    due = _actions(actions.overdue(today), Action.due_on == today - timedelta(days=days))
    for action in due:
        notify_area_coordinators(
            action.area_id,
            f"MARAC action {action.reference} is {days} days overdue: escalate it",
            f"/actions/{action.id}",
        )
    return {"actions": len(due)}


def research_reminders(now):
    """Agencies that have not answered every research request when its reminder falls due."""
    reminders = db.session.scalars(
        sa.select(Reminder).where(Reminder.kind == "research", Reminder.sent_at.is_(None), Reminder.due_at <= now)
    ).all()
    told = 0
    for reminder in reminders:
        meeting = db.session.get(Meeting, reminder.meeting_id)
        waiting = db.session.scalar(
            sa.select(sa.func.count(ResearchRequest.id))
            .join(AgendaItem, AgendaItem.id == ResearchRequest.agenda_item_id)
            .where(
                AgendaItem.meeting_id == meeting.id,
                AgendaItem.removed_at.is_(None),
                ResearchRequest.agency_id == reminder.agency_id,
                ResearchRequest.status == ResearchStatus.REQUESTED,
            )
        )
        if waiting and meeting.starts_at > now:
            told += _tell_agency(
                reminder.agency_id,
                meeting.area_id,
                f"{waiting} research {'request' if waiting == 1 else 'requests'} for the {title(meeting)} "
                f"{'is' if waiting == 1 else 'are'} not answered yet",
                f"/meetings/{meeting.id}",
                email_subject="MARAC research requests to answer",
            )
        reminder.sent_at = now
    return {"reminders": len(reminders), "notified": told}


def publish_reminders(now):
    """Coordinators are reminded each day to publish a list whose meeting is within a week."""
    soon = db.session.scalars(
        sa.select(Meeting).where(
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.starts_at > now,
            Meeting.starts_at <= now + timedelta(days=7),
        )
    ).all()
    for meeting in soon:
        notify_area_coordinators(
            meeting.area_id, f"Publish the case list for the {title(meeting)}", f"/meetings/{meeting.id}"
        )
    return {"meetings": len(soon)}
