"""Meetings through the web and the services: the agenda's order, who sees the published list and
whose research, meeting mode to minutes, the papers read back, and the query budgets."""

import io
import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from marac.services import actions, agenda, cases, meetings
from models import (
    Action,
    Agency,
    AgencyKind,
    AgendaItem,
    AgendaSection,
    Area,
    AuditEvent,
    Case,
    Meeting,
    MeetingStatus,
    Notification,
    Referral,
    ReferralStatus,
    ResearchRequest,
    ResearchStatus,
    User,
    clock,
    db,
)
from models.clock import UK, uk_date, uk_today
from tests.factories.cases import CaseFactory
from tests.helpers import counted_queries, csrf_from, signed_in
from tests.pages import date_boxes, version_field

TODAY = uk_today()
UK_MEETING = datetime.combine(TODAY + timedelta(days=7), time(10, 0), tzinfo=UK)


@pytest.fixture
def world(app, demo):
    return meeting_world(app)


def meeting_world(app):
    """The demo's first area with a planned meeting a week away, chaired by the demo chair."""
    with app.app_context():
        area = db.session.query(Area).filter_by(name="Northmoor").one()
        chair = db.session.query(User).filter_by(email="chair@example.org").one()
        coordinator = db.session.query(User).filter_by(email="coordinator@example.org").one()
        (meeting,) = meetings.schedule(
            area,
            first_day=UK_MEETING.date(),
            start_time=time(10, 0),
            count=1,
            length_minutes=60,
            venue="Civic Centre",
            online_link=None,
            chair_id=chair.id,
            cut_off_days=2,
        )
        db.session.commit()
        agencies = {agency.kind: agency.id for agency in area.agencies}
        return {
            "area": area.id,
            "meeting": meeting.id,
            "agencies": agencies,
            "coordinator": coordinator.id,
            "police": agencies[AgencyKind.POLICE],
        }


def refer(app, world, *, children=0, on=None, status=ReferralStatus.ACCEPTED, victim=None):
    """A case of the area with an accepted police referral; returns the case id."""
    case = CaseFactory(app).case(world["area"], victim=victim)
    with app.app_context():
        case_row = db.session.get(Case, case.id)
        for n in range(children):
            cases.add_child(
                case_row,
                {
                    "first_name": f"Kid{n}",
                    "last_name": "Testchild",
                    "aliases": [],
                    "date_of_birth": date(2018, 1, n + 1),
                    "relationship_to_victim": "child",
                    "relationship_to_perpetrator": "child",
                },
            )
        db.session.add(
            Referral(
                area_id=world["area"],
                case_id=case.id,
                status=status,
                referred_on=on or TODAY - timedelta(days=5),
                referring_agency_id=world["police"],
                referrer_id=world["coordinator"],
                referrer_name="Pat Constable",
            )
        )
        db.session.commit()
    return case.id


def _listed(app, meeting_id):
    with app.app_context():
        return [(item.case_id, item.section) for item in agenda.items(meeting_id)]


def _build(app, meeting_id):
    with app.app_context():
        agenda.build(db.session.get(Meeting, meeting_id))
        db.session.commit()


def _past_meeting_with(app, world, case_ids, *, open_action_for=()):
    """A held meeting 3 weeks ago that heard these cases; open actions for some of them."""
    with app.app_context():
        area = db.session.get(Area, world["area"])
        (past,) = meetings.schedule(
            area,
            first_day=TODAY - timedelta(days=21),
            start_time=time(10, 0),
            count=1,
            length_minutes=60,
            venue=None,
            online_link=None,
            chair_id=None,
            cut_off_days=2,
        )
        db.session.flush()
        for case_id in case_ids:
            case = db.session.get(Case, case_id)
            referral = db.session.scalars(sa.select(Referral).where(Referral.case_id == case_id)).first()
            agenda.add_by_hand(past, case, AgendaSection.ADULTS, "Heard")
            item = db.session.scalar(sa.select(AgendaItem).filter_by(meeting_id=past.id, case_id=case_id))
            item.referral_id = referral.id if referral else None
            meetings.save_discussion(item, "Heard", None)
            if case_id in open_action_for:
                coordinator = db.session.get(User, world["coordinator"])
                actions.create(
                    case,
                    {
                        "owner_agency_id": world["police"],
                        "protects": "victim",
                        "what": "Visit the victim with the IDVA",
                        "how_known": "Visit logged",
                        "due_on": TODAY + timedelta(days=3),
                    },
                    coordinator,
                    meeting=past,
                    item=item,
                )
        meetings.mark_held(past)
        db.session.commit()


def test_the_list_follows_the_recommended_order(app, world):
    adults = refer(app, world)
    with_children = refer(app, world, children=2)
    old = refer(app, world, on=TODAY - timedelta(days=370))  # its 12 months ended after the last meeting
    unfinished = refer(app, world, on=TODAY - timedelta(days=40))
    _past_meeting_with(app, world, [old, unfinished], open_action_for=[unfinished])
    _build(app, world["meeting"])
    assert _listed(app, world["meeting"]) == [
        (unfinished, AgendaSection.INCOMPLETE_ACTIONS),
        (with_children, AgendaSection.CHILDREN),
        (adults, AgendaSection.ADULTS),
        (old, AgendaSection.TWELVE_MONTHS),
    ]


def test_referrals_after_the_cut_off_or_not_accepted_wait(app, world):
    refer(app, world, on=TODAY + timedelta(days=6))  # after the cut-off (meeting day - 2)
    refer(app, world, status=ReferralStatus.SUBMITTED)
    _build(app, world["meeting"])
    assert _listed(app, world["meeting"]) == []


def test_hand_moves_and_removals_are_kept_when_the_list_is_rebuilt(app, world):
    first_child = refer(app, world, children=1)
    adult = refer(app, world)
    dropped = refer(app, world)
    _build(app, world["meeting"])
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        items = {item.case_id: item for item in agenda.items(meeting.id)}
        agenda.move(meeting, items[adult], -1)  # the coordinator puts the adult case first
        agenda.remove(meeting, items[dropped], "Victim moved away")
        db.session.commit()
    later_child = refer(app, world, children=1)
    _build(app, world["meeting"])
    assert [case_id for case_id, _ in _listed(app, world["meeting"])] == [adult, first_child, later_child]


def _post(client, url, data=None, token_from=None):
    page = client.get(token_from or "/").get_data(as_text=True)
    return client.post(url, data={**(data or {}), "csrf_token": csrf_from(page)})


def add_new_cases(client, base):
    """ "Add new cases to the list", every case its preview offers confirmed."""
    page = client.get(f"{base}/build").get_data(as_text=True)
    offered = re.findall(r'name="case_ids" type="checkbox" value="(\d+)"', page)
    return client.post(f"{base}/build", data={"csrf_token": csrf_from(page), "case_ids": offered})


def _publish(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    base = f"/meetings/{world['meeting']}"
    assert add_new_cases(coordinator, base).status_code == 302
    assert _post(coordinator, f"{base}/publish", token_from=base).status_code == 302
    return coordinator


def test_agency_reps_see_only_published_lists_of_meetings_their_agency_is_invited_to(app, world):
    refer(app, world)
    police = signed_in(app, "police@example.org")
    assert police.get(f"/meetings/{world['meeting']}").status_code == 404  # not published yet
    _publish(app, world)
    assert police.get(f"/meetings/{world['meeting']}").status_code == 200
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        meeting.invited_agencies = [a for a in meeting.invited_agencies if a.kind != AgencyKind.HOUSING]
        db.session.commit()
    assert signed_in(app, "housing@example.org").get(f"/meetings/{world['meeting']}").status_code == 404


def test_reps_answer_for_their_own_agency_and_see_no_other_agencys_answer(app, world):
    case_id = refer(app, world)
    coordinator = _publish(app, world)
    with app.app_context():
        item = db.session.scalar(sa.select(AgendaItem).filter_by(meeting_id=world["meeting"], case_id=case_id))
        item_id = item.id
    base = f"/meetings/{world['meeting']}/items/{item_id}/research"
    police, housing = signed_in(app, "police@example.org"), signed_in(app, "housing@example.org")
    page = police.get(base).get_data(as_text=True)
    police.post(
        base,
        data={
            "facts": "Two call-outs in <b>October</b>",
            "opinion": "Escalating",
            "csrf_token": csrf_from(page),
            "version": re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1),
        },
    )
    _post(housing, base, {"nothing_known": "1"}, token_from=f"/meetings/{world['meeting']}")
    housing_page = housing.get(f"/meetings/{world['meeting']}").get_data(as_text=True)
    assert "Two call-outs" not in housing_page and "Nothing known" in housing_page
    assert "Two call-outs" not in housing.get(base).get_data(as_text=True)
    grid = coordinator.get(f"/meetings/{world['meeting']}/research").get_data(as_text=True)
    assert grid.count("Submitted") >= 1 and grid.count("Nothing known") >= 1
    assert police.get(f"/meetings/{world['meeting']}/research").status_code == 403
    item_page = coordinator.get(f"/meetings/{world['meeting']}/items/{item_id}").get_data(as_text=True)
    assert "Two call-outs in &lt;b&gt;October&lt;/b&gt;" in item_page


def test_nothing_known_never_replaces_research_sent_already(app, world):
    """The police sent facts; "Nothing known" clicked afterwards (a stale page, another tab) leaves
    them as they are."""
    case_id = refer(app, world)
    _publish(app, world)
    with app.app_context():
        item_id = db.session.scalar(sa.select(AgendaItem.id).filter_by(meeting_id=world["meeting"], case_id=case_id))
    base = f"/meetings/{world['meeting']}/items/{item_id}/research"
    police = signed_in(app, "police@example.org")
    page = police.get(base).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    police.post(base, data={"facts": "Two call-outs", "csrf_token": csrf_from(page), "version": version})
    answer = _post(police, base, {"nothing_known": "1"}, token_from=f"/meetings/{world['meeting']}")
    assert answer.status_code == 302
    with app.app_context():
        research = db.session.scalar(
            sa.select(ResearchRequest)
            .join(Agency)
            .where(ResearchRequest.agenda_item_id == item_id, Agency.name == "Northmoor Police")
        )
        assert (research.status, research.facts) == (ResearchStatus.SUBMITTED, "Two call-outs")


def _pdf_text(response):
    reader = PdfReader(io.BytesIO(response.data))
    return [page.extract_text() for page in reader.pages]


def test_the_case_list_pdf_is_marked_escaped_withheld_and_audited(app, world):
    refer(
        app,
        world,
        victim={
            "first_name": "<b>O'Brien",
            "last_name": "& Sons</b>",
            "address": "Refuge Road 1",
            "is_address_confidential": True,
        },
    )
    refer(app, world, children=1)
    coordinator = _publish(app, world)
    response = coordinator.get(f"/meetings/{world['meeting']}/case-list.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "Brien" not in disposition
    assert response.headers["Cache-Control"] == "no-store"
    pages = _pdf_text(response)
    text = "\n".join(pages)
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2
        assert f"Page {number} of {len(pages)}" in page
    assert "<b>O'Brien & Sons</b>" in " ".join(text.split())  # escaped: printed as typed (a cell may wrap it)
    assert "Refuge Road" not in text and "Address withheld" in text
    assert text.rindex("New cases with children") < text.rindex("New cases, adults only")
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(event="meeting.pdf", record_id=world["meeting"]).count() == 1


def test_one_agencys_actions_pdf_holds_no_other_agencys_actions(app, world):
    case_id = refer(app, world)
    _publish(app, world)
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        item = db.session.scalar(sa.select(AgendaItem).filter_by(meeting_id=meeting.id, case_id=case_id))
        coordinator = db.session.get(User, world["coordinator"])
        for kind, what in ((AgencyKind.HOUSING, "Fit new locks at the home"), (AgencyKind.POLICE, "Flag the address")):
            actions.create(
                item.case,
                {
                    "owner_agency_id": world["agencies"][kind],
                    "protects": "victim",
                    "what": what,
                    "how_known": "Confirmed",
                    "due_on": TODAY + timedelta(days=10),
                },
                coordinator,
                meeting=meeting,
                item=item,
            )
        db.session.commit()
    housing = signed_in(app, "housing@example.org")
    own = "\n".join(
        _pdf_text(housing.get(f"/meetings/{world['meeting']}/actions/{world['agencies'][AgencyKind.HOUSING]}.pdf"))
    )
    assert "Fit new locks" in own and "Flag the address" not in own
    assert housing.get(f"/meetings/{world['meeting']}/actions/{world['police']}.pdf").status_code == 403


def _agree_action(client, world, case_id, owner_id, what="Fit new locks at the home"):
    """The coordinator adds an action for this case in meeting mode; returns the response."""
    base = f"/meetings/{world['meeting']}"
    with client.application.app_context():
        item_id = db.session.scalar(sa.select(AgendaItem.id).filter_by(meeting_id=world["meeting"], case_id=case_id))
    page = client.get(f"{base}/items/{item_id}").get_data(as_text=True)
    return client.post(
        f"{base}/items/{item_id}",
        data={
            "add_action": "Add action",
            "version": version_field(page),
            "owner_agency_id": str(owner_id),
            "protects": "victim",
            "what": what,
            "how_known": "Locksmith's invoice sent to the coordinator",
            "due_on": date_boxes(UK_MEETING.date() + timedelta(days=14)),
            "csrf_token": csrf_from(page),
        },
    ), page


def test_the_coordinator_has_the_actions_paper_of_each_agency_that_owns_one(app, world):
    case_id = refer(app, world)
    coordinator = _publish(app, world)
    base = f"/meetings/{world['meeting']}"
    housing = world["agencies"][AgencyKind.HOUSING]
    response, _page = _agree_action(coordinator, world, case_id, housing)
    assert response.status_code == 302
    html = coordinator.get(base).get_data(as_text=True)
    assert re.findall(rf'href="{base}/actions/(\d+).pdf"', html) == [str(housing)]
    assert "Northmoor Housing</bdi>: actions (PDF)" in html
    assert "Fit new locks" in "\n".join(_pdf_text(coordinator.get(f"{base}/actions/{housing}.pdf")))


def test_meeting_mode_offers_the_areas_agencies_in_use_and_invites_a_new_owner(app, world):
    case_id = refer(app, world)
    coordinator = _publish(app, world)
    with app.app_context():
        elsewhere = db.session.query(Agency).filter_by(name="Eastwick Vale Housing").one().id
        area = db.session.get(Area, world["area"])
        # Added to the area after the meeting was scheduled; and one retired since.
        newcomer = Agency(name="Northmoor Refuge Service", kind=AgencyKind.SPECIALIST, areas=[area])
        db.session.add(newcomer)
        db.session.get(Agency, world["agencies"][AgencyKind.PROBATION]).is_active = False
        db.session.commit()
        newcomer_id = newcomer.id

    refused, page = _agree_action(coordinator, world, case_id, elsewhere)
    owners = re.search(r'<select[^>]*name="owner_agency_id".*?</select>', page, re.S).group(0)
    assert "Northmoor Housing" in owners and "Northmoor Refuge Service" in owners
    assert "Eastwick Vale Housing" not in owners and "Northmoor Probation" not in owners
    assert refused.status_code == 400
    assert "Select one of the options" in refused.get_data(as_text=True)

    agreed, _page = _agree_action(coordinator, world, case_id, newcomer_id, what="Offer a refuge space this week")
    assert agreed.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        assert newcomer_id in {agency.id for agency in meeting.invited_agencies}  # so it sees the list
        owners = db.session.scalars(sa.select(Action.owner_agency_id).filter_by(meeting_id=world["meeting"])).all()
        assert owners == [newcomer_id]


def test_from_meeting_mode_to_minutes_sent(app, world, monkeypatch):
    monkeypatch.setattr(clock, "_system_time", lambda: UK_MEETING + timedelta(hours=2))  # the meeting has begun
    case_id = refer(app, world)
    coordinator = _publish(app, world)
    base = f"/meetings/{world['meeting']}"
    with app.app_context():
        item_id = db.session.scalar(sa.select(AgendaItem.id).filter_by(meeting_id=world["meeting"], case_id=case_id))
    attendance = {
        f"present-{world['police']}": "y",
        f"person-{world['police']}": "DS Example",
        f"signed-{world['police']}": "y",
    }
    assert _post(coordinator, f"{base}/attendance", attendance, token_from=f"{base}/attendance").status_code == 302
    page = coordinator.get(f"{base}/items/{item_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    coordinator.post(
        f"{base}/items/{item_id}",
        data={
            "discussion": "Bail conditions breached",
            "risk_after": "high",
            "version": version,
            "csrf_token": csrf_from(page),
        },
    )
    assert _post(coordinator, f"{base}/held", token_from=base).status_code == 302
    # Only the chair approves.
    assert _post(coordinator, f"{base}/approve", token_from=base).status_code == 403
    chair = signed_in(app, "chair@example.org")
    assert _post(chair, f"{base}/approve", token_from=base).status_code == 302
    minutes = "\n".join(_pdf_text(coordinator.get(f"{base}/minutes.pdf")))
    assert "Bail conditions breached" in minutes and "Approved by Charlie Chair" in minutes and "DRAFT" not in minutes
    assert _post(coordinator, f"{base}/send", token_from=base).status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        assert meeting.status == MeetingStatus.MINUTES_SENT
        police_rep = db.session.query(User).filter_by(email="police@example.org").one()
        housing_rep = db.session.query(User).filter_by(email="housing@example.org").one()
        sent = "The minutes of the"
        assert (
            db.session.query(Notification)
            .filter(Notification.user_id == police_rep.id, Notification.message.startswith(sent))
            .count()
            == 1
        )
        assert (
            db.session.query(Notification)
            .filter(Notification.user_id == housing_rep.id, Notification.message.startswith(sent))
            .count()
            == 0
        )
    assert "working day" in coordinator.get(base).get_data(as_text=True)


def test_the_planned_time_warns_when_the_list_overruns(app, world):
    for _ in range(7):
        refer(app, world)
    coordinator = signed_in(app, "coordinator@example.org")
    base = f"/meetings/{world['meeting']}"
    add_new_cases(coordinator, base)
    html = coordinator.get(base).get_data(as_text=True)
    assert "7 cases, 70 minutes planned of 60" in html
    assert "The list is 10 minutes longer than the meeting" in html


def test_one_case_added_is_said_in_the_singular(app, world):
    refer(app, world)
    coordinator = signed_in(app, "coordinator@example.org")
    base = f"/meetings/{world['meeting']}"
    add_new_cases(coordinator, base)
    assert "1 case added to the list." in coordinator.get(base).get_data(as_text=True)


def test_the_calendar_invite_names_nobody(app, world):
    refer(app, world, victim={"first_name": "Zelda", "last_name": "Quernmoor"})
    coordinator = _publish(app, world)
    body = coordinator.get(f"/meetings/{world['meeting']}/invite.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "Northmoor" in body
    assert "Zelda" not in body and "Quernmoor" not in body


def test_building_the_list_keeps_a_fixed_query_budget(app, world):
    """The statements of the build do not grow with the cases it lists (5, then 20)."""
    coordinator = signed_in(app, "coordinator@example.org")
    base = f"/meetings/{world['meeting']}"

    def build():
        with app.app_context():  # start from an empty list each time
            db.session.execute(sa.delete(AgendaItem).where(AgendaItem.meeting_id == world["meeting"]))
            db.session.commit()
        page = coordinator.get(f"{base}/build").get_data(as_text=True)
        offered = re.findall(r'name="case_ids" type="checkbox" value="(\d+)"', page)
        with counted_queries(app) as statements:
            answer = coordinator.post(f"{base}/build", data={"csrf_token": csrf_from(page), "case_ids": offered})
            assert answer.status_code == 302
        with app.app_context():
            listed = db.session.query(AgendaItem).filter_by(meeting_id=world["meeting"]).count()
        return listed, len(statements)

    for _ in range(5):
        refer(app, world, children=1)
    build()  # anything a first build does once
    few = build()
    for _ in range(15):
        refer(app, world)
    many = build()
    assert (few[0], many[0]) == (5, 20)
    assert many[1] == few[1] <= 14, (few, many)


@pytest.mark.parametrize("path", ["", "/case-list.pdf"])
def test_the_list_and_its_pdf_keep_a_fixed_query_budget(app, world, path):
    for _ in range(5):
        refer(app, world, children=1)
    coordinator = signed_in(app, "coordinator@example.org")
    base = f"/meetings/{world['meeting']}"
    add_new_cases(coordinator, base)
    coordinator.get(base + path)
    with counted_queries(app) as few:
        assert coordinator.get(base + path).status_code == 200
    for _ in range(15):
        refer(app, world, children=2)
    add_new_cases(coordinator, base)
    with counted_queries(app) as many:
        assert coordinator.get(base + path).status_code == 200
    with app.app_context():
        assert db.session.query(AgendaItem).filter_by(meeting_id=world["meeting"]).count() == 20
    # 21: the facts each case shows as the PDF does (risk, and the referral: reasons, repeat, agency).
    assert len(many) == len(few) <= 21, (len(few), len(many))


def following_meeting(app, world):
    """(id, day) of the area's next meeting, a fortnight after the world's."""
    with app.app_context():
        (later,) = meetings.schedule(
            db.session.get(Area, world["area"]),
            first_day=UK_MEETING.date() + timedelta(days=14),
            start_time=time(10, 0),
            count=1,
            length_minutes=60,
            venue=None,
            online_link=None,
            chair_id=None,
            cut_off_days=2,
        )
        db.session.commit()
        return later.id, uk_date(later.starts_at)
