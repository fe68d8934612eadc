"""Every form that makes a record, sent twice (a double click, the back button and send again, a
slow network's retry): one record, and the second send lands where the first did. Sent one
after the other, and at the same moment from two connections."""

import itertools
from datetime import date, timedelta
from functools import partial
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from models import (
    Action,
    Agency,
    AgendaItem,
    ApiToken,
    Area,
    Case,
    CaseChild,
    CasePerpetrator,
    Contact,
    LegalHold,
    Meeting,
    MinutesVersion,
    OnwardReferral,
    Referral,
    RiskAssessment,
    User,
    VictimView,
    db,
)
from models.clock import uk_today
from tests.concurrency.conftest import ROUNDS, filled_form, race, status, statuses, twin
from tests.factories import PASSWORD
from tests.factories.caseload import CaseloadFactory
from tests.pages import date_boxes

_numbers = itertools.count(1)
TODAY = uk_today()


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _idva_case(world, ids):
    case = world.cases.case(world.area_id)
    manager = ids.users["idva.manager@example.org"]
    CaseloadFactory(world.actions.app).allocate(case.id, ids.users["idva@example.org"], manager)
    return case


# Each form: who sends it, the page it is on (and the address it posts to, when another), the
# answers typed, and the records it makes. `shows_once`: the first answer is a page shown once (a
# new password, a new token's secret), not a redirect.


def referral_draft(world, ids):
    n = next(_numbers)
    return SimpleNamespace(
        email="police@example.org",
        page="/referrals/new",
        changes={
            "referrer_name": "Pat Constable",
            "referrer_contact": "01632 960 001",
            "referred_on": date_boxes(TODAY),
            "victim-first_name": "Tessa",
            "victim-last_name": f"Twiceover{n}",
            "victim-date_of_birth": date_boxes(date(1990, 4, 3)),
            "perpetrator-first_name": "Rex",
            "perpetrator-last_name": f"Doublesend{n}",
            "perpetrator-date_of_birth": date_boxes(date(1988, 1, 9)),
            "perpetrator-relationship_to_victim": "partner",
            "criteria": ["visible_high_risk"],
            "is_victim_aware": "yes",
            "has_consent": "yes",
        },
        made=lambda app: _count(app, Referral),
    )


def new_case(world, ids):
    n = next(_numbers)
    return SimpleNamespace(
        email="coordinator@example.org",
        page="/cases/new",
        changes={
            "area_id": world.area_id,
            "victim-first_name": "Vera",
            "victim-last_name": f"Onceonly{n}",
            "victim-date_of_birth": date_boxes(date(1990, 3, 27)),
            "perpetrator-first_name": "Percy",
            "perpetrator-last_name": f"Onceonly{n}",
            "perpetrator-relationship_to_victim": "ex_partner",
        },
        made=lambda app: _count(app, Case),
    )


def perpetrator(world, ids):
    case = world.cases.case(world.area_id)
    return SimpleNamespace(
        email="coordinator@example.org",
        page=f"/cases/{case.id}/perpetrators/new",
        changes={"first_name": "Silas", "last_name": "Secondman", "relationship_to_victim": "ex_partner"},
        made=lambda app: _count(app, CasePerpetrator, CasePerpetrator.case_id == case.id),
    )


def victim_view(world, ids):
    case = world.cases.case(world.area_id)
    return SimpleNamespace(
        email="coordinator@example.org",
        page=f"/cases/{case.id}/victims-voice",
        changes={"wants": "To stay at home with the locks changed", "knows_of_referral": "yes"},
        made=lambda app: _count(app, VictimView, VictimView.case_id == case.id),
    )


def child(world, ids):
    case = world.cases.case(world.area_id)
    return SimpleNamespace(
        email="coordinator@example.org",
        page=f"/cases/{case.id}/children/new",
        changes={"first_name": "Poppy", "last_name": "Littleton", "date_of_birth": date_boxes(date(2019, 5, 1))},
        made=lambda app: _count(app, CaseChild, CaseChild.case_id == case.id),
    )


def dash(world, ids):
    case = world.cases.case(world.area_id)
    return SimpleNamespace(
        email="coordinator@example.org",
        page=f"/cases/{case.id}/risk/new",
        changes={"assessed_on": date_boxes(TODAY), "assessor_name": "Casey Coordinator"},
        made=lambda app: _count(app, RiskAssessment, RiskAssessment.case_id == case.id),
    )


def other_tool(world, ids):
    case = world.cases.case(world.area_id)
    return SimpleNamespace(
        email="coordinator@example.org",
        page=f"/cases/{case.id}/risk/other",
        changes={"assessed_on": date_boxes(TODAY), "level": "high", "source": "Police", "rationale": "Strangulation"},
        made=lambda app: _count(app, RiskAssessment, RiskAssessment.case_id == case.id),
    )


def meeting_action(world, ids):
    page = f"/meetings/{world.meeting.id}/items/{world.item_id}"
    return SimpleNamespace(
        email="coordinator@example.org",
        page=page,
        action=page,  # meeting mode's one form: its Add action button
        changes={
            "add_action": "Add action",
            "owner_agency_id": world.police,
            "protects": "victim",
            "what": f"Police to fit a panic alarm at the victim's flat ({next(_numbers)})",
            "how_known": "The police confirm the alarm is live to the coordinator",
            "due_on": date_boxes(world.day + timedelta(days=14)),
        },
        made=lambda app: _count(app, Action, Action.case_id == world.case.id),
    )


def listed_case(world, ids):
    case = world.cases.case(world.area_id)
    return SimpleNamespace(
        email="coordinator@example.org",
        page=f"/meetings/{world.meeting.id}/add",
        changes={"find": f"C{case.id:06d}", "case_id": str(case.id), "section": "adults", "reason": "Police request"},
        made=lambda app: _count(app, AgendaItem, AgendaItem.case_id == case.id),
    )


def minutes_correction(world, ids):
    """A meeting whose minutes were sent: its correction started once."""
    case = world.cases.case(world.area_id)
    meeting = world.actions.meeting(world.area_id, TODAY - timedelta(days=7 + next(_numbers)), case_ids=[case.id])
    with world.actions.app.app_context():
        db.session.get(Meeting, meeting.id).status = "minutes_sent"
        db.session.commit()
    return SimpleNamespace(
        email="coordinator@example.org",
        page=f"/meetings/{meeting.id}/minutes/correct",
        changes={"reason": "The risk after discussion of one case was recorded wrongly"},
        made=lambda app: _count(
            app, MinutesVersion, MinutesVersion.meeting_id == meeting.id, MinutesVersion.number > 1
        ),
    )


def meetings(world, ids):
    return SimpleNamespace(
        email="coordinator@example.org",
        page="/meetings/schedule",
        changes={
            "area_id": ids.areas["Eastwick Vale"],
            "first_day": date_boxes(TODAY + timedelta(days=400 + 7 * next(_numbers))),
            "count": "1",
            "start_time": "10:00",
            "venue": "Civic Centre",
        },
        made=lambda app: _count(app, Meeting),
    )


def contact(world, ids):
    case = _idva_case(world, ids)
    return SimpleNamespace(
        email="idva@example.org",
        page=f"/caseload/cases/{case.id}/contacts/new",
        changes={"contacted_on": date_boxes(TODAY), "contacted_time": "09:30", "method": "phone", "outcome": "spoke"},
        made=lambda app: _count(app, Contact, Contact.case_id == case.id),
    )


def onward_referral(world, ids):
    case = _idva_case(world, ids)
    return SimpleNamespace(
        email="idva@example.org",
        page=f"/caseload/cases/{case.id}/onward-referrals/new",
        changes={"service": "housing", "referred_on": date_boxes(TODAY)},
        made=lambda app: _count(app, OnwardReferral, OnwardReferral.case_id == case.id),
    )


def area(world, ids):
    return SimpleNamespace(
        email="admin@example.org",
        page="/admin/areas/new",
        changes={"name": f"Doubleford {next(_numbers)}", "adult_female_population": "90000"},
        made=lambda app: _count(app, Area),
    )


def agency(world, ids):
    return SimpleNamespace(
        email="admin@example.org",
        page="/admin/agencies/new",
        changes={"name": f"Twiceton Police {next(_numbers)}", "kind": "police", "area_ids": [world.area_id]},
        made=lambda app: _count(app, Agency),
    )


def user(world, ids):
    return SimpleNamespace(
        email="admin@example.org",
        page="/admin/users/new",
        changes={
            "name": "Robin Repeat",
            "email": f"robin.repeat{next(_numbers)}@example.org",
            "agency_id": world.police,
            "roles": ["agency_rep"],
            "area_ids": [world.area_id],
        },
        made=lambda app: _count(app, User),
        shows_once=True,
    )


def api_token(world, ids):
    return SimpleNamespace(
        email="police@example.org",
        page="/auth/tokens",
        changes={"name": f"Case system {next(_numbers)}", "scopes": ["actions:read"], "current_password": PASSWORD},
        made=lambda app: _count(app, ApiToken),
        shows_once=True,
    )


def legal_hold(world, ids):
    case = world.cases.case(world.area_id)
    return SimpleNamespace(
        email="coordinator@example.org",
        page="/admin/retention",
        action="/admin/retention/holds",
        changes={"case_reference": f"C{case.id:06d}", "reason": "Court order"},
        made=lambda app: _count(app, LegalHold, LegalHold.record_id == case.id),
    )


FORMS = [
    referral_draft,
    new_case,
    perpetrator,
    victim_view,
    child,
    dash,
    other_tool,
    meeting_action,
    listed_case,
    minutes_correction,
    meetings,
    contact,
    onward_referral,
    area,
    agency,
    user,
    api_token,
    legal_hold,
]


def _landed(answers, shows_once):
    """Both sends answered as the first one was: the same page, or (after a page shown once) the record."""
    first, second = answers
    assert status(second) == 302, [status(answer) for answer in answers]
    if shows_once:
        assert status(first) == 200
    else:
        assert status(first) == 302 and second.headers["Location"] == first.headers["Location"]


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.__name__)
def test_a_form_sent_twice_makes_one_record(race_app, world, demo_ids, people, form):
    for _round in range(2):
        sent = form(world, demo_ids)
        (client,) = people(sent.email, 1)
        data = filled_form(client, sent.page, sent.changes, action=getattr(sent, "action", None))
        before = sent.made(race_app)
        post = partial(client.post, getattr(sent, "action", sent.page), data=data)
        answers = [post(), post()]

        _landed(answers, getattr(sent, "shows_once", False))
        assert sent.made(race_app) - before == 1


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.__name__)
def test_a_form_sent_twice_at_once_makes_one_record(race_app, world, demo_ids, people, form):
    for _round in range(ROUNDS):
        sent = form(world, demo_ids)
        clients = people(sent.email, 2)
        url = getattr(sent, "action", sent.page)
        first = filled_form(clients[0], sent.page, sent.changes, action=getattr(sent, "action", None))
        second = twin(clients[1], first, sent.page)
        before = sent.made(race_app)
        answers = race(partial(clients[0].post, url, data=first), partial(clients[1].post, url, data=second))

        assert sent.made(race_app) - before == 1, [status(answer) for answer in answers]
        codes = statuses(answers)
        if getattr(sent, "shows_once", False):
            assert codes == [200, 302]
        else:
            assert codes == [302, 302] and len({answer.headers["Location"] for answer in answers}) == 1


def test_every_form_that_makes_a_record_is_raced_here(race_app, world, demo_ids):
    """Each view guarded by form_tokens.once has its scenario above (closing a support: in
    test_transitions.py)."""
    adapter = race_app.url_map.bind("localhost")
    raced = {"caseload.close"}
    for form in FORMS:
        sent = form(world, demo_ids)
        raced.add(adapter.match(getattr(sent, "action", sent.page), method="POST")[0])
    guarded = {endpoint for endpoint, view in race_app.view_functions.items() if getattr(view, "sent_once", False)}
    assert guarded == raced


def test_two_contacts_logged_at_once_are_both_kept(race_app, world, demo_ids, people):
    """Two different contacts (two pages, each with its own form token) sent at the same moment:
    both are saved, rather than the second failing on the support's version (log_contact locks it).
    Today the audit chain's lock also serialises these requests; this holds without it too."""
    idvas = people("idva@example.org", 2)
    for _round in range(ROUNDS):
        scenario = contact(world, demo_ids)
        forms = [filled_form(client, scenario.page, scenario.changes) for client in idvas]
        answers = race(
            *(partial(client.post, scenario.page, data=form) for client, form in zip(idvas, forms, strict=True))
        )
        assert statuses(answers) == [302, 302]
        assert scenario.made(race_app) == 2
