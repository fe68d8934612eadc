"""Notifications that reach the right person: an agency hears when it is given an action, every
notification's link opens for its recipient (or says why it no longer can), and the navigation
marks the notifications page."""

import re
from collections import Counter
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from marac.services import actions, scheduler
from marac.services import demo as demo_service
from models import Agency, AgencyKind, Case, Notification, User, db
from models.clock import uk_today, utcnow
from tests import factories
from tests.helpers import signed_in


@pytest.fixture
def demo_cases(app):
    with app.app_context():
        demo_service.seed(factories.PASSWORD)


def _users(app):
    with app.app_context():
        return {user.email: user.id for user in db.session.scalars(sa.select(User))}


def _give_action(app, case_id, agency_kind, by_email="coordinator@example.org"):
    """An action agreed for the case, owned by the case's area's agency of this kind: its id."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        agency = db.session.scalar(
            sa.select(Agency).where(Agency.kind == agency_kind, Agency.areas.any(id=case.area_id))
        )
        by = db.session.scalar(sa.select(User).where(User.email == by_email))
        action = actions.create(
            case,
            {
                "owner_agency_id": agency.id,
                "protects": "victim",
                "what": "Fit a door alarm and check it works",
                "how_known": "The fitter's job sheet",
                "due_on": uk_today() + timedelta(days=14),
            },
            by,
        )
        db.session.commit()
        return action.id


def _kind(message):
    """A notification's kind: its message without numbers, dates and titles."""
    return re.sub(
        r"[A-Z]?\d[\d:]*(am|pm)?|January|February|March|April|May|June|July|August|September|October|"
        r"November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday",
        "#",
        message,
    )


def test_every_notification_link_opens_for_its_recipient(app, demo_cases):
    with app.app_context():
        first_case = db.session.scalar(sa.select(Case.id).order_by(Case.id))
    _give_action(app, first_case, AgencyKind.HOUSING)
    # Every scheduled job, as on a morning a week on: reminders, overdue notices, reviews.
    for day in range(8):
        scheduler.run_due(app, utcnow() + timedelta(days=day))
    with app.app_context():
        notes = db.session.execute(
            sa.select(Notification.id, Notification.message, Notification.link, User.email).join(
                User, User.id == Notification.user_id
            )
        ).all()
    kinds = Counter(_kind(message) for _id, message, _link, _email in notes)
    assert len(kinds) >= 8, kinds
    clients = {}
    stale = []
    for note_id, message, link, email in notes:
        client = clients.get(email) or clients.setdefault(email, signed_in(app, email))
        assert f'href="/notifications/{note_id}"' in client.get("/notifications").get_data(as_text=True)
        response = client.get(f"/notifications/{note_id}")
        assert response.status_code == 302, message
        target = response.headers["Location"]
        landed = client.get(target)
        assert landed.status_code == 200, (message, link, target)
        if target != link:
            assert target == "/notifications"
            assert "no longer yours to open" in unescape(landed.get_data(as_text=True))
            stale.append(message)
    # Only notices whose case has since gone to another IDVA or been closed are stale (in the demo,
    # feedback notices of cases reallocated after the meeting).
    assert stale and all("give the victim feedback" in message for message in stale), stale


def test_a_new_action_tells_its_agencys_people_in_the_area_and_no_one_else(app, demo_cases):
    users = _users(app)
    with app.app_context():
        case_id = db.session.scalar(sa.select(Case.id).order_by(Case.id))
    action_id = _give_action(app, case_id, AgencyKind.HOUSING)
    with app.app_context():
        told = db.session.execute(
            sa.select(Notification.user_id, Notification.message, Notification.link).where(
                Notification.link == f"/actions/{action_id}"
            )
        ).all()
    assert {user_id for user_id, _m, _l in told} == {users["housing@example.org"]}
    (message,) = [message for _u, message, _l in told]
    assert message.startswith(f"Your agency has been given MARAC action A{action_id:06d}, due on ")
    client = signed_in(app, "housing@example.org")
    (note_id,) = re.findall(r'href="/notifications/(\d+)"', client.get("/notifications").get_data(as_text=True))[:1]
    response = client.get(f"/notifications/{note_id}")
    assert response.headers["Location"] == f"/actions/{action_id}"
    assert client.get(f"/actions/{action_id}").status_code == 200


def test_a_notification_opens_only_for_its_recipient(app, demo_cases):
    with app.app_context():
        case_id = db.session.scalar(sa.select(Case.id).order_by(Case.id))
    action_id = _give_action(app, case_id, AgencyKind.HOUSING)
    with app.app_context():
        note_id = db.session.scalar(sa.select(Notification.id).where(Notification.link == f"/actions/{action_id}"))
    assert signed_in(app, "police@example.org").get(f"/notifications/{note_id}").status_code == 404
    housing = signed_in(app, "housing@example.org")
    assert housing.get(f"/notifications/{note_id}").status_code == 302
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is not None


def test_the_navigation_marks_the_notifications_page(app, demo_cases):
    client = signed_in(app, "coordinator@example.org")
    html = client.get("/notifications").get_data(as_text=True)
    marked = re.compile(r'<a class="govuk-service-navigation__link" href="([^"]+)"\s*aria-current="(page|true)"')
    assert marked.findall(html) == [("/notifications", "page")]
    assert marked.findall(client.get("/").get_data(as_text=True)) == [("/", "page")]
    assert marked.findall(client.get("/meetings/").get_data(as_text=True)) == [("/meetings/", "page")]
