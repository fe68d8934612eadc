"""SMART actions through the web: who may set which status, the history, SMART checks in meeting
mode, two people saving at once, what each agency sees (list, page, filters, PDF), completion
rates, and the query budgets of the list and the overview."""

import csv
import html as html_lib
import io
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from pypdf import PdfReader

from marac.security import sessions
from marac.services import actions
from models import Action, ActionStatus, AgencyKind, Area, AuditEvent, CaseAgency, Meeting, Role, User, db
from models.actions import ACTION_STATUS_LABELS
from models.clock import uk_today
from tests.factories.actions import ActionFactory, history, saved
from tests.factories.cases import CaseFactory
from tests.helpers import counted_queries, csrf_from, sign_in
from tests.pages import date_boxes, version_field

TODAY = uk_today()
MEETING_DAY = TODAY - timedelta(days=7)  # held: its actions may be completed today

POLICE_TEXT = "Police to fit a panic alarm at the victim's flat and flag the address"
HOUSING_TEXT = "Housing to change the locks and fit a door viewer at the victim's flat"


def _text(response):
    return html_lib.unescape(response.get_data(as_text=True))


def _date_boxes(page, name):
    """The day, month and year a page's date field shows."""
    boxes = [re.search(rf'<input[^>]*id="{name}-{part}"[^>]*>', page).group(0) for part in ("day", "month", "year")]
    return [value.group(1) if (value := re.search(r'value="([^"]*)"', box)) else "" for box in boxes]


def _version(page):
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


@pytest.fixture
def world(app, demo):
    """Northmoor (the demo's first area) with a case on a published meeting a week away, chaired by
    the demo chair. Tests add the actions they need with new_action."""
    with app.app_context():
        area = db.session.query(Area).filter_by(name="Northmoor").one()
        agencies = {agency.kind: agency.id for agency in area.agencies}
        users = {user.email: user.id for user in db.session.query(User)}
    case = CaseFactory(app).case(area.id)
    factory = ActionFactory(app)
    meeting = factory.meeting(
        area.id, MEETING_DAY, case_ids=[case.id], chair_id=users["chair@example.org"], publish=True
    )
    return SimpleNamespace(
        area=area.id,
        case=case,
        meeting=meeting,
        item=meeting.items[case.id],
        users=users,
        police=agencies[AgencyKind.POLICE],
        housing=agencies[AgencyKind.HOUSING],
        idva_service=agencies[AgencyKind.IDVA_SERVICE],
        factory=factory,
    )


def new_action(world, agency_id, *, status=ActionStatus.NOT_STARTED, due_on=None, what=None):
    """An action agreed by the coordinator at the world's meeting, owned by the agency."""
    return world.factory.action(
        world.case.id,
        agency_id,
        due_on=due_on or MEETING_DAY + timedelta(days=28),
        status=status,
        meeting_id=world.meeting.id,
        item_id=world.item,
        by=world.users["coordinator@example.org"],
        what=what,
    )


@pytest.fixture
def as_user(app):
    """A new browser signed in as the user with this email."""

    def signed_in(email):
        client = app.test_client()
        assert sign_in(client, email).status_code == 302
        return client

    return signed_in


def update(client, action_id, status, *, completed_on=None, evidence="", note="", page=None):
    """Post the action page's update form as the user would, from the page they were shown."""
    page = page if page is not None else client.get(f"/actions/{action_id}").get_data(as_text=True)
    return client.post(
        f"/actions/{action_id}",
        data={
            "csrf_token": csrf_from(page),
            "version": _version(page),
            "status": status or "",
            "completed_on": date_boxes(completed_on),
            "evidence": evidence,
            "note": note,
        },
    )


def forced_update(app, client, action_id, status):
    """Post an update without the page (for someone who is not offered the form): a valid CSRF
    token from their dashboard and the action's current version, answers that would be valid."""
    with app.app_context():
        version = db.session.get(Action, action_id).version
    token = csrf_from(client.get("/").get_data(as_text=True))
    return client.post(
        f"/actions/{action_id}",
        data={
            "csrf_token": token,
            "version": str(version),
            "status": status,
            "completed_on": date_boxes(TODAY),
            "evidence": "Job sheet seen",
            "note": "A reason",
        },
    )


# Answers that make each status change valid.
VALID = {
    ActionStatus.NOT_STARTED: {"note": "Visit rebooked: not started yet"},
    ActionStatus.IN_PROGRESS: {"note": "Engineer booked for Tuesday"},
    ActionStatus.COMPLETED: {"completed_on": TODAY, "evidence": "Engineer's job sheet seen by the team manager"},
    ActionStatus.NOT_POSSIBLE: {"note": "The victim has moved out of the area"},
    ActionStatus.NOT_DONE: {"note": "No response to two chasers from the coordinator"},
}

# role: (email, name shown in the history, the agency whose action they update)
CHANGERS = {
    "agency rep": ("police@example.org", "Pat Constable", "police"),
    "IDVA": ("idva@example.org", "Indra Advisor", "idva_service"),
    "IDVA and IDVA manager": ("idva.manager@example.org", "Morgan Manager", "idva_service"),
    "IDVA manager only": (None, "Mo Manageronly", "idva_service"),
    "coordinator": ("coordinator@example.org", "Casey Coordinator", "police"),
}


# -- Who may set which status ------------------------------------------------------------------


@pytest.mark.parametrize("to_status", list(ActionStatus))
@pytest.mark.parametrize("role", list(CHANGERS))
def test_each_status_change_by_each_role_that_may_change_the_action(app, world, make, as_user, role, to_status):
    email, name, owner = CHANGERS[role]
    if email is None:
        email = make.user(Role.IDVA_MANAGER, agency_id=world.idva_service, area_ids=[world.area], name=name).email
        with app.app_context():
            world.users[email] = db.session.query(User).filter_by(email=email).one().id
    start = ActionStatus.NOT_STARTED if to_status == ActionStatus.IN_PROGRESS else ActionStatus.IN_PROGRESS
    action_id = new_action(world, getattr(world, owner), status=start)
    client = as_user(email)
    before = history(app, action_id)

    response = update(client, action_id, to_status, **VALID[to_status])

    only_the_coordinator = to_status == ActionStatus.NOT_DONE and role != "coordinator"
    if only_the_coordinator:
        assert response.status_code == 400
        assert "Select one of the options" in _text(response)
        assert saved(app, action_id).status == start
        assert history(app, action_id) == before
        assert 'value="not_done"' not in client.get(f"/actions/{action_id}").get_data(as_text=True)
        return
    assert response.status_code == 302, _text(response)[-2000:]
    assert response.headers["Location"] == f"/actions/{action_id}"
    now = saved(app, action_id)
    assert now.status == to_status
    if to_status == ActionStatus.COMPLETED:
        assert (now.completed_on, now.evidence) == (TODAY, VALID[to_status]["evidence"])
    else:
        assert (now.completed_on, now.evidence) == (None, None)
    note = VALID[to_status].get("note")
    assert history(app, action_id) == [*before, (start, to_status, world.users[email], note)]

    page = _text(client.get(f"/actions/{action_id}"))
    labels = ACTION_STATUS_LABELS
    assert f"Action A{action_id:06d} updated: {labels[to_status]}." in page
    timeline = page[page.index('<h2 class="govuk-heading-m">History</h2>') :]
    newest = timeline.split('<div class="moj-timeline__item">')[1]
    assert f"{labels[start]} → {labels[to_status]}" in newest
    assert f"by <bdi>{name}</bdi>" in newest
    assert "<time datetime=" in newest
    if note:
        assert note in newest


def test_the_owner_is_not_offered_not_done_and_the_coordinator_is(world, as_user):
    action_id = new_action(world, world.police)
    rep_page = as_user("police@example.org").get(f"/actions/{action_id}").get_data(as_text=True)
    coordinator_page = as_user("coordinator@example.org").get(f"/actions/{action_id}").get_data(as_text=True)
    offered = re.compile(r'name="status" type="radio" value="(\w+)"')
    assert offered.findall(rep_page) == ["not_started", "in_progress", "completed", "not_possible"]
    assert offered.findall(coordinator_page) == [status.value for status in ActionStatus]


@pytest.mark.parametrize(
    ("who", "owner", "expected"),
    [
        ("another agency's rep", "police", 404),
        ("an IDVA, for the police's action", "police", 404),
        ("the police, for the IDVA service's action", "idva_service", 404),
        ("a coordinator of another area", "police", 404),
        ("steering", "police", 403),
        ("admin", "police", 403),
    ],
)
def test_everyone_else_is_refused_and_nothing_changes(app, world, make, as_user, who, owner, expected):
    action_id = new_action(world, getattr(world, owner), what=POLICE_TEXT)
    email = {
        "another agency's rep": "housing@example.org",
        "an IDVA, for the police's action": "idva@example.org",
        "the police, for the IDVA service's action": "police@example.org",
        "steering": "steering@example.org",
        "admin": "admin@example.org",
    }.get(who)
    if email is None:
        email = make.user(Role.COORDINATOR, area_ids=[make.area().id]).email
    client = as_user(email)
    before = (saved(app, action_id), history(app, action_id))

    page = client.get(f"/actions/{action_id}")
    assert page.status_code == expected
    assert POLICE_TEXT not in _text(page)
    for status in ActionStatus:
        assert forced_update(app, client, action_id, status).status_code == expected
    assert (saved(app, action_id), history(app, action_id)) == before


def test_the_chair_of_the_meeting_may_read_its_actions_but_not_change_them(app, world, as_user):
    action_id = new_action(world, world.police, what=POLICE_TEXT)
    chair = as_user("chair@example.org")
    page = _text(chair.get(f"/actions/{action_id}"))
    assert POLICE_TEXT in page
    assert "Update the action" not in page
    before = history(app, action_id)
    assert forced_update(app, chair, action_id, ActionStatus.COMPLETED).status_code == 403
    assert history(app, action_id) == before
    assert saved(app, action_id).status == ActionStatus.NOT_STARTED


# -- What a status needs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "to_status", "answers", "message"),
    [
        (
            "police@example.org",
            ActionStatus.COMPLETED,
            {"evidence": "Job sheet seen"},
            "Enter the date the action was completed",
        ),
        (
            "police@example.org",
            ActionStatus.COMPLETED,
            {"completed_on": TODAY + timedelta(days=1), "evidence": "Job sheet seen"},
            "The completion date must be today or in the past",
        ),
        (
            "police@example.org",
            ActionStatus.COMPLETED,
            {"completed_on": MEETING_DAY - timedelta(days=1), "evidence": "Job sheet seen"},
            "The completion date must be on or after the day the action was agreed",
        ),
        (
            "police@example.org",
            ActionStatus.COMPLETED,
            {"completed_on": TODAY, "evidence": "   "},
            "Enter the evidence that the action is complete",
        ),
        ("police@example.org", ActionStatus.NOT_POSSIBLE, {"note": " "}, "Enter the reason"),
        ("coordinator@example.org", ActionStatus.NOT_DONE, {}, "Enter the reason"),
        ("police@example.org", None, {"note": "Chased the engineer"}, "Select the status"),
    ],
)
def test_a_status_without_what_it_needs_is_refused_and_the_answers_are_kept(
    app, world, as_user, email, to_status, answers, message
):
    action_id = new_action(world, world.police, status=ActionStatus.IN_PROGRESS)
    client = as_user(email)
    before = (saved(app, action_id), history(app, action_id))
    response = update(client, action_id, to_status, **answers)
    assert response.status_code == 400
    page = _text(response)
    assert message in page
    assert "There is a problem" in page
    assert (saved(app, action_id), history(app, action_id)) == before
    for kept in (answers.get("evidence"), answers.get("note")):
        if kept and kept.strip():
            assert kept in page
    if to_status:
        assert f'value="{to_status}" checked' in page


def test_reopening_a_completed_action_is_kept_in_the_history(app, world, as_user):
    action_id = new_action(world, world.police, status=ActionStatus.IN_PROGRESS)
    police = as_user("police@example.org")
    coordinator = as_user("coordinator@example.org")
    assert (
        update(police, action_id, ActionStatus.COMPLETED, completed_on=TODAY, evidence="Alarm fitted").status_code
        == 302
    )
    assert update(coordinator, action_id, ActionStatus.IN_PROGRESS, note="The alarm is not working").status_code == 302
    assert update(coordinator, action_id, ActionStatus.NOT_DONE, note="Not repaired in 3 weeks").status_code == 302
    police_id, coordinator_id = world.users["police@example.org"], world.users["coordinator@example.org"]
    assert history(app, action_id)[1:] == [
        (ActionStatus.IN_PROGRESS, ActionStatus.COMPLETED, police_id, None),
        # Reopening keeps the completion's date and evidence in the history.
        (
            ActionStatus.COMPLETED,
            ActionStatus.IN_PROGRESS,
            coordinator_id,
            f"The alarm is not working\n\nReopened: it had been completed on {uk_today():%d %B %Y} "
            "with the evidence: Alarm fitted",
        ),
        (ActionStatus.IN_PROGRESS, ActionStatus.NOT_DONE, coordinator_id, "Not repaired in 3 weeks"),
    ]
    page = _text(police.get(f"/actions/{action_id}"))
    titles = re.findall(r'<h3 class="moj-timeline__title">([^<]+)</h3>', page)
    assert titles == [
        "In progress → Not done: agency did not act",
        "Completed → In progress",
        "In progress → Completed",
        "Not started",
    ]
    assert "Not repaired in 3 weeks" in page and "by <bdi>Casey Coordinator</bdi>" in page


# -- Two people at once --------------------------------------------------------------------------


def test_the_second_of_two_updates_gets_a_conflict_page_and_can_save_from_it(app, world, as_user):
    action_id = new_action(world, world.police, what=POLICE_TEXT)
    police = as_user("police@example.org")
    coordinator = as_user("coordinator@example.org")
    police_page = police.get(f"/actions/{action_id}").get_data(as_text=True)
    coordinator_page = coordinator.get(f"/actions/{action_id}").get_data(as_text=True)

    first = update(coordinator, action_id, ActionStatus.IN_PROGRESS, note="Chased the police", page=coordinator_page)
    assert first.status_code == 302
    evidence = "Alarm fitted on Monday: job sheet 4471 seen"
    second = update(police, action_id, ActionStatus.COMPLETED, completed_on=TODAY, evidence=evidence, page=police_page)

    assert second.status_code == 409
    page = _text(second)
    assert "Someone else updated this action while you were editing it" in page
    assert "Nothing you entered has been saved" in page
    # The action as saved now: the coordinator's status and note.
    assert '<strong class="govuk-tag govuk-tag--blue">In progress</strong>' in page
    assert "Chased the police" in page
    # Their own answers, kept to save again.
    assert 'value="completed" checked' in page
    assert f">{evidence}</textarea>" in page
    assert _date_boxes(page, "completed_on") == date_boxes(TODAY)
    # Nothing silently overwritten.
    now = saved(app, action_id)
    assert (now.status, now.evidence, now.status_note) == (ActionStatus.IN_PROGRESS, None, "Chased the police")
    assert [row[1] for row in history(app, action_id)] == [ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS]

    again = update(police, action_id, ActionStatus.COMPLETED, completed_on=TODAY, evidence=evidence, page=page)
    assert again.status_code == 302
    now = saved(app, action_id)
    assert (now.status, now.evidence) == (ActionStatus.COMPLETED, evidence)
    assert history(app, action_id)[-1] == (
        ActionStatus.IN_PROGRESS,
        ActionStatus.COMPLETED,
        world.users["police@example.org"],
        None,
    )


def test_the_same_page_posted_twice_saves_once(app, world, as_user):
    action_id = new_action(world, world.police)
    police = as_user("police@example.org")
    page = police.get(f"/actions/{action_id}").get_data(as_text=True)
    assert update(police, action_id, ActionStatus.IN_PROGRESS, note="Started", page=page).status_code == 302
    assert update(police, action_id, ActionStatus.IN_PROGRESS, note="Started", page=page).status_code == 409
    assert len(history(app, action_id)) == 2


# -- SMART actions in meeting mode ---------------------------------------------------------------


def smart_answers(world, **changes):
    answers = {
        "owner_agency_id": str(world.police),
        "owner_person": "DC Ash Fairweather",
        "protects": "victim",
        "what": POLICE_TEXT,
        "how_known": "The police confirm the alarm is live to the coordinator",
        "due_on": date_boxes(MEETING_DAY + timedelta(days=14)),
        "due_reason": "",
    }
    answers.update(changes)
    return {key: value for key, value in answers.items() if value is not None}


def add_action(client, world, answers):
    url = f"/meetings/{world.meeting.id}/items/{world.item}"
    page = client.get(url).get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "version": version_field(page), "add_action": "Add action"}
    return client.post(url, data={**answers, **form})


def _actions_of(app, case_id):
    with app.app_context():
        return db.session.scalars(sa.select(Action).where(Action.case_id == case_id)).all()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"owner_agency_id": "0"}, "owner_agency_id", "Select the agency that owns the action"),
        ({"owner_agency_id": None}, "owner_agency_id", "Select the agency that owns the action"),
        ({"protects": None}, "protects", "Select who the action protects"),
        ({"what": ""}, "what", "Enter what will be done"),
        ({"what": "Monitor"}, "what", "'monitor' or 'be aware' is not an action"),
        ({"what": "to monitor."}, "what", "'monitor' or 'be aware' is not an action"),
        ({"what": "Be aware"}, "what", "'monitor' or 'be aware' is not an action"),
        ({"what": "Note"}, "what", "Say specifically what will be done and how"),
        ({"how_known": "  "}, "how_known", "Enter how everyone will know the action is complete"),
        ({"due_on": ["", "", ""]}, "due_on", "Enter the due date"),
        ({"due_on": date_boxes(MEETING_DAY - timedelta(days=1))}, "due_on", "must be the same as or after the day of"),
        (
            {"due_on": date_boxes(MEETING_DAY + relativedelta(months=3) + timedelta(days=1))},
            "due_reason",
            "Enter why the action needs more than 3 months",
        ),
    ],
)
def test_an_action_that_is_not_smart_is_refused_with_the_other_answers_kept(
    app, world, as_user, changes, field, message
):
    coordinator = as_user("coordinator@example.org")
    response = add_action(coordinator, world, smart_answers(world, **changes))
    assert response.status_code == 400
    page = _text(response)
    assert message in page
    start = page.index("There is a problem")
    summary = page[start : page.index("</ul>", start)]
    assert f'href="#{field}' in summary
    assert summary.count("<li>") == 1
    assert _actions_of(app, world.case.id) == []
    answers = smart_answers(world, **changes)
    assert 'value="DC Ash Fairweather"' in page
    if field not in ("owner_agency_id",):
        assert f'<option value="{world.police}" selected>' in page
    if field not in ("what",):
        assert f">{POLICE_TEXT}</textarea>" in page
    if field not in ("how_known",):
        assert f">{answers['how_known']}</textarea>" in page
    if field != "protects":
        assert 'name="protects" type="radio" value="victim" checked' in page
    assert _date_boxes(page, "due_on") == answers["due_on"]


def test_every_smart_problem_at_once(app, world, as_user):
    response = add_action(
        as_user("coordinator@example.org"),
        world,
        {"owner_agency_id": "0", "what": "be aware", "how_known": "", "due_on": ["", "", ""], "owner_person": "DC Ash"},
    )
    assert response.status_code == 400
    page = _text(response)
    for message in (
        "Select the agency that owns the action",
        "Select who the action protects",
        "'monitor' or 'be aware' is not an action",
        "Enter how everyone will know the action is complete",
        "Enter the due date",
    ):
        assert message in page
    assert 'value="DC Ash"' in page and ">be aware</textarea>" in page
    assert _actions_of(app, world.case.id) == []


@pytest.mark.parametrize(
    ("due_on", "due_reason"),
    [
        (MEETING_DAY, ""),  # the day of the meeting itself
        (MEETING_DAY + relativedelta(months=3), ""),  # exactly 3 months: no reason needed
        (MEETING_DAY + relativedelta(months=6), "The injunction hearing is listed for then"),
    ],
)
def test_a_smart_action_is_agreed_for_the_owning_agency(app, world, as_user, due_on, due_reason):
    coordinator = as_user("coordinator@example.org")
    response = add_action(coordinator, world, smart_answers(world, due_on=date_boxes(due_on), due_reason=due_reason))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/meetings/{world.meeting.id}/items/{world.item}#actions")
    (action,) = _actions_of(app, world.case.id)
    assert (action.owner_agency_id, action.owner_person, action.protects) == (
        world.police,
        "DC Ash Fairweather",
        "victim",
    )
    assert (action.what, action.due_on, action.due_reason) == (POLICE_TEXT, due_on, due_reason or None)
    assert (action.meeting_id, action.agenda_item_id, action.status) == (world.meeting.id, world.item, "not_started")
    assert action.created_by_id == world.users["coordinator@example.org"]
    assert history(app, action.id) == [(None, "not_started", world.users["coordinator@example.org"], "Agreed")]
    with app.app_context():  # the police now have a part in the case
        assert db.session.get(CaseAgency, (world.case.id, world.police)) is not None
    assert POLICE_TEXT in _text(as_user("police@example.org").get("/actions/"))
    assert POLICE_TEXT not in _text(as_user("housing@example.org").get("/actions/"))


def test_an_agency_rep_cannot_add_actions(app, world, as_user):
    police = as_user("police@example.org")
    token = csrf_from(police.get("/").get_data(as_text=True))
    url = f"/meetings/{world.meeting.id}/items/{world.item}"
    answers = {**smart_answers(world), "csrf_token": token, "add_action": "Add action"}
    assert police.post(url, data=answers).status_code == 403
    assert _actions_of(app, world.case.id) == []


# -- Other agencies' actions are never shown -----------------------------------------------------


def _rows(response):
    page = _text(response)
    return re.findall(r'href="/actions/(\d+)"', page)


def test_an_agency_sees_only_its_own_actions_whatever_the_filters(app, world, as_user):
    mine = new_action(world, world.police, what=POLICE_TEXT)
    theirs = new_action(world, world.housing, what=HOUSING_TEXT)
    police = as_user("police@example.org")
    for query in (
        "",
        f"?agency_id={world.housing}",
        f"?meeting_id={world.meeting.id}",
        f"?meeting_id={world.meeting.id}&agency_id={world.housing}",
        "?status=not_started",
        "?status=open&due=week&page=1",
    ):
        response = police.get(f"/actions/{query}")
        assert response.status_code == 200
        page = _text(response)
        assert HOUSING_TEXT not in page and f"A{theirs:06d}" not in page, query
        assert 'id="agency_id"' not in page  # no agency filter for a representative
        if "due=week" not in query:
            assert _rows(response) == [str(mine)], query
    assert police.get(f"/actions/{theirs}").status_code == 404

    coordinator = as_user("coordinator@example.org")
    assert _rows(coordinator.get(f"/actions/?agency_id={world.housing}")) == [str(theirs)]
    assert sorted(_rows(coordinator.get("/actions/"))) == sorted([str(mine), str(theirs)])


def test_a_coordinator_sees_only_the_actions_of_their_areas(app, world, make, as_user):
    action_id = new_action(world, world.police, what=POLICE_TEXT)
    elsewhere = make.user(Role.COORDINATOR, area_ids=[make.area().id])
    client = as_user(elsewhere.email)
    page = _text(client.get(f"/actions/?agency_id={world.police}"))
    assert POLICE_TEXT not in page and "No actions match." in page
    assert client.get(f"/actions/{action_id}").status_code == 404


def test_an_agency_sees_its_actions_only_in_its_own_areas(app, world, make, as_user):
    action_id = new_action(world, world.police, what=POLICE_TEXT)
    same_agency_elsewhere = make.user(Role.AGENCY_REP, agency_id=world.police, area_ids=[make.area().id])
    client = as_user(same_agency_elsewhere.email)
    assert POLICE_TEXT not in _text(client.get("/actions/"))
    assert client.get(f"/actions/{action_id}").status_code == 404
    assert _rows(as_user("police@example.org").get("/actions/")) == [str(action_id)]


def test_a_chair_sees_the_actions_of_the_meetings_they_chair_in_their_areas_only(app, world, make, as_user):
    """Chairs are chosen from the meeting's area (meetings.chairs): one named on a meeting of an area
    they do not work in (or no longer do) sees nothing of it."""
    action_id = new_action(world, world.police, what=POLICE_TEXT)
    chair = make.user(Role.CHAIR, area_ids=[world.area])
    elsewhere = make.user(Role.CHAIR, area_ids=[make.area().id])
    for who, shown in ((chair, [str(action_id)]), (elsewhere, [])):
        with app.app_context():
            db.session.get(Meeting, world.meeting.id).chair_id = who.id
            db.session.commit()
        client = as_user(who.email)
        page = _text(client.get("/actions/"))
        assert (f'<option value="{world.meeting.id}"' in page) == bool(shown)
        assert _rows(client.get(f"/actions/?meeting_id={world.meeting.id}")) == shown


def _pdf_text(response):
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(response.data)).pages
    )


def test_an_agency_has_the_pdf_of_its_own_actions_only(app, world, as_user):
    new_action(world, world.police, what=POLICE_TEXT)
    new_action(world, world.housing, what=HOUSING_TEXT)
    police = as_user("police@example.org")
    base = f"/meetings/{world.meeting.id}/actions"

    assert police.get(f"{base}/{world.housing}.pdf").status_code == 403
    text = _pdf_text(police.get(f"{base}/{world.police}.pdf"))
    assert "Police to fit a panic alarm" in text
    assert "change the locks" not in text and "door viewer" not in text
    assert "Northmoor Housing" not in text

    housing_text = _pdf_text(as_user("housing@example.org").get(f"{base}/{world.housing}.pdf"))
    assert "change the locks" in housing_text and "panic alarm" not in housing_text


def _csv(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="marac-actions-')
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_action_list_downloads_as_filtered_for_each_agency_its_own(app, world, as_user):
    mine = new_action(world, world.police, what=POLICE_TEXT)
    done = new_action(world, world.police, status=ActionStatus.COMPLETED, what='=HYPERLINK("http://x")')
    theirs = new_action(world, world.housing, what=HOUSING_TEXT)
    police = as_user("police@example.org")
    page = _text(police.get("/actions/?status=open"))
    assert 'href="/actions/actions.csv?status=open"' in page  # the link carries the filters

    rows = _csv(police.get("/actions/actions.csv"))
    assert rows[0] == ["Reference", "Case", "Action", "Owner", "Due", "Status", "Overdue"]
    assert sorted(row[0] for row in rows[1:]) == [f"A{mine:06d}", f"A{done:06d}"]  # never housing's
    assert HOUSING_TEXT not in str(rows) and f"A{theirs:06d}" not in str(rows)
    # What a spreadsheet would run as a formula is written as text.
    assert '\'=HYPERLINK("http://x")' in [row[2] for row in rows]
    assert [row[0] for row in _csv(police.get("/actions/actions.csv?status=open"))[1:]] == [f"A{mine:06d}"]
    mine_row = next(row for row in rows if row[0] == f"A{mine:06d}")
    assert mine_row[1:] == [
        f"C{world.case.id:06d}",
        POLICE_TEXT,
        "Northmoor Police",
        (MEETING_DAY + timedelta(days=28)).isoformat(),
        "Not started",
        "No",
    ]
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).filter_by(event="actions.exported")).all()[-1]
    assert event.detail == {"count": 1, "status": "open"} and event.user_id == world.users["police@example.org"]

    coordinator = as_user("coordinator@example.org")
    rows = _csv(coordinator.get(f"/actions/actions.csv?agency_id={world.housing}"))
    assert [row[0] for row in rows[1:]] == [f"A{theirs:06d}"]


# -- Completion by agency ------------------------------------------------------------------------


def _overview_row(page, agency_name):
    for row in page.split("<tr")[1:]:
        if agency_name in row:
            return " ".join(re.sub(r"<[^>]+>", " ", row.split(">", 1)[1].split("</tr>")[0]).split())
    return None


def test_the_completion_rate_changes_when_an_action_is_completed(app, world, as_user):
    police_action = new_action(world, world.police, due_on=TODAY)
    new_action(world, world.housing, due_on=TODAY)
    new_action(world, world.police, due_on=TODAY + timedelta(days=30))  # not yet due: not counted
    coordinator = as_user("coordinator@example.org")
    quarter = f"{TODAY.year} Q{(TODAY.month - 1) // 3 + 1}"

    before = _text(coordinator.get("/actions/overview"))
    assert f">{quarter}</th>" in before
    assert _overview_row(before, "Northmoor Police") == "Northmoor Police 0% (0 of 1) 0"
    assert _overview_row(before, "Northmoor Housing") == "Northmoor Housing 0% (0 of 1) 0"

    police = as_user("police@example.org")
    evidence = "Alarm live: confirmed by the monitoring centre"
    assert (
        update(police, police_action, ActionStatus.COMPLETED, completed_on=TODAY, evidence=evidence).status_code == 302
    )

    after = _text(coordinator.get("/actions/overview"))
    assert _overview_row(after, "Northmoor Police") == "Northmoor Police 100% (1 of 1) 0"
    assert _overview_row(after, "Northmoor Housing") == "Northmoor Housing 0% (0 of 1) 0"


def test_the_overview_counts_overdue_actions_and_repeated_non_completion(app, world, as_user):
    new_action(world, world.police, due_on=TODAY - timedelta(days=3))
    new_action(world, world.housing, due_on=TODAY - timedelta(days=20), status=ActionStatus.NOT_DONE)
    new_action(world, world.housing, due_on=TODAY - timedelta(days=10), status=ActionStatus.NOT_DONE)
    new_action(world, world.police, due_on=TODAY - timedelta(days=10), status=ActionStatus.NOT_DONE)
    page = _text(as_user("coordinator@example.org").get("/actions/overview"))
    assert _overview_row(page, "Northmoor Police").endswith(" 1")  # overdue now
    assert "<li><bdi>Northmoor Housing</bdi>: 2 actions not done</li>" in page
    assert "<bdi>Northmoor Police</bdi>: " not in page


def test_the_overview_is_for_coordinators(world, as_user):
    for email in ("police@example.org", "chair@example.org", "steering@example.org"):
        assert as_user(email).get("/actions/overview").status_code == 403


def test_completion_is_counted_in_the_quarter_each_action_fell_due(app, world):
    for month in range(1, 13):
        status = ActionStatus.COMPLETED if month % 2 == 0 else ActionStatus.NOT_STARTED
        new_action(world, world.police, due_on=date(2026, month, 15), status=status)
    new_action(world, world.police, due_on=date(2025, 12, 31), status=ActionStatus.COMPLETED)  # before the 4 quarters
    with app.app_context():
        rows = actions.completion_by_agency(Action.owner_agency_id == world.police, today=date(2026, 12, 31))
    assert [tuple(row) for row in rows] == [
        (world.police, 2026, 1, 1, 3),  # Jan, Feb (completed), Mar
        (world.police, 2026, 2, 2, 3),  # Apr (completed), May, Jun (completed)
        (world.police, 2026, 3, 1, 3),
        (world.police, 2026, 4, 2, 3),
    ]


# -- Query budgets ------------------------------------------------------------------------------

# Statements per page, measured on SQLite and PostgreSQL, the same with 10 actions as with 10,000:
# the session, roles and areas (3), the rows and their agencies (2), the meeting filter's
# options (the user's areas' meetings), the audit event and the unread-notification count (3); a
# coordinator's agency filter's options (1 more). The overview: session, roles, areas, the rates,
# agency names, overdue counts, repeated non-completion, audit, notifications.
BUDGETS = {"representative's list": 8, "coordinator's list": 9, "overview": 9}


def test_the_action_list_and_overview_cost_the_same_with_10_and_10000_actions(app, world, as_user, monkeypatch):
    monkeypatch.setattr(sessions, "LAST_SEEN_RESOLUTION_SECONDS", 10**9)  # no last-seen write mid-test
    case_ids = [world.case.id] + [CaseFactory(app).case(world.area).id for _ in range(59)]
    agencies = [world.police, world.housing, world.idva_service]
    statuses = [ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.COMPLETED, ActionStatus.NOT_DONE]
    police, coordinator = as_user("police@example.org"), as_user("coordinator@example.org")
    pages = [
        (police, "/actions/"),
        (police, "/actions/?status=open&due=overdue"),
        (police, f"/actions/?meeting_id={world.meeting.id}"),
        (coordinator, "/actions/"),
        (coordinator, f"/actions/?agency_id={world.housing}"),
        (coordinator, "/actions/overview"),
    ]

    def measure():
        counts = []
        for client, url in pages:
            client.get(url)  # anything a first visit does once
            with counted_queries(app) as statements:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(len(statements))
        return counts

    first_due = TODAY - timedelta(days=60)
    world.factory.bulk(
        10, case_ids=case_ids, agency_ids=agencies, first_due=first_due, meeting_id=world.meeting.id, statuses=statuses
    )
    small = measure()
    world.factory.bulk(
        9_990,
        case_ids=case_ids,
        agency_ids=agencies,
        first_due=first_due,
        meeting_id=world.meeting.id,
        statuses=statuses,
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Action.id))) == 10_000
    large = measure()

    assert large == small
    budgets = ["representative's list"] * 3 + ["coordinator's list"] * 2 + ["overview"]
    for (_client, url), budget, count in zip(pages, budgets, large, strict=True):
        assert count <= BUDGETS[budget], (url, count)
    with counted_queries(app) as statements:  # a later page of the 10,000
        assert coordinator.get("/actions/?page=3").status_code == 200
    assert len(statements) == large[3]
    full = _text(police.get("/actions/"))
    assert len(re.findall(r'href="/actions/\d+"', full)) == 50 and 'rel="next"' in full
    # Many more cases on the page than with 10 actions: one query per case would have shown.
    assert len(set(re.findall(r">C\d{6}<", full))) > 10


def test_filters_typed_into_the_csv_address_are_no_filters_and_never_audited(app, world, as_user):
    mine = new_action(world, world.police, what=POLICE_TEXT)
    police = as_user("police@example.org")
    for query in ("status=Jane%20Smith", "due=Smith_14-05-1991"):
        rows = _csv(police.get(f"/actions/actions.csv?{query}"))
        assert [row[0] for row in rows[1:]] == [f"A{mine:06d}"], query
    assert police.get("/actions/actions.csv?meeting_id=Jane").status_code == 404  # no such meeting
    with app.app_context():
        exported = sa.select(AuditEvent).filter_by(event="actions.exported")
        details = [event.detail for event in db.session.scalars(exported)]
    assert len(details) == 2 and "Smith" not in str(details) and "Jane" not in str(details)
