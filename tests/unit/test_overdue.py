"""What "overdue" means for an action, written once in marac/services/actions.py: open (not
started or in progress) and due before today. The Python test and the SQL clause must agree."""

from datetime import date, timedelta

import sqlalchemy as sa

from marac.services import actions
from models import Action, ActionStatus, AgencyKind, Area, db
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory

TODAY = date(2026, 7, 2)


def test_an_action_is_overdue_when_open_and_due_before_today_in_python_and_in_sql(app, demo):
    with app.app_context():
        area = db.session.query(Area).filter_by(name="Northmoor").one()
        police = next(agency.id for agency in area.agencies if agency.kind == AgencyKind.POLICE)
    case = CaseFactory(app).case(area.id)
    factory = ActionFactory(app)
    made = {
        factory.action(case.id, police, due_on=TODAY + timedelta(days=offset), status=status): (status, offset)
        for status in ActionStatus
        for offset in (-30, -1, 0, 1)
    }
    with app.app_context():
        mine = Action.id.in_(made)
        in_sql = set(db.session.scalars(sa.select(Action.id).where(mine, actions.overdue(TODAY))))
        in_python = {
            action.id
            for action in db.session.scalars(sa.select(Action).where(mine))
            if actions.is_overdue(action, TODAY)
        }
    expected = {
        action_id
        for action_id, (status, offset) in made.items()
        if status in (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS) and offset < 0
    }
    assert in_sql == in_python == expected
