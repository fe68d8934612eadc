"""Meeting mode never loses what was typed: one form per case holds the notes, the risk after
discussion and the action being added or changed. Every button saves the notes; an action refused
keeps every word; two people saving the same case's notes get the conflict page, their input kept."""

import html as html_lib
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from marac.services import caseload, meetings, victim_views
from models import (
    Action,
    ActionStatus,
    ActionUpdate,
    AgencyKind,
    AgendaItem,
    Area,
    AuditEvent,
    Case,
    CaseChild,
    CasePerpetrator,
    Meeting,
    Person,
    Referral,
    ReferralStatus,
    User,
    db,
)
from models.clock import uk_today, utcnow
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory
from tests.helpers import counted_queries, signed_in
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


def test_saving_the_notes_keeps_an_action_half_typed_on_the_page_and_says_it_is_not_added(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    answer = press(coordinator, world.url, SAVE_NOTES, {"discussion": NOTES, "what": "Refer to the sanctuary"})
    assert answer.status_code == 400
    page = _page(answer)
    assert error_summary(page) == ["The action below is not added yet: press Add action to add it, or clear it"]
    assert 'href="#add_action"' in page and 'id="add_action"' in page and "Notes saved." in page
    assert field_values(page)["what"] == "Refer to the sanctuary" and field_errors(page) == {}
    assert _item(app, world)[0] == NOTES and _actions(app, world) == []


def test_saving_the_notes_shows_what_cannot_be_kept_of_an_action_half_typed(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    typed = {"discussion": NOTES, "what": "x" * 5001, "due_on": ["41", "13", "2026"]}
    answer = press(coordinator, world.url, SAVE_NOTES, typed)
    assert answer.status_code == 400
    errors = field_errors(_page(answer))
    assert set(errors) == {"what", "due_on"}, errors
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
    pending = press(coordinator, world.url, SAVE_NOTES, {"how_known": "Police confirm by email"}, page=_page(refused))
    assert pending.status_code == 400
    assert error_summary(_page(pending)) == [
        "The change to the action below is not saved yet: press Save the action, or Cancel the change"
    ]
    assert field_values(_page(pending))["how_known"] == "Police confirm by email"
    cancelled = press(coordinator, world.url, ("cancel_change", "Cancel the change"), page=_page(pending))
    assert cancelled.status_code == 302 and cancelled.headers["Location"].endswith("#actions")
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


# -- The facts of the case on screen ------------------------------------------------------------


def _everything(app, world, *, children=1, contacts=1, earlier_actions=2):
    """Give the world's case every fact meeting mode shows; `children`, `contacts` and
    `earlier_actions` make more of the rows that must not cost more queries."""
    cases, factory = CaseFactory(app), world.factory
    cases.completed_dashes(world.case.id, 1, yes=15)
    other = cases.case(world.case.area_id)  # the same perpetrator, another victim: serial
    earlier_day = uk_today() - timedelta(days=120)
    earlier = factory.meeting(world.case.area_id, earlier_day, case_ids=[world.case.id], publish=True)
    for number in range(earlier_actions):
        factory.action(
            world.case.id,
            world.housing,
            due_on=earlier_day + timedelta(days=14 + number),
            status=ActionStatus.COMPLETED if number else ActionStatus.NOT_DONE,
            meeting_id=earlier.id,
            item_id=earlier.items[world.case.id],
            by=world.users["coordinator@example.org"],
            what=f"Housing to change the locks at the flat ({number})",
        )
    open_action = factory.action(
        world.case.id, world.police, due_on=uk_today() + timedelta(days=3), what="Police to review bail conditions"
    )
    with app.app_context():
        case = db.session.get(Case, world.case.id)
        case.victim_fears = "Her brother-in-law, who lives nearby"
        case.not_safe_to_share_with = "Her mother: she passes everything on"
        db.session.add(
            CasePerpetrator(case_id=other.id, person_id=world.case.perpetrator_id, relationship_to_victim="partner")
        )
        for number in range(children):
            child = Person(
                first_name=f"Kit{number}",
                last_name="Testchild",
                date_of_birth=uk_today().replace(year=uk_today().year - 7 - number),
            )
            case.children.append(
                CaseChild(person=child, relationship_to_victim="child", relationship_to_perpetrator="child")
            )
        first = Referral(
            area_id=case.area_id,
            case_id=case.id,
            status=ReferralStatus.ACCEPTED,
            referred_on=earlier_day - timedelta(days=14),
            referring_agency_id=world.housing,
            referrer_id=world.users["housing@example.org"],
            referrer_name="Pat",
            draft={},
            criteria=["visible_high_risk"],
        )
        db.session.add(first)
        db.session.flush()
        db.session.add(
            Referral(
                area_id=case.area_id,
                case_id=case.id,
                status=ReferralStatus.ACCEPTED,
                referred_on=uk_today() - timedelta(days=3),
                referring_agency_id=world.police,
                referrer_id=world.users["police@example.org"],
                referrer_name="Sam",
                draft={},
                criteria=["professional_judgement", "repeat"],
                is_repeat=True,
                repeat_of_id=first.id,
            )
        )
        item = db.session.get(AgendaItem, earlier.items[world.case.id])
        meetings.save_discussion(item, "Discussed before", "high")
        held = db.session.get(Meeting, earlier.id)
        held.status = "minutes_sent"
        idva = db.session.get(User, world.users["idva@example.org"])
        support, _happened = caseload.allocate(
            case, idva, db.session.get(User, world.users["idva.manager@example.org"])
        )
        for number in range(contacts):
            caseload.log_contact(
                case,
                support,
                idva,
                contacted_at=utcnow() - timedelta(days=2 + number),
                method="phone",
                outcome="spoke",
                was_safe=True,
            )
        victim_views.record(
            case,
            {
                "wants": "To stay in her home with the locks changed",
                "fears": "That he finds out she spoke to the police",
                "agrees_to_share": "All of it except her new phone number",
                "knows_of_referral": "yes",
            },
            idva,
        )
        db.session.commit()
        return first.id, open_action


def test_meeting_mode_shows_every_fact_of_the_case(app, world):
    first_referral, open_action = _everything(app, world)
    page = " ".join(_page(signed_in(app, "coordinator@example.org").get(world.url)).split())
    voice = page.index("The victim's voice")
    assert voice < page.index("The case") < page.index("Research"), "the victim's voice at the top"
    for fact in (
        "To stay in her home with the locks changed",
        "That he finds out she spoke to the police",
        "All of it except her new phone number",
        'Do they know of the referral?</dt><dd class="govuk-summary-list__value">Yes',
        "High risk</strong> DASH score 15 of 24",
        "Visible high risk:",  # the route, with why
        "by <bdi>Northmoor Police</bdi>",
        "Reasons: Professional judgement, Repeat MARAC case",
        f"Repeat</strong> of referral R{first_referral:06d}",
        "Serial perpetrator",
        "Kit0 Testchild</bdi>, aged 7",
        "Her brother-in-law, who lives nearby",
        "Her mother: she passes everything on",
        "Indra Advisor</bdi>, since",
        "Last contact with the victim: ",
        "Discussed; risk after discussion high; 2 actions: 1 not done, 1 completed",
        "Housing to change the locks at the flat (0)</bdi> — <strong>Not done: agency did not act",
        f"A{open_action:06d} <bdi>Northmoor Police</bdi>: <bdi>Police to review bail conditions</bdi>",
    ):
        assert fact in page, fact
    assert "Last contact with the victim: none yet" not in page


def test_serial_perpetrators_are_flagged_to_coordinators_only(app, world):
    _everything(app, world)
    assert "Serial perpetrator" not in _page(signed_in(app, "chair@example.org").get(world.url))


def _queries(app, client, url):
    client.get(url)  # the session's first look at the page reads what later ones have cached
    with counted_queries(app) as statements:
        assert client.get(url).status_code == 200
    return statements


def test_meeting_mode_reads_the_facts_in_a_fixed_number_of_queries(app, world):
    _everything(app, world)
    coordinator = signed_in(app, "coordinator@example.org")
    small = len(_queries(app, coordinator, world.url))
    _everything(app, world, children=5, contacts=5, earlier_actions=6)  # another earlier MARAC, and more of all
    large = _queries(app, coordinator, world.url)
    assert small == len(large), (small, len(large))
    assert len(large) <= QUERY_BUDGET, "\n".join(statement[:120] for statement in large)


# The page's own reads, and the header's (of which the unread notifications' count is run 7 times).
QUERY_BUDGET = 46
