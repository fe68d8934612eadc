"""Meeting mode never loses what was typed: one form per case holds the notes, the risk after
discussion and the action being added or changed. Every button saves the notes; an action refused
keeps every word; two people saving the same case's notes get the conflict page, their input kept."""

import html as html_lib
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from models import Action, ActionStatus, ActionUpdate, AgencyKind, AgendaItem, Area, AuditEvent, User, db
from models.clock import uk_today
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory
from tests.helpers import signed_in
from tests.pages import date_boxes, error_summary, field_errors, field_values

MEETING_DAY = uk_today() + timedelta(days=7)
NOTES = "Bail conditions breached twice this month.\nThe victim wants the locks changed first."
SMART = {
    "protects": "victim",
    "what": "Police to fit a panic alarm at the victim's flat",
    "how_known": "The police confirm the alarm is live",
    "due_on": date_boxes(MEETING_DAY + timedelta(days=14)),
    "due_reason": "",
}


@pytest.fixture
def world(app, demo):
    with app.app_context():
        area = db.session.query(Area).filter_by(name="Northmoor").one()
        agencies = {agency.kind: agency.id for agency in area.agencies}
        users = {user.email: user.id for user in db.session.query(User)}
    case = CaseFactory(app).case(area.id)
    factory = ActionFactory(app)
    meeting = factory.meeting(
        area.id, MEETING_DAY, case_ids=[case.id], chair_id=users["chair@example.org"], publish=True
    )
    item = meeting.items[case.id]
    return SimpleNamespace(
        case=case,
        meeting=meeting,
        item=item,
        url=f"/meetings/{meeting.id}/items/{item}",
        users=users,
        police=agencies[AgencyKind.POLICE],
        housing=agencies[AgencyKind.HOUSING],
        factory=factory,
    )


def _page(response):
    return html_lib.unescape(response.get_data(as_text=True))


def press(client, url, button, changes=None, page=None):
    """Send the page's form as a browser does: every field as shown (or as `page` showed it), with
    `changes` typed in and `button` ((name, value)) pressed."""
    html = page if page is not None else client.get(url).get_data(as_text=True)
    data = {name: value for name, value in field_values(html).items() if name not in ("query",)}
    data.update(changes or {})
    data[button[0]] = button[1]
    return client.post(url, data=data)


ADD = ("add_action", "Add action")
SAVE_NOTES = ("save_notes", "Save notes")


def _item(app, world):
    with app.app_context():
        item = db.session.get(AgendaItem, world.item)
        return item.discussion, item.risk_after, item.version


def _actions(app, world):
    with app.app_context():
        return db.session.scalars(sa.select(Action).where(Action.case_id == world.case.id).order_by(Action.id)).all()


def _events(app, name):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.event == name)).all()


def test_an_action_refused_keeps_the_notes_typed_and_saves_them(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    typed = {
        "discussion": NOTES,
        "risk_after": "high",
        **SMART,
        "owner_agency_id": str(world.police),
        "what": "Monitor",
    }
    refused = press(coordinator, world.url, ADD, typed)

    assert refused.status_code == 400
    page = _page(refused)
    assert error_summary(page) == [
        "Say specifically what will be done and how: 'monitor' or 'be aware' is not an action"
    ]
    shown = field_values(page)
    assert (shown["discussion"], shown["risk_after"], shown["what"]) == (NOTES, "high", "Monitor")
    assert shown["how_known"] == SMART["how_known"] and shown["owner_agency_id"] == str(world.police)
    assert _item(app, world)[:2] == (NOTES, "high")  # saved already: nothing depends on the action
    assert _actions(app, world) == []

    fixed = press(coordinator, world.url, ADD, {"what": SMART["what"]}, page=page)
    assert fixed.status_code == 302 and fixed.headers["Location"].endswith(f"{world.url}#actions")
    (action,) = _actions(app, world)
    assert (action.what, action.owner_agency_id, action.agenda_item_id) == (SMART["what"], world.police, world.item)
    after = field_values(_page(coordinator.get(world.url)))
    assert (after["discussion"], after["risk_after"], after["what"]) == (NOTES, "high", "")
    assert len(_events(app, "meeting.discussion_saved")) == 1  # once: the second send changed nothing


def test_adding_an_action_saves_the_notes_typed_with_it(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    answer = press(coordinator, world.url, ADD, {"discussion": NOTES, **SMART, "owner_agency_id": str(world.police)})
    assert answer.status_code == 302
    assert _item(app, world)[0] == NOTES and len(_actions(app, world)) == 1
    assert "Notes saved. Action A" in _page(coordinator.get(world.url))


def test_saving_the_notes_keeps_an_action_half_typed_on_the_page(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    answer = press(coordinator, world.url, SAVE_NOTES, {"discussion": NOTES, "what": "Refer to the sanctuary"})
    assert answer.status_code == 200
    page = _page(answer)
    assert "The action below is not added yet" in page
    assert field_values(page)["what"] == "Refer to the sanctuary" and field_errors(page) == {}
    assert _item(app, world)[0] == NOTES and _actions(app, world) == []


def test_saving_the_notes_alone_goes_back_to_the_case(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    answer = press(coordinator, world.url, SAVE_NOTES, {"discussion": NOTES, "risk_after": "medium"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(world.url)
    assert _item(app, world)[:2] == (NOTES, "medium")


def _agreed(world, agency_id=None, **kwargs):
    return world.factory.action(
        world.case.id,
        agency_id or world.police,
        due_on=MEETING_DAY + timedelta(days=28),
        meeting_id=world.meeting.id,
        item_id=world.item,
        by=world.users["coordinator@example.org"],
        **kwargs,
    )


def test_changing_an_action_saves_the_notes_and_keeps_the_change_in_its_history(app, world):
    action_id = _agreed(world)
    coordinator = signed_in(app, "coordinator@example.org")
    opened = press(coordinator, world.url, ("change_action", str(action_id)), {"discussion": NOTES})
    assert opened.status_code == 200
    page = _page(opened)
    assert f"Change action A{action_id:06d}" in page and _item(app, world)[0] == NOTES
    shown = field_values(page)
    assert shown["changing"] == str(action_id) and shown["owner_agency_id"] == str(world.police)
    assert shown["discussion"] == NOTES

    more = NOTES + "\nHousing take the locks."
    saved = press(
        coordinator,
        world.url,
        ("save_action", "Save the action"),
        {"discussion": more, "owner_agency_id": str(world.housing), "what": "Housing to change the locks this week"},
        page=page,
    )
    assert saved.status_code == 302, error_summary(_page(saved))
    (action,) = _actions(app, world)
    assert (action.owner_agency_id, action.what) == (world.housing, "Housing to change the locks this week")
    assert _item(app, world)[0] == more
    with app.app_context():
        notes = db.session.scalars(sa.select(ActionUpdate.note).where(ActionUpdate.action_id == action_id)).all()
    assert notes == ["Agreed", "Changed at the meeting"]
    assert [event.detail["action_id"] for event in _events(app, "action.changed")] == [action_id]


def test_a_change_refused_keeps_the_change_and_the_notes(app, world):
    action_id = _agreed(world)
    coordinator = signed_in(app, "coordinator@example.org")
    page = _page(press(coordinator, world.url, ("change_action", str(action_id))))
    refused = press(
        coordinator, world.url, ("save_action", "Save the action"), {"discussion": NOTES, "how_known": ""}, page=page
    )
    assert refused.status_code == 400
    shown = field_values(_page(refused))
    assert (shown["changing"], shown["discussion"], shown["how_known"]) == (str(action_id), NOTES, "")
    assert "Enter how everyone will know the action is complete" in error_summary(_page(refused))
    assert _item(app, world)[0] == NOTES
    assert _actions(app, world)[0].how_known == "Confirmed in writing to the MARAC coordinator"


def test_removing_an_action_saves_the_notes(app, world):
    action_id = _agreed(world)
    coordinator = signed_in(app, "coordinator@example.org")
    answer = press(coordinator, world.url, ("remove_action", str(action_id)), {"discussion": NOTES})
    assert answer.status_code == 302
    assert _actions(app, world) == [] and _item(app, world)[0] == NOTES
    assert [event.detail["action_id"] for event in _events(app, "action.removed")] == [action_id]


def test_an_action_already_worked_on_or_of_another_meeting_is_neither_changed_nor_removed(app, world):
    started = _agreed(world, status=ActionStatus.IN_PROGRESS)
    elsewhere = world.factory.action(world.case.id, world.police, due_on=MEETING_DAY + timedelta(days=28))
    coordinator = signed_in(app, "coordinator@example.org")
    page = _page(coordinator.get(world.url))
    assert 'name="change_action"' not in page and 'name="remove_action"' not in page
    for action_id in (started, elsewhere):
        answer = press(coordinator, world.url, ("remove_action", str(action_id)), {"discussion": NOTES})
        assert answer.status_code == 302
        assert "can no longer be changed here" in _page(coordinator.get(world.url))
    assert len(_actions(app, world)) == 2 and _item(app, world)[0] == NOTES


def test_the_chair_and_the_coordinator_on_one_case_the_second_gets_the_conflict_page_with_their_input(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    chair = signed_in(app, "chair@example.org")
    chairs_page = chair.get(world.url).get_data(as_text=True)
    assert press(coordinator, world.url, SAVE_NOTES, {"discussion": NOTES}).status_code == 302

    mine = "Chair: the children's school to be told today."
    typed = {"discussion": mine, **SMART, "owner_agency_id": str(world.housing)}
    conflict = press(chair, world.url, ADD, typed, page=chairs_page)
    assert conflict.status_code == 409
    page = _page(conflict)
    assert "Someone else saved notes for this case while you were typing" in page
    assert NOTES.split("\n")[0] in page  # what is saved now, beside theirs
    shown = field_values(page)
    assert (shown["discussion"], shown["what"], shown["owner_agency_id"]) == (mine, SMART["what"], str(world.housing))
    assert _item(app, world)[0] == NOTES and _actions(app, world) == []  # nothing of theirs written

    combined = NOTES + "\n" + mine
    again = press(chair, world.url, ADD, {"discussion": combined}, page=page)  # sent on from the saved version
    assert again.status_code == 302
    assert _item(app, world)[0] == combined and len(_actions(app, world)) == 1


# -- Drafts of the notes, saved by the page as they are typed ------------------------------------


def _draft(client, world, text, version=None):
    page = client.get(world.url).get_data(as_text=True)
    values = field_values(page)
    return client.post(
        f"{world.url}/draft",
        data={"csrf_token": values["csrf_token"], "version": version or values["version"], "discussion": text},
    )


def test_a_draft_is_given_back_to_its_writer_only_until_they_save_the_notes(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    assert _draft(coordinator, world, NOTES).status_code == 204
    assert _item(app, world)[0] is None  # a draft is not the notes

    page = _page(coordinator.get(world.url))
    assert field_values(page)["discussion"] == NOTES
    assert "A draft of your notes saved at " in page and "It is not the case's notes until you press Save notes" in page
    assert "What is saved now" not in page
    chairs = _page(signed_in(app, "chair@example.org").get(world.url))
    assert field_values(chairs)["discussion"] == "" and "A draft of your notes" not in chairs
    assert len(_events(app, "meeting.draft_saved")) == 1 and len(_events(app, "meeting.draft_restored")) == 1

    assert press(coordinator, world.url, SAVE_NOTES, page=page).status_code == 302
    assert _item(app, world)[0] == NOTES
    again = _page(coordinator.get(world.url))
    assert "A draft of your notes" not in again and field_values(again)["discussion"] == NOTES


def test_a_draft_typed_over_notes_saved_since_shows_what_is_saved_now(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    chair = signed_in(app, "chair@example.org")
    assert _draft(coordinator, world, "Coordinator's draft").status_code == 204
    assert press(chair, world.url, SAVE_NOTES, {"discussion": "Chair's notes"}).status_code == 302
    page = _page(coordinator.get(world.url))
    assert field_values(page)["discussion"] == "Coordinator's draft"
    assert "The notes have been saved since your draft" in page and "Chair's notes" in page


def test_a_draft_that_cannot_be_kept_is_refused_and_agencies_may_not_send_one(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    assert _draft(coordinator, world, "x" * 20_001).status_code == 400
    assert _draft(coordinator, world, NOTES, version="not a number").status_code == 400
    police = signed_in(app, "police@example.org")
    token = field_values(police.get("/").get_data(as_text=True)).get("csrf_token")
    refused = police.post(f"{world.url}/draft", data={"csrf_token": token, "version": "1", "discussion": NOTES})
    assert refused.status_code == 403
    assert _events(app, "meeting.draft_saved") == []
