"""The IDVA caseload through the web: who sees which caseload, the queue and allocation, contacts
and the first-contact target, the safety plan and its conflicts, intake, onward referrals,
closure with outcomes and reopening, the post-MARAC feedback task, the risk review reminder,
the figures for reports, and the caseload page's query budget at 5 and 500 cases."""

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from marac.services import caseload, meetings, scheduler, workdays
from models import (
    AgencyKind,
    AgendaItem,
    Allocation,
    AuditEvent,
    Case,
    Contact,
    IdvaTask,
    Meeting,
    Need,
    Notification,
    OnwardReferral,
    Person,
    Role,
    SafetyPlan,
    Support,
    User,
    clock,
    db,
)
from models.caseload import NEED_CATEGORIES
from models.clock import uk_today, utcnow
from tests.factories.caseload import CaseloadFactory, uk_moment
from tests.helpers import counted_queries, csrf_from, signed_in
from tests.pages import date_boxes, error_summary, field_errors, field_values, version_field

TODAY = uk_today()


def _text(response):
    return unescape(response.get_data(as_text=True))


def _post(client, url, data):
    """POST with the CSRF token of the page itself (it must be a page the user may open)."""
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _support(app, case_id):
    with app.app_context():
        return db.session.scalar(sa.select(Support).where(Support.case_id == case_id).order_by(Support.id.desc()))


@pytest.fixture
def world(app, make):
    """One area with an IDVA service (two IDVAs and a manager), a second service and a second
    area; a case waiting in the queue, a case allocated to each IDVA, and a medium-risk case."""
    factory = CaseloadFactory(app)
    area, other_area = make.area(), make.area()
    police = make.agency(kind=AgencyKind.POLICE, area_ids=[area.id, other_area.id])
    service = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[area.id])
    other_service = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[area.id])
    far_service = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[other_area.id])

    def user(role, agency, areas=(area,), **fields):
        return make.user(role, agency_id=agency.id, area_ids=[a.id for a in areas], **fields)

    people = {
        "ash": user(Role.IDVA, service, name="Ash Testidva"),
        "birch": user(Role.IDVA, service, name="Birch Testidva"),
        "manager": user(Role.IDVA_MANAGER, service, name="Morgan Testmanager"),
        "other service manager": user(Role.IDVA_MANAGER, other_service),
        "other service idva": user(Role.IDVA, other_service, name="Cedar Otherservice"),
        "other area manager": user(Role.IDVA_MANAGER, far_service, areas=(other_area,)),
        "coordinator": user(Role.COORDINATOR, police),
        "police": user(Role.AGENCY_REP, police),
        "chair": user(Role.CHAIR, police),
        "steering": user(Role.STEERING, police),
    }
    now = utcnow()

    def referred(first, last, **kwargs):
        return factory.referred_case(
            area.id,
            agency_id=police.id,
            referrer_id=people["police"].id,
            victim={"first_name": first, "last_name": last},
            **kwargs,
        )

    waiting = referred("Wanda", "Queuewaite", received_at=now - timedelta(days=3))
    ash_case = referred("Alys", "Ashcase", received_at=now - timedelta(days=10))
    birch_case = referred("Bryony", "Birchcase", received_at=now - timedelta(days=9))
    medium = referred("Mona", "Mediumcase", yes=11, received_at=now - timedelta(days=1))
    factory.allocate(ash_case.id, people["ash"].id, people["manager"].id, now=now - timedelta(days=9, hours=20))
    factory.allocate(birch_case.id, people["birch"].id, people["manager"].id, now=now - timedelta(days=8, hours=20))
    return type(
        "World",
        (),
        {
            "factory": factory,
            "area": area,
            "other_area": other_area,
            "police": police,
            "service": service,
            "people": people,
            "waiting": waiting,
            "ash_case": ash_case,
            "birch_case": birch_case,
            "medium": medium,
            "client": lambda self, who: signed_in(app, self.people[who].email),
        },
    )()


# -- Who sees which caseload --------------------------------------------------------------------


def test_an_idva_sees_only_their_own_caseload(app, world):
    ash = world.client("ash")
    page = _text(ash.get("/caseload/"))
    assert "Your caseload" in page
    assert "Alys Ashcase" in page
    assert "Bryony Birchcase" not in page and "Wanda Queuewaite" not in page
    assert "1 of 70 cases" in page
    # Another IDVA's caseload, the manager's pages and another IDVA's case: not for them.
    assert ash.get(f"/caseload/?idva={world.people['birch'].id}").status_code == 404
    assert ash.get("/caseload/team").status_code == 403
    assert ash.get(f"/caseload/cases/{world.waiting.id}/allocate").status_code == 403
    for path in ("contacts/new", "safety-plan", "intake", "onward-referrals/new", "close"):
        assert ash.get(f"/caseload/cases/{world.birch_case.id}/{path}").status_code == 404, path
        assert ash.get(f"/caseload/cases/{world.ash_case.id}/{path}").status_code == 200, path
    assert ash.get(f"/cases/{world.birch_case.id}/idva").status_code == 404


def test_a_manager_sees_the_caseloads_of_their_service_in_their_area(app, world):
    manager = world.client("manager")
    team = _text(manager.get("/caseload/team"))
    assert "Ash Testidva" in team and "Birch Testidva" in team
    assert "Cedar Otherservice" not in team  # another service's IDVA
    assert "Wanda Queuewaite" in team and "Over 48 hours" in team and "3 days" in team
    assert "Mona Mediumcase" not in team  # medium risk: not queued
    assert "Alys Ashcase" not in team  # allocated: not queued
    ash_list = _text(manager.get(f"/caseload/?idva={world.people['ash'].id}"))
    assert "Caseload of Ash Testidva" in ash_list and "Alys Ashcase" in ash_list
    assert "Bryony Birchcase" not in ash_list
    # A manager without an IDVA caseload of their own is taken to the team page.
    assert manager.get("/caseload/").headers["Location"].endswith("/caseload/team")
    assert manager.get(f"/caseload/cases/{world.ash_case.id}/contacts/new").status_code == 200


def test_other_managers_do_not_see_this_services_caseloads(app, world):
    other = world.client("other service manager")
    assert other.get(f"/caseload/?idva={world.people['ash'].id}").status_code == 404
    assert other.get(f"/caseload/cases/{world.ash_case.id}/contacts/new").status_code == 404
    team = _text(other.get("/caseload/team"))
    assert "Ash Testidva" not in team and "Alys Ashcase" not in team
    # The queue is the area's: every IDVA service of the area may take a waiting case.
    assert "Wanda Queuewaite" in team
    far = world.client("other area manager")
    team = _text(far.get("/caseload/team"))
    assert "Wanda Queuewaite" not in team and "Ash Testidva" not in team
    assert far.get(f"/caseload/cases/{world.waiting.id}/allocate").status_code == 404


def _csv(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="marac-caseload-')
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_caseload_downloads_as_the_list_shows_it_to_whoever_may_see_it(app, world):
    with app.app_context():
        victim = db.session.get(Person, db.session.get(Case, world.ash_case.id).victim_id)
        victim.first_name = "@SUM(1+1)*cmd"
        db.session.commit()
    ash = world.client("ash")
    page = _text(ash.get("/caseload/?risk=high"))
    assert 'href="/caseload/caseload.csv?risk=high"' in page  # the link carries the filters
    rows = _csv(ash.get("/caseload/caseload.csv"))
    assert rows[0][:4] == ["Case", "Victim", "Risk", "Last contact"]
    assert [row[:3] for row in rows[1:]] == [[f"C{world.ash_case.id:06d}", "'@SUM(1+1)*cmd Ashcase", "High"]]
    assert _csv(ash.get("/caseload/caseload.csv?risk=medium"))[1:] == []
    # The manager downloads an IDVA of their team's; no one else may.
    manager = world.client("manager")
    rows = _csv(manager.get(f"/caseload/caseload.csv?idva={world.people['birch'].id}"))
    assert [row[0] for row in rows[1:]] == [f"C{world.birch_case.id:06d}"]
    assert ash.get(f"/caseload/caseload.csv?idva={world.people['birch'].id}").status_code == 404
    assert (
        world.client("other service manager").get(f"/caseload/caseload.csv?idva={world.people['ash'].id}").status_code
        == 404
    )
    assert world.client("police").get("/caseload/caseload.csv").status_code == 403
    assert manager.get("/caseload/caseload.csv").status_code == 404  # no caseload of their own
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).filter_by(event="caseload.exported")).all()
    assert [(e.user_id, e.detail) for e in events] == [
        (world.people["ash"].id, {"idva_id": world.people["ash"].id, "count": 1}),
        (world.people["ash"].id, {"idva_id": world.people["ash"].id, "count": 0}),
        (world.people["manager"].id, {"idva_id": world.people["birch"].id, "count": 1}),
    ]


@pytest.mark.parametrize("who", ["coordinator", "police", "chair", "steering"])
def test_other_roles_have_no_caseload_pages(app, world, who):
    client = world.client(who)
    for path in ("/caseload/", "/caseload/team", f"/caseload/cases/{world.ash_case.id}/contacts/new"):
        assert client.get(path).status_code == 403, (who, path)


def test_the_idva_tab_shows_the_idva_work_only_to_those_whose_caseload_it_is(app, world):
    ash = world.client("ash")
    _log_contact(ash, world.ash_case.id, outcome="spoke", note="Spoke about the non-molestation order")
    own = _text(ash.get(f"/cases/{world.ash_case.id}/idva"))
    assert "Spoke about the non-molestation order" in own and "Log a contact or an attempt" in own
    coordinator = _text(world.client("coordinator").get(f"/cases/{world.ash_case.id}/idva"))
    assert "An IDVA supports this case:" in coordinator and "Ash Testidva" in coordinator
    assert "Spoke about the non-molestation order" not in coordinator
    assert "Log a contact" not in coordinator
    with app.app_context():
        viewed = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.event == "case.viewed",
                AuditEvent.record_type == "case",
                AuditEvent.record_id == world.ash_case.id,
            )
        ).all()
    assert {event.detail["tab"] for event in viewed} >= {"idva", "idva_contact"}


def test_caseload_urls_carry_ids_and_no_personal_data(app, world):
    manager = world.client("manager")
    for path in ("/caseload/team", f"/caseload/?idva={world.people['ash'].id}"):
        html = manager.get(path).get_data(as_text=True)
        for href in re.findall(r'href="([^"]+)"', html):
            assert "Ashcase" not in href and "Queuewaite" not in href and "Testidva" not in href


# -- The queue and allocation -------------------------------------------------------------------


def test_the_manager_allocates_a_waiting_case(app, world):
    manager = world.client("manager")
    page = _text(manager.get(f"/caseload/cases/{world.waiting.id}/allocate"))
    assert "Allocate the case" in page and "Wanda Queuewaite" in page and "Waiting 3 days" in page
    assert "Ash Testidva: 1 of 70 cases (within capacity)" in page
    response = _post(manager, f"/caseload/cases/{world.waiting.id}/allocate", {"idva_id": world.people["birch"].id})
    assert response.status_code == 302 and response.headers["Location"].endswith("/caseload/team")
    team = _text(manager.get("/caseload/team"))
    assert "allocated to Birch Testidva" in team
    assert "Wanda Queuewaite" not in team.split("Caseloads against capacity")[0]
    assert "2 of 70 cases" in team
    support = _support(app, world.waiting.id)
    assert support.referral_id is not None and support.reopens_id is None
    assert support.opened_at > support.triage_due_at  # it waited three days: triage missed
    assert support.intake_risk_level == "high"
    with app.app_context():
        note = db.session.scalar(
            sa.select(Notification)
            .where(Notification.user_id == world.people["birch"].id)
            .order_by(Notification.id.desc())
            .limit(1)
        )
        assert note.message == f"Case C{world.waiting.id:06d} has been allocated to you"
        assert "Wanda" not in note.message and "Queuewaite" not in note.message
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.event == "case.allocated"))
        assert event.record_type == "case" and event.record_id == world.waiting.id
    birch_page = _text(world.client("birch").get("/caseload/"))
    assert "Wanda Queuewaite" in birch_page and "2 of 70 cases" in birch_page


def test_only_an_idva_of_the_managers_service_in_the_area_can_be_chosen(app, world):
    manager = world.client("manager")
    response = _post(
        manager, f"/caseload/cases/{world.waiting.id}/allocate", {"idva_id": world.people["other service idva"].id}
    )
    assert response.status_code == 200
    assert error_summary(_text(response)) == ["Select one of the options"]
    assert _count(app, Allocation, Allocation.case_id == world.waiting.id) == 0
    empty = _post(manager, f"/caseload/cases/{world.waiting.id}/allocate", {})
    assert error_summary(_text(empty)) == ["Select the IDVA to allocate the case to"]


def test_the_suggestion_prefers_the_victims_previous_idva_then_room(app, world, make):
    manager = world.client("manager")
    # Ash supported this victim before, in another case (with another perpetrator), now closed.
    with app.app_context():
        victim_id = db.session.get(Case, world.waiting.id).victim_id
        earlier = Case(area_id=world.area.id, victim_id=victim_id)
        db.session.add(earlier)
        db.session.flush()
        db.session.add(
            Allocation(
                case_id=earlier.id,
                idva_id=world.people["ash"].id,
                started_at=utcnow() - timedelta(days=400),
                ended_at=utcnow() - timedelta(days=300),
            )
        )
        db.session.commit()
    page = manager.get(f"/caseload/cases/{world.waiting.id}/allocate").get_data(as_text=True)
    assert field_values(page)["idva_id"] == str(world.people["ash"].id)
    assert "Ash Testidva supported this victim before and has room" in unescape(page)
    # Full: Ash's FTE 0.01 gives a capacity of 1, and Ash has one case.
    with app.app_context():
        db.session.get(User, world.people["ash"].id).fte = Decimal("0.01")
        db.session.commit()
    page = manager.get(f"/caseload/cases/{world.waiting.id}/allocate").get_data(as_text=True)
    assert field_values(page)["idva_id"] == str(world.people["birch"].id)
    assert "Ash Testidva supported this victim before but has no room" in unescape(page)


def test_the_manager_changes_an_idvas_fte_and_so_their_capacity(app, world):
    manager = world.client("manager")
    url = f"/caseload/idvas/{world.people['ash'].id}/fte"
    page = manager.get(url).get_data(as_text=True)
    version = version_field(page)
    bad = _post(manager, url, {"fte": "1.5", "version": version})
    assert (
        field_errors(_text(bad))["fte"]
        == "Full-time equivalent must be more than 0 and at most 1, to two decimal places"
    )
    assert field_values(_text(bad))["fte"] == "1.5"
    assert _post(manager, url, {"fte": "0.6", "version": version}).status_code == 302
    assert "1 of 42 cases" in _text(manager.get("/caseload/team"))
    stale = _post(manager, url, {"fte": "0.5", "version": version})
    assert stale.status_code == 409 and "Someone else changed this" in _text(stale)
    assert world.client("ash").get(url).status_code == 403
    assert world.client("other service manager").get(url).status_code == 404


# -- Contacts -----------------------------------------------------------------------------------


def _log_contact(client, case_id, *, outcome="spoke", method="phone", when=None, note="", next_on=None):
    when = when or (datetime.now(clock.UK) - timedelta(minutes=5))
    return _post(
        client,
        f"/caseload/cases/{case_id}/contacts/new",
        {
            "contacted_on": date_boxes(when.date()),
            "contacted_time": f"{when:%H:%M}",
            "method": method,
            "outcome": outcome,
            "was_safe": "yes",
            "note": note,
            "next_contact_on": date_boxes(next_on),
        },
    )


def test_attempts_then_a_contact_set_the_first_contact_dates(app, world):
    ash = world.client("ash")
    yesterday = datetime.now(clock.UK) - timedelta(days=1)
    assert _log_contact(ash, world.ash_case.id, outcome="no_answer", when=yesterday).status_code == 302
    assert _log_contact(ash, world.ash_case.id, outcome="message_left", method="text").status_code == 302
    support = _support(app, world.ash_case.id)
    assert support.first_attempt_on == yesterday.date() and support.first_contact_on is None
    response = _log_contact(ash, world.ash_case.id, outcome="spoke", method="in_person")
    assert response.status_code == 302
    page = _text(ash.get(f"/cases/{world.ash_case.id}/idva"))
    assert "Contact saved." in page
    support = _support(app, world.ash_case.id)
    assert support.first_contact_on == TODAY
    assert _count(app, Contact, Contact.case_id == world.ash_case.id) == 3
    assert _count(app, Contact, Contact.case_id == world.ash_case.id, Contact.is_contact) == 1
    # Referral 10 days ago: the first contact today is late.
    assert support.first_contact_on > support.first_contact_due_on
    assert "Late" in page


def test_a_contact_with_problems_shows_govuk_errors_and_keeps_the_answers(app, world):
    ash = world.client("ash")
    url = f"/caseload/cases/{world.ash_case.id}/contacts/new"
    response = _post(ash, url, {"contacted_on": ["", "", ""], "contacted_time": "25:99", "note": "Tried the landline"})
    assert response.status_code == 400
    html = _text(response)
    assert error_summary(html) == [
        "Enter the date of the contact or attempt",
        "Enter a real time, like 14:30 or 2:30pm",
        "Select how you contacted or tried to contact the victim",
        "Select the outcome",
        "Select whether it was safe",
    ]
    assert field_values(html)["note"] == "Tried the landline"
    assert field_values(html)["contacted_time"] == "25:99"
    tomorrow = datetime.now(clock.UK) + timedelta(days=1)
    future = _log_contact(ash, world.ash_case.id, when=tomorrow)
    assert "The date of the contact must be today or in the past" in error_summary(_text(future))
    assert _count(app, Contact) == 0


def test_a_contact_dated_before_marac_existed_is_refused_keeping_the_answers(app, world):
    ash = world.client("ash")
    before_marac = datetime(2002, 12, 31, 10, 0, tzinfo=clock.UK)
    response = _log_contact(ash, world.ash_case.id, when=before_marac, note="Typed the year wrong")
    assert response.status_code == 400
    assert "The date of the contact must be in 2003 or later, when MARACs began" in _text(response)
    assert "Typed the year wrong" in _text(response)
    assert _count(app, Contact, Contact.case_id == world.ash_case.id) == 0


def test_every_post_needs_the_csrf_token(app, world):
    ash = world.client("ash")
    response = ash.post(f"/caseload/cases/{world.ash_case.id}/contacts/new", data={"outcome": "spoke"})
    assert response.status_code == 400
    assert _count(app, Contact) == 0


# -- Safety plan --------------------------------------------------------------------------------


def _plan_answers(version, **changes):
    return {
        "version": version,
        "home_security": "Locks changed; police marker on the address",
        "emergency_plan": "999 and press 55; bag at her sister's",
        "legal_orders": ["non_molestation", "dvpo"],
        "legal_protection": "Non-molestation order hearing on Friday",
        "housing": "",
        "children": "School told who may collect them",
        "online_safety": "Location sharing turned off",
        "review_on": date_boxes(TODAY + timedelta(days=28)),
        **changes,
    }


def test_the_safety_plan_keeps_its_versions_and_refuses_a_stale_save(app, world):
    ash, manager = world.client("ash"), world.client("manager")
    url = f"/caseload/cases/{world.ash_case.id}/safety-plan"
    first = version_field(ash.get(url).get_data(as_text=True))
    assert first == "0"
    assert _post(ash, url, _plan_answers(first)).status_code == 302
    # Both open the plan; the manager saves first; Ash's save is refused and their answers kept.
    shown = version_field(ash.get(url).get_data(as_text=True))
    assert _post(manager, url, _plan_answers(shown, housing="Refuge place offered")).status_code == 302
    stale = _post(ash, url, _plan_answers(shown, housing="Housing options appointment"))
    assert stale.status_code == 409
    html = _text(stale)
    assert "Someone else changed this while you were editing it" in html and "Refuge place offered" in html
    assert field_values(html)["housing"] == "Housing options appointment"
    assert field_values(html)["version"] == "2"
    assert _count(app, SafetyPlan, SafetyPlan.case_id == world.ash_case.id) == 2
    tab = _text(ash.get(f"/cases/{world.ash_case.id}/idva"))
    assert "Version 2 of 2" in tab and "Refuge place offered" in tab
    assert "Domestic violence protection notice or order" in tab


def test_a_safety_plan_needs_a_review_date_and_some_content(app, world):
    ash = world.client("ash")
    url = f"/caseload/cases/{world.ash_case.id}/safety-plan"
    empty = {key: "" for key in ("home_security", "emergency_plan", "legal_protection", "housing", "children")}
    response = _post(ash, url, {"version": "0", **empty, "online_safety": "", "review_on": ["", "", ""]})
    assert response.status_code == 400
    assert error_summary(_text(response)) == [
        "Enter at least one part of the safety plan",
        "Enter the date to review the safety plan by",
    ]
    past = _post(ash, url, _plan_answers("0", review_on=date_boxes(TODAY - timedelta(days=1))))
    assert error_summary(_text(past)) == ["The review date must be today or in the future"]


# -- Intake, onward referrals, closure, reopening -----------------------------------------------


def _needs(level):
    return {f"need_{key}": level for key in NEED_CATEGORIES}


def test_onward_referral_to_restorative_justice_only_when_asked_and_safe(app, world):
    ash = world.client("ash")
    url = f"/caseload/cases/{world.ash_case.id}/onward-referrals/new"
    answers = {"service": "restorative_justice", "referred_on": date_boxes(TODAY)}
    refused = _post(ash, url, answers)
    assert refused.status_code == 400
    assert error_summary(_text(refused)) == [
        "Restorative justice is only arranged when the victim asks for it",
        "Restorative justice is only arranged when it has been assessed as safe",
    ]
    assert error_summary(_text(_post(ash, url, {**answers, "victim_asked": "y"}))) == [
        "Restorative justice is only arranged when it has been assessed as safe"
    ]
    assert _count(app, OnwardReferral) == 0
    assert _post(ash, url, {**answers, "victim_asked": "y", "judged_safe": "y"}).status_code == 302
    assert _post(ash, url, {"service": "housing", "referred_on": date_boxes(TODAY)}).status_code == 302
    with app.app_context():
        rows = db.session.scalars(sa.select(OnwardReferral).order_by(OnwardReferral.id)).all()
        assert [(r.service, r.victim_asked, r.judged_safe) for r in rows] == [
            ("restorative_justice", True, True),
            ("housing", False, False),
        ]


def _close(client, case_id, **changes):
    url = f"/caseload/cases/{case_id}/close"
    version = version_field(client.get(url).get_data(as_text=True))
    return _post(
        client,
        url,
        {
            "version": version,
            "reason": "risk_reduced",
            "risk_level": "medium",
            "abuse_ongoing": "no",
            "feels_safe": "4",
            "quality_of_life": "4",
            "satisfaction": "5",
            **_needs("low"),
            **changes,
        },
    )


def test_intake_then_closure_records_outcomes_matched_with_intake(app, world):
    ash = world.client("ash")
    intake_url = f"/caseload/cases/{world.ash_case.id}/intake"
    missing = _post(ash, intake_url, {"abuse_ongoing": "yes"})
    assert missing.status_code == 400
    assert error_summary(_text(missing))[0] == (
        "Select the level of need at intake for mental, physical and emotional health"
    )
    assert len(error_summary(_text(missing))) == 8
    answers = {**_needs("high"), "abuse_ongoing": "yes", "feels_safe": "1", "quality_of_life": "2"}
    answers["version"] = version_field(ash.get(intake_url).get_data(as_text=True))
    assert _post(ash, intake_url, answers).status_code == 302
    assert field_values(ash.get(intake_url).get_data(as_text=True))["need_finance"] == "high"

    response = _close(ash, world.ash_case.id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/caseload/")
    support = _support(app, world.ash_case.id)
    assert support.closure_reason == "risk_reduced" and support.closed_at is not None
    assert (support.abuse_stopped, support.risk_reduced, support.feels_safer, support.quality_of_life_improved) == (
        True,
        True,
        True,
        True,
    )
    assert support.satisfaction == 5
    assert _count(app, Need, Need.support_id == support.id, Need.stage == "intake", Need.level == "high") == 8
    assert _count(app, Need, Need.support_id == support.id, Need.stage == "exit", Need.level == "low") == 8
    assert _count(app, Allocation, Allocation.case_id == world.ash_case.id, Allocation.ended_at.is_(None)) == 0
    # The case has left Ash's caseload: their gauge went down, and the case is theirs no more.
    assert "0 of 70 cases" in _text(ash.get("/caseload/"))
    assert ash.get(f"/caseload/cases/{world.ash_case.id}/contacts/new").status_code == 404
    # Closed without a new referral: not back in the queue.
    assert "Alys Ashcase" not in _text(world.client("manager").get("/caseload/team"))
    figures = _figures(app, world)
    assert figures.closed == 1 and figures.by_reason["risk_reduced"] == 1
    assert figures.abuse_stopped == (1, 1) and figures.risk_reduced == (1, 1)
    assert figures.satisfaction[5] == 1 and figures.satisfaction_given == 1


def _figures(app, world):
    with app.app_context():
        return caseload.outcomes_at_closure([world.area.id], start=TODAY - timedelta(days=7), end=TODAY)


def test_closure_problems_and_a_stale_closure(app, world):
    ash, manager = world.client("ash"), world.client("manager")
    other = _close(ash, world.ash_case.id, reason="other", note="")
    assert other.status_code == 400
    assert error_summary(_text(other)) == ["Enter why the case is closing"]
    url = f"/caseload/cases/{world.ash_case.id}/close"
    version = version_field(ash.get(url).get_data(as_text=True))
    # The manager records the intake meanwhile: the support moves on.
    intake_url = f"/caseload/cases/{world.ash_case.id}/intake"
    intake = {**_needs("medium"), "version": version_field(manager.get(intake_url).get_data(as_text=True))}
    assert _post(manager, intake_url, intake).status_code == 302
    stale = _post(ash, url, {"version": version, "reason": "disengaged", **_needs("low")})
    assert stale.status_code == 409 and "Someone else changed this" in _text(stale)
    assert field_values(_text(stale))["reason"] == "disengaged"
    assert _support(app, world.ash_case.id).closed_at is None


def test_a_closed_case_is_reopened_when_the_victim_comes_back_keeping_its_history(app, world):
    ash, manager = world.client("ash"), world.client("manager")
    _log_contact(ash, world.ash_case.id, outcome="spoke", note="First period of support")
    assert _close(ash, world.ash_case.id, reason="disengaged").status_code == 302
    first = _support(app, world.ash_case.id)
    # The manager reopens it from the case's IDVA tab: the allocation page offers the reopening.
    tab = _text(manager.get(f"/cases/{world.ash_case.id}/idva"))
    assert "Reopen" in tab and "Victim disengaged" in tab
    page = _text(manager.get(f"/caseload/cases/{world.ash_case.id}/allocate"))
    assert "Reopen the case" in page and "Allocating reopens it and keeps its history" in page
    assert field_values(page)["idva_id"] == str(world.people["ash"].id)  # the previous IDVA, with room
    response = _post(manager, f"/caseload/cases/{world.ash_case.id}/allocate", {"idva_id": world.people["ash"].id})
    assert response.status_code == 302
    assert "reopened and allocated to Ash Testidva" in _text(manager.get("/caseload/team"))
    second = _support(app, world.ash_case.id)
    assert second.id != first.id and second.reopens_id == first.id and second.closed_at is None
    tab = _text(ash.get(f"/cases/{world.ash_case.id}/idva"))
    assert "First period of support" in tab and "The victim came back after an earlier closure" in tab
    assert "Victim disengaged" in tab
    assert _count(app, Support, Support.case_id == world.ash_case.id) == 2
    assert "1 of 70 cases" in _text(ash.get("/caseload/"))
    with app.app_context():
        figures = caseload.outcomes_at_closure([world.area.id], start=TODAY - timedelta(days=1), end=TODAY)
    assert figures.closed == 1 and figures.reopened == 1


def test_a_new_referral_after_closure_puts_the_case_back_in_the_queue(app, world):
    ash, manager = world.client("ash"), world.client("manager")
    assert _close(ash, world.ash_case.id).status_code == 302
    world.factory.referral(
        world.ash_case.id,
        world.area.id,
        agency_id=world.police.id,
        referrer_id=world.people["police"].id,
        received_at=utcnow() + timedelta(seconds=1),
    )
    team = _text(manager.get("/caseload/team"))
    assert "Alys Ashcase" in team
    assert "Ash Testidva supported this victim before and has room" in team


# -- Tasks: feedback after MARAC ----------------------------------------------------------------


def test_holding_the_meeting_makes_a_feedback_task_for_each_case_heard(app, world):
    # A Friday meeting before a bank holiday Monday: feedback is due the next Wednesday.
    meeting_day = date(2026, 5, 22)
    meeting_id = world.factory.meeting(
        world.area.id, uk_moment(meeting_day, 10), [world.ash_case.id, world.waiting.id, world.medium.id]
    )
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meetings.mark_held(meeting)
        meetings.mark_held(meeting)  # twice: still one task a case
        db.session.commit()
        tasks = db.session.scalars(sa.select(IdvaTask).order_by(IdvaTask.case_id)).all()
        assert [task.case_id for task in tasks] == sorted([world.ash_case.id, world.waiting.id, world.medium.id])
        by_case = {task.case_id: task for task in tasks}
        ash_task = by_case[world.ash_case.id]
        assert ash_task.due_on == date(2026, 5, 27) == workdays.add_working_days(meeting_day, 2)
        assert ash_task.idva_id == world.people["ash"].id and ash_task.kind == "marac_feedback"
        assert ash_task.title == "Give the victim feedback from the MARAC meeting of 22 May 2026"
        assert by_case[world.waiting.id].idva_id is None  # no IDVA yet: the task waits for one
        notes = db.session.scalars(
            sa.select(Notification).where(
                Notification.user_id == world.people["ash"].id, Notification.message.contains("heard at MARAC")
            )
        ).all()
        assert [note.message for note in notes] == [
            f"Case C{world.ash_case.id:06d} was heard at MARAC: give the victim feedback by 27 May 2026"
        ]
        assert "Alys" not in notes[0].message
    ash = world.client("ash")
    listing = _text(ash.get("/caseload/?tasks=overdue"))
    assert "Alys Ashcase" in listing and "1 overdue" in listing
    tab = ash.get(f"/cases/{world.ash_case.id}/idva").get_data(as_text=True)
    assert "Give the victim feedback from the MARAC meeting of 22 May 2026" in tab
    done = ash.post(
        f"/caseload/cases/{world.ash_case.id}/tasks/{ash_task.id}/done", data={"csrf_token": csrf_from(tab)}
    )
    assert done.status_code == 302
    assert "Alys Ashcase" not in _text(ash.get("/caseload/?tasks=open"))
    # Someone else's case's task: not found.
    assert (
        ash.post(
            f"/caseload/cases/{world.birch_case.id}/tasks/{ash_task.id}/done", data={"csrf_token": csrf_from(tab)}
        ).status_code
        == 404
    )


def test_the_meeting_route_creates_the_tasks_too(app, world, make):
    coordinator = world.client("coordinator")
    meeting_id = world.factory.meeting(world.area.id, uk_moment(TODAY - timedelta(days=1), 10), [world.ash_case.id])
    with app.app_context():
        db.session.get(Meeting, meeting_id).status = "list_published"
        db.session.execute(sa.update(AgendaItem).filter_by(meeting_id=meeting_id).values(discussed_at=utcnow()))
        db.session.commit()
    page = coordinator.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    response = coordinator.post(f"/meetings/{meeting_id}/held", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert _count(app, IdvaTask, IdvaTask.meeting_id == meeting_id, IdvaTask.case_id == world.ash_case.id) == 1


def test_intake_saved_from_an_old_page_is_a_conflict_that_keeps_the_answers(app, world):
    """Two pages of the intake open: the second save is told the first was saved, keeps what was
    typed, and changes nothing until saved again."""
    ash = world.client("ash")
    intake_url = f"/caseload/cases/{world.ash_case.id}/intake"
    old = version_field(ash.get(intake_url).get_data(as_text=True))
    first = {**_needs("high"), "abuse_ongoing": "yes", "feels_safe": "1", "quality_of_life": "2", "version": old}
    assert _post(ash, intake_url, first).status_code == 302
    second = {**first, **_needs("low")}
    answer = _post(ash, intake_url, second)
    assert answer.status_code == 409
    assert "Someone else changed this while you were editing it" in _text(answer)
    assert field_values(_text(answer))["need_finance"] == "low"
    support = _support(app, world.ash_case.id)
    assert _count(app, Need, Need.support_id == support.id, Need.stage == "intake", Need.level == "high") == 8


# -- Risk review reminders ----------------------------------------------------------------------


def test_the_risk_review_reminder_tells_the_idva_once_and_names_no_one(app, world):
    # The DASH of each case is from two days ago: due in 8 weeks less two days.
    later = utcnow() + timedelta(weeks=8)
    version_before = _support(app, world.ash_case.id).version
    with app.app_context():
        results = scheduler.run_due(app, later, names=["risk_review_reminders"])
    assert [result.outcome for result in results] == ["done"]
    assert results[0].detail["idvas"] == 2 and results[0].detail["cases"] == 2
    with app.app_context():
        notes = db.session.scalars(
            sa.select(Notification).where(Notification.user_id == world.people["ash"].id).order_by(Notification.id)
        ).all()
        assert [note.message for note in notes][-1] == "1 case on your caseload is due a risk review"
        assert notes[-1].link == "/caseload/?sort=review"
    again = scheduler.run_due(app, later + timedelta(days=1), names=["risk_review_reminders"])
    assert again[0].detail["cases"] == 0
    # The reminder is no edit: the support keeps its version (no one's open form is now stale).
    assert _support(app, world.ash_case.id).version == version_before
    # A new DASH from the case is a link on its IDVA tab.
    tab = _text(world.client("ash").get(f"/cases/{world.ash_case.id}/idva"))
    assert f'href="/cases/{world.ash_case.id}/risk/new"' in tab


# -- Caseload page: sorting, filtering, overdue, query budget -----------------------------------


def test_sorting_and_filtering_use_plain_parameters(app, world):
    manager = world.client("manager")
    world.factory.allocate(world.waiting.id, world.people["ash"].id, world.people["manager"].id)
    base = f"/caseload/?idva={world.people['ash'].id}"
    page = _text(manager.get(f"{base}&sort=allocated"))
    assert page.index("Wanda Queuewaite") < page.index("Alys Ashcase")
    overdue = _text(manager.get(f"{base}&contact=overdue"))
    # Alys was referred ten days ago and no contact is logged: her first contact is overdue.
    assert "Alys Ashcase" in overdue and "marac-row--overdue" in overdue
    assert "Contact is overdue for" in overdue
    assert "Showing 0 of 2" in _text(manager.get(f"{base}&risk=standard"))
    assert "Showing 2 of 2" in _text(manager.get(f"{base}&risk=high&sort=nonsense&tasks=whatever"))


def test_the_caseload_page_keeps_its_query_budget_at_5_and_500_cases(app, make):
    factory = CaseloadFactory(app)
    area = make.area()
    service = make.agency(kind=AgencyKind.IDVA_SERVICE, area_ids=[area.id])
    idva = make.user(Role.IDVA, agency_id=service.id, area_ids=[area.id])
    manager = make.user(Role.IDVA_MANAGER, agency_id=service.id, area_ids=[area.id])
    meeting_id = factory.meeting(area.id, utcnow() + timedelta(days=5), [])
    idva_client, manager_client = signed_in(app, idva.email), signed_in(app, manager.email)

    def measure():
        counts = []
        for client, url in (
            (idva_client, "/caseload/"),
            (idva_client, "/caseload/?sort=risk&contact=overdue"),
            (manager_client, f"/caseload/?idva={idva.id}"),
            (manager_client, "/caseload/team"),
        ):
            with counted_queries(app) as statements:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(len(statements))
        return counts

    factory.bulk_caseload(5, area_id=area.id, idva_id=idva.id, agency_id=service.id, meeting_id=meeting_id)
    small = measure()
    assert "5 of 70 cases" in _text(idva_client.get("/caseload/"))
    factory.bulk_caseload(495, area_id=area.id, idva_id=idva.id, agency_id=service.id, meeting_id=meeting_id)
    large = measure()
    html = _text(idva_client.get("/caseload/"))
    assert "500 of 70 cases" in html and "Over capacity" in html and "Showing 500 of 500" in html
    assert large == small, (small, large)
    assert max(small) <= 12, small


# -- Figures for reports ------------------------------------------------------------------------


def test_the_figures_for_reports(app, world):
    ash = world.client("ash")
    _log_contact(ash, world.ash_case.id, outcome="spoke")
    with app.app_context():
        loads = {load.name: load for load in caseload.caseload_against_capacity([world.area.id])}
        assert loads["Ash Testidva"].active == 1 and loads["Ash Testidva"].capacity == 70
        assert loads["Cedar Otherservice"].active == 0
        only_service = caseload.caseload_against_capacity([world.area.id], agency_id=world.service.id)
        assert [load.name for load in only_service] == ["Ash Testidva", "Birch Testidva"]
        assert caseload.caseload_against_capacity([world.other_area.id]) == []
        figures = caseload.first_contact_performance(
            [world.area.id], start=TODAY - timedelta(days=30), end=TODAY, today=TODAY
        )
    # Two supports: referred 10 and 9 days ago, allocated within 4 hours; Ash's first contact
    # today is late, Birch's missing.
    assert figures.received == 2 and figures.triaged_within_target == 2
    assert figures.judged == 2 and figures.within_target == 0 and figures.late == 1 and figures.missed == 1
    assert figures.share == 0.0 and figures.triage_share == 1.0


def test_a_manager_sees_the_first_contact_figures_of_their_own_service_only(app, world):
    """Two services in one area: the referrals Ash and Birch took (their service's) count for
    their manager, not for the other service's manager."""

    def received(who):
        team = _text(world.client(who).get("/caseload/team"))
        return re.search(r"Referrals received</dt><dd class=\"govuk-summary-list__value\">(\d+)<", team).group(1)

    assert received("manager") == "2"
    assert received("other service manager") == "0"
