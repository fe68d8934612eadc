"""What the scheduler sends about actions and research, with the clock fixed: the due reminder, the
overdue notice (with its email), the escalation to the area's coordinators, and research reminders.
Who is told and who is not, on which day, and that no email names a person."""

import email
import email.policy
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from marac.services import meetings, reminders, scheduler
from models import (
    ActionStatus,
    AgencyKind,
    AgendaItem,
    Notification,
    Reminder,
    ResearchRequest,
    Role,
    User,
    db,
)
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory

# Wednesday 10 June 2026, 07:30 in the UK (BST, so 06:30 UTC): when action_due_reminders runs.
NOW = datetime(2026, 6, 10, 6, 30, tzinfo=UTC)
UK_TODAY = date(2026, 6, 10)

VICTIM = {"first_name": "Wilhelmina", "last_name": "Quartermaine", "date_of_birth": date(1991, 2, 17)}
PERPETRATOR = {"first_name": "Barnaby", "last_name": "Thistlewood"}
OWNER_PERSON = "DS Juniper Holloway"
WHAT = "Serve the non-molestation order on the perpetrator at his workplace"


@pytest.fixture
def town(app, make):
    """One area with police (the owner of the actions) and housing; a second area; the people
    who must and must not hear about a police action."""
    area, elsewhere = make.area(), make.area()
    police = make.agency(kind=AgencyKind.POLICE, area_ids=[area.id], name="Testshire Police")
    housing = make.agency(kind=AgencyKind.HOUSING, area_ids=[area.id], name="Testshire Housing")

    def user(*roles, agency, areas=(area.id,), **fields):
        return make.user(*roles, agency_id=agency.id, area_ids=list(areas), name=fields.pop("name"), **fields)

    people = SimpleNamespace(
        police_rep=user(Role.AGENCY_REP, agency=police, name="Rowan Policerep"),
        police_idva=user(Role.IDVA, agency=police, name="Ira Policeidva"),
        police_gone=user(Role.AGENCY_REP, agency=police, name="Gale Departed", is_active=False),
        police_chair=user(Role.CHAIR, agency=police, name="Chase Policechair"),
        # The same force's representative for another MARAC: not told about this area's actions.
        police_rep_elsewhere=user(Role.AGENCY_REP, agency=police, areas=[elsewhere.id], name="Ellis Policeaway"),
        housing_rep=user(Role.AGENCY_REP, agency=housing, name="Harley Housingrep"),
        coordinator=user(Role.COORDINATOR, agency=housing, name="Cody Coordinator"),
        coordinator_elsewhere=user(Role.COORDINATOR, agency=housing, areas=[elsewhere.id], name="Cass Elsewhere"),
    )
    case = CaseFactory(app).case(area.id, victim=VICTIM, perpetrator=PERPETRATOR)
    factory = ActionFactory(app)

    def action(due_on, *, status=ActionStatus.NOT_STARTED, agency=police):
        return factory.action(
            case.id,
            agency.id,
            due_on=due_on,
            status=status,
            what=WHAT,
            owner_person=OWNER_PERSON,
            by=people.coordinator.id,
        )

    return SimpleNamespace(
        area=area, elsewhere=elsewhere, police=police, housing=housing, people=people, case=case, action=action
    )


@pytest.fixture
def mailbox(app, tmp_path, monkeypatch):
    """Mail through the "file" backend into a temporary folder; returns a reader of the messages."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")

    def messages():
        found = [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted((tmp_path / "mail").glob("*.eml"))
        ]
        # Not the email each agency is sent when it is given an action (tests/views/test_notifications.py).
        return [message for message in found if message["Subject"] != "Your agency has a new MARAC action"]

    return messages


def run(app, job, now=NOW):
    with app.app_context():
        result = job(now)
        db.session.commit()
        return result


def told(app):
    """{user id: [(message, link)]} of every reminder so far (not the notice each agency is sent
    when it is given an action: tests/views/test_notifications.py)."""
    with app.app_context():
        found = {}
        reminders_only = Notification.message.not_like("Your agency has been given %")
        for note in db.session.scalars(sa.select(Notification).where(reminders_only).order_by(Notification.id)):
            found.setdefault(note.user_id, []).append((note.message, note.link))
        return found


def emails_of(app, *users):
    with app.app_context():
        return {db.session.get(User, user.id).email for user in users}


def names_no_one(text):
    """No victim, perpetrator, owner or user name; no date of birth; not what the action is."""
    with_names = [
        *VICTIM.values(),
        *PERPETRATOR.values(),
        OWNER_PERSON,
        "Juniper",
        "Holloway",
        WHAT[:30],
        "17 February 1991",
        "1991-02-17",
        "Rowan",
        "Policerep",
        "Policeidva",
        "Coordinator",
    ]
    for value in with_names:
        assert str(value) not in text, value


# -- The reminder before the due date -----------------------------------------------------------


def test_the_owning_agency_is_reminded_three_days_before_the_due_date(app, town, mailbox):
    due = town.action(UK_TODAY + timedelta(days=3))
    town.action(UK_TODAY + timedelta(days=2))  # reminded yesterday
    town.action(UK_TODAY + timedelta(days=4))  # reminded tomorrow
    town.action(UK_TODAY + timedelta(days=3), status=ActionStatus.COMPLETED)
    town.action(UK_TODAY + timedelta(days=3), status=ActionStatus.NOT_POSSIBLE)
    town.action(UK_TODAY + timedelta(days=3), status=ActionStatus.NOT_DONE)

    assert run(app, reminders.action_due_reminders) == {"actions": 1, "notified": 2}

    message = (f"MARAC action A{due:06d} is due on 13 June 2026", f"/actions/{due}")
    people = town.people
    assert told(app) == {people.police_rep.id: [message], people.police_idva.id: [message]}
    names_no_one(message[0])


def test_the_reminder_counts_days_in_uk_time(app, town):
    # 23:30 UTC on 9 June is 00:30 on 10 June in the UK (BST).
    due = town.action(date(2026, 6, 13))
    assert run(app, reminders.action_due_reminders, datetime(2026, 6, 9, 23, 30, tzinfo=UTC))["actions"] == 1
    assert set(told(app)) == {town.people.police_rep.id, town.people.police_idva.id}
    assert told(app)[town.people.police_rep.id] == [
        (f"MARAC action A{due:06d} is due on 13 June 2026", f"/actions/{due}")
    ]


def test_the_reminder_days_are_a_setting(app, town, monkeypatch):
    monkeypatch.setitem(app.config, "ACTION_REMINDER_DAYS", 7)
    town.action(UK_TODAY + timedelta(days=3))
    week = town.action(UK_TODAY + timedelta(days=7))
    assert run(app, reminders.action_due_reminders) == {"actions": 1, "notified": 2}
    assert told(app)[town.people.police_rep.id] == [
        (f"MARAC action A{week:06d} is due on 17 June 2026", f"/actions/{week}")
    ]


# -- Overdue ------------------------------------------------------------------------------------


def test_the_day_after_the_due_date_the_owning_agency_is_told_and_emailed(app, town, mailbox):
    overdue = town.action(UK_TODAY - timedelta(days=1))
    town.action(UK_TODAY)  # due today: not overdue yet
    town.action(UK_TODAY - timedelta(days=2))  # told yesterday: not again
    town.action(UK_TODAY - timedelta(days=1), status=ActionStatus.COMPLETED)
    town.action(UK_TODAY - timedelta(days=1), status=ActionStatus.NOT_POSSIBLE)

    assert run(app, reminders.overdue_notices, NOW + timedelta(minutes=5)) == {"actions": 1, "notified": 2}

    people = town.people
    notice = (f"MARAC action A{overdue:06d} is overdue", f"/actions/{overdue}")
    assert told(app) == {people.police_rep.id: [notice], people.police_idva.id: [notice]}

    (message,) = mailbox()
    assert {address.strip() for address in message["To"].split(",")} == emails_of(
        app, people.police_rep, people.police_idva
    )
    assert message["Subject"] == "A MARAC action is overdue"
    body = message.get_content()
    assert f"MARAC action A{overdue:06d} is overdue" in body
    assert f"{app.config['SERVICE_URL']}/actions/{overdue}" in body
    names_no_one(message["Subject"] + body + message["To"])
    assert "Testshire Housing" not in body


def test_an_in_progress_action_is_overdue_too_and_each_goes_to_its_own_agency(app, town, mailbox):
    police = town.action(UK_TODAY - timedelta(days=1), status=ActionStatus.IN_PROGRESS)
    housing = town.action(UK_TODAY - timedelta(days=1), agency=town.housing)
    assert run(app, reminders.overdue_notices) == {"actions": 2, "notified": 3}
    people = town.people
    assert told(app) == {
        people.police_rep.id: [(f"MARAC action A{police:06d} is overdue", f"/actions/{police}")],
        people.police_idva.id: [(f"MARAC action A{police:06d} is overdue", f"/actions/{police}")],
        people.housing_rep.id: [(f"MARAC action A{housing:06d} is overdue", f"/actions/{housing}")],
    }
    recipients = sorted(frozenset(address.strip() for address in message["To"].split(",")) for message in mailbox())
    assert sorted(recipients, key=len) == [
        emails_of(app, people.housing_rep),  # a message of its own: no agency sees another's recipients
        emails_of(app, people.police_rep, people.police_idva),
    ]


# -- Escalation ---------------------------------------------------------------------------------


def test_after_14_days_overdue_the_area_coordinators_are_told(app, town):
    escalated = town.action(UK_TODAY - timedelta(days=14))
    town.action(UK_TODAY - timedelta(days=13))  # tomorrow
    town.action(UK_TODAY - timedelta(days=14), status=ActionStatus.COMPLETED)
    town.action(UK_TODAY - timedelta(days=14), status=ActionStatus.NOT_DONE)

    assert run(app, reminders.escalations, NOW + timedelta(minutes=10)) == {"actions": 1}

    assert told(app) == {
        town.people.coordinator.id: [
            (f"MARAC action A{escalated:06d} is 14 days overdue: escalate it", f"/actions/{escalated}")
        ]
    }


def test_the_escalation_days_are_a_setting(app, town, monkeypatch):
    monkeypatch.setitem(app.config, "ACTION_ESCALATION_DAYS", 7)
    town.action(UK_TODAY - timedelta(days=14))
    week = town.action(UK_TODAY - timedelta(days=7))
    assert run(app, reminders.escalations) == {"actions": 1}
    assert told(app) == {
        town.people.coordinator.id: [(f"MARAC action A{week:06d} is 7 days overdue: escalate it", f"/actions/{week}")]
    }


# -- Through the scheduler ----------------------------------------------------------------------

ACTION_JOBS = ["action_due_reminders", "overdue_notices", "escalations"]


def test_the_scheduler_sends_each_on_its_morning_once(app, town, mailbox):
    reminded = town.action(UK_TODAY + timedelta(days=3))
    overdue = town.action(UK_TODAY - timedelta(days=1))
    escalated = town.action(UK_TODAY - timedelta(days=14))

    # 07:29 UK time: today's runs are not due yet; yesterday's are long past the grace time.
    early = scheduler.run_due(app, NOW - timedelta(minutes=1), names=ACTION_JOBS, grace=timedelta(hours=1))
    assert early == [] and told(app) == {}

    # 07:45 UK time: all three are due (07:30, 07:35, 07:40).
    results = scheduler.run_due(app, NOW + timedelta(minutes=15), names=ACTION_JOBS)
    assert [(r.job, r.due_at, r.outcome, r.detail) for r in results] == [
        ("action_due_reminders", NOW, "done", {"actions": 1, "notified": 2}),
        ("overdue_notices", NOW + timedelta(minutes=5), "done", {"actions": 1, "notified": 2}),
        ("escalations", NOW + timedelta(minutes=10), "done", {"actions": 1}),
    ]
    people = town.people
    first = told(app)
    assert first == {
        people.police_rep.id: [
            (f"MARAC action A{reminded:06d} is due on 13 June 2026", f"/actions/{reminded}"),
            (f"MARAC action A{overdue:06d} is overdue", f"/actions/{overdue}"),
        ],
        people.police_idva.id: [
            (f"MARAC action A{reminded:06d} is due on 13 June 2026", f"/actions/{reminded}"),
            (f"MARAC action A{overdue:06d} is overdue", f"/actions/{overdue}"),
        ],
        people.coordinator.id: [
            (f"MARAC action A{escalated:06d} is 14 days overdue: escalate it", f"/actions/{escalated}")
        ],
    }
    assert len(mailbox()) == 1

    # A second scheduler (or a restart) later that morning sends nothing again.
    again = scheduler.run_due(app, NOW + timedelta(hours=2), names=ACTION_JOBS)
    assert [r.outcome for r in again] == ["already run"] * 3
    assert told(app) == first and len(mailbox()) == 1


def test_the_next_morning_moves_on_by_a_day(app, town):
    town.action(UK_TODAY + timedelta(days=3))  # reminded today, overdue on 14 June
    tomorrow = town.action(UK_TODAY + timedelta(days=4))
    scheduler.run_due(app, NOW + timedelta(minutes=15), names=ACTION_JOBS)
    before = told(app)
    results = scheduler.run_due(app, NOW + timedelta(days=1, minutes=15), names=ACTION_JOBS)
    assert [r.detail for r in results] == [{"actions": 1, "notified": 2}, {"actions": 0, "notified": 0}, {"actions": 0}]
    added = told(app)[town.people.police_rep.id][len(before[town.people.police_rep.id]) :]
    assert added == [(f"MARAC action A{tomorrow:06d} is due on 14 June 2026", f"/actions/{tomorrow}")]


# -- Research reminders -------------------------------------------------------------------------


@pytest.fixture
def published(app, town):
    """A meeting on Friday 12 June 2026 listing two cases, published (research asked of police and
    housing, a reminder for each)."""
    second = CaseFactory(app).case(town.area.id)
    meeting = ActionFactory(app).meeting(
        town.area.id, date(2026, 6, 12), case_ids=[town.case.id, second.id], publish=True
    )
    with app.app_context():
        reminder_rows = db.session.scalars(sa.select(Reminder).where(Reminder.meeting_id == meeting.id)).all()
        due_at = {row.agency_id: row.due_at for row in reminder_rows}
        requests = {
            (row.agenda_item_id, row.agency_id): row.id
            for row in db.session.scalars(
                sa.select(ResearchRequest).join(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
            )
        }
        db.session.execute(sa.delete(Notification))  # "the list is published": not what is tested here
        db.session.commit()
    return SimpleNamespace(meeting=meeting, due_at=due_at, requests=requests, second=second)


def answer(app, request_id, *, by):
    with app.app_context():
        meetings.answer_research(
            db.session.get(ResearchRequest, request_id), db.session.get(User, by.id), nothing_known=True
        )
        db.session.commit()


def _unsent(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Reminder.id)).where(Reminder.sent_at.is_(None)))


def test_publishing_makes_a_research_reminder_for_each_invited_agency(app, town, published):
    assert set(published.due_at) == {town.police.id, town.housing.id}
    assert set(published.due_at.values()) == {datetime(2026, 6, 10, 8, 0, tzinfo=UTC)}
    assert len(published.requests) == 4


def test_only_agencies_with_unanswered_requests_are_reminded(app, town, published, mailbox):
    items = published.meeting.items
    for case_id in items.values():
        answer(app, published.requests[(case_id, town.police.id)], by=town.people.police_rep)
    answer(app, published.requests[(items[town.case.id], town.housing.id)], by=town.people.housing_rep)
    due = published.due_at[town.housing.id]

    assert run(app, reminders.research_reminders, due - timedelta(minutes=45)) == {"reminders": 0, "notified": 0}
    assert told(app) == {} and _unsent(app) == 2

    assert run(app, reminders.research_reminders, due + timedelta(minutes=15)) == {"reminders": 2, "notified": 1}
    title = published.meeting.title
    assert told(app) == {
        town.people.housing_rep.id: [
            (f"1 research request for the {title} is not answered yet", f"/meetings/{published.meeting.id}")
        ]
    }
    (message,) = mailbox()
    assert message["To"] == emails_of(app, town.people.housing_rep).pop()
    assert message["Subject"] == "MARAC research requests to answer"
    body = message.get_content()
    assert f"{app.config['SERVICE_URL']}/meetings/{published.meeting.id}" in body
    names_no_one(message["Subject"] + body)

    assert _unsent(app) == 0
    assert run(app, reminders.research_reminders, due + timedelta(hours=1)) == {"reminders": 0, "notified": 0}
    assert len(mailbox()) == 1


def test_a_request_for_a_case_taken_off_the_list_needs_no_reminder(app, town, published):
    items = published.meeting.items
    answer(app, published.requests[(items[town.case.id], town.housing.id)], by=town.people.housing_rep)
    with app.app_context():  # the only case housing has not answered is removed from the list
        db.session.get(AgendaItem, items[published.second.id]).removed_at = NOW
        db.session.commit()
    result = run(app, reminders.research_reminders, published.due_at[town.housing.id] + timedelta(minutes=15))
    assert result == {"reminders": 2, "notified": 2}  # the police, for the case still listed
    assert set(told(app)) == {town.people.police_rep.id, town.people.police_idva.id}
    assert told(app)[town.people.police_rep.id][0][0].startswith("1 research request for the")


def test_no_research_reminder_once_the_meeting_has_started(app, town, published):
    after = published.meeting.starts_at + timedelta(minutes=5)
    assert run(app, reminders.research_reminders, after) == {"reminders": 2, "notified": 0}
    assert told(app) == {} and _unsent(app) == 0


def test_research_reminders_through_the_scheduler(app, town, published):
    due = published.due_at[town.police.id]
    results = scheduler.run_due(app, due + timedelta(minutes=20), names=["research_reminders"])
    assert [(r.due_at, r.outcome, r.detail) for r in results] == [
        (due + timedelta(minutes=15), "done", {"reminders": 2, "notified": 3})
    ]
    assert set(told(app)) == {town.people.police_rep.id, town.people.police_idva.id, town.people.housing_rep.id}
    assert told(app)[town.people.police_rep.id][0][0].startswith("2 research requests for the")
