"""Builders for meetings with a case list, SMART actions and many actions at once.

Like tests/factories/__init__.py: every name is invented, and they return plain values, not live objects.
"""

import itertools
import random
from datetime import time, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from marac.services import actions, agenda, meetings
from models import Action, ActionStatus, ActionUpdate, AgendaSection, Area, Case, Meeting, db
from models.clock import utcnow

_sequence = itertools.count(1)


class ActionFactory:
    def __init__(self, app):
        self.app = app

    def meeting(self, area_id, day, *, case_ids=(), chair_id=None, publish=False, at=time(10, 0)):
        """A meeting of the area on `day` (UK time), inviting the area's agencies, with these cases
        listed by hand; published (research requested, reminders made) if asked."""
        with self.app.app_context():
            area = db.session.get(Area, area_id)
            (meeting,) = meetings.schedule(
                area,
                first_day=day,
                start_time=at,
                count=1,
                length_minutes=120,
                venue="Civic Centre",
                online_link=None,
                chair_id=chair_id,
                cut_off_days=7,
            )
            db.session.flush()
            items = {}
            for case_id in case_ids:
                item = agenda.add_by_hand(meeting, db.session.get(Case, case_id), AgendaSection.ADULTS, "Listed")
                db.session.flush()
                items[case_id] = item.id
            db.session.commit()
            db.session.expire(meeting)  # as the web does: the meeting read back from the database (UTC)
            if publish:
                meetings.publish(meeting, meetings.title(meeting))
                db.session.commit()
            return SimpleNamespace(
                id=meeting.id, items=items, starts_at=meeting.starts_at, day=day, title=meetings.title(meeting)
            )

    def action(
        self,
        case_id,
        agency_id,
        *,
        due_on,
        status=ActionStatus.NOT_STARTED,
        meeting_id=None,
        item_id=None,
        by=None,
        what=None,
        how_known="Confirmed in writing to the MARAC coordinator",
        owner_person=None,
        protects="victim",
    ):
        """An action agreed through the service (with its "Agreed" history), then set to `status`."""
        data = {
            "owner_agency_id": agency_id,
            "owner_person": owner_person,
            "protects": protects,
            "what": what or f"Visit the victim at home and review the safety plan ({next(_sequence)})",
            "how_known": how_known,
            "due_on": due_on,
            "due_reason": None,
        }
        with self.app.app_context():
            case = db.session.get(Case, case_id)
            meeting = db.session.get(Meeting, meeting_id) if meeting_id else None
            item = SimpleNamespace(id=item_id) if item_id else None
            action = actions.create(case, data, SimpleNamespace(id=by), meeting=meeting, item=item)
            if status != ActionStatus.NOT_STARTED:
                action.status = status
                if status == ActionStatus.COMPLETED:
                    action.completed_on, action.evidence = due_on, "Seen by the coordinator"
            db.session.commit()
            return action.id

    def bulk(self, count, *, case_ids, agency_ids, first_due, meeting_id=None, statuses=None):
        """`count` actions in one executemany INSERT, spread over the cases (at random, repeatably),
        agencies, 90 days of due dates and the statuses given (all not started by default)."""
        statuses = statuses or [ActionStatus.NOT_STARTED]
        now = utcnow()
        pick = random.Random(count)
        with self.app.app_context():
            area_of = dict(db.session.execute(sa.select(Case.id, Case.area_id).where(Case.id.in_(case_ids))).all())
        chosen = [pick.choice(case_ids) for _ in range(count)]
        rows = [
            {
                "case_id": chosen[index],
                "area_id": area_of[chosen[index]],
                "meeting_id": meeting_id,
                "owner_agency_id": agency_ids[index % len(agency_ids)],
                "protects": "victim",
                "what": f"Bulk action {index}: check the address flag is on the police system",
                "how_known": "Flag seen on the system",
                "due_on": first_due + timedelta(days=index % 90),
                "status": statuses[index % len(statuses)].value,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for index in range(count)
        ]
        with self.app.app_context():
            db.session.execute(sa.insert(Action), rows)
            db.session.commit()


def history(app, action_id):
    """[(from status, to status, user id, note)] of an action, oldest first."""
    with app.app_context():
        return [
            (update.from_status, update.to_status, update.user_id, update.note)
            for update in db.session.scalars(
                sa.select(ActionUpdate).where(ActionUpdate.action_id == action_id).order_by(ActionUpdate.id)
            )
        ]


def saved(app, action_id):
    """The action as the database holds it now."""
    with app.app_context():
        action = db.session.get(Action, action_id)
        return SimpleNamespace(
            status=action.status,
            completed_on=action.completed_on,
            evidence=action.evidence,
            status_note=action.status_note,
            version=action.version,
        )
