"""The victim's voice before the meeting: recorded by their IDVA (or the referring agency where no
IDVA is allocated, or the coordinator), each recording kept, the latest shown on the case and at
the top of the case in meeting mode."""

import html as html_lib
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from models import AgencyKind, Area, AuditEvent, Referral, ReferralStatus, User, VictimView, db
from models.clock import uk_today
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory
from tests.helpers import signed_in
from tests.pages import error_summary, field_values

VIEWS = {
    "wants": "To stay in her home with the locks changed",
    "fears": "That he finds out she spoke to the police",
    "agrees_to_share": "Everything except her new phone number",
    "knows_of_referral": "yes",
}


@pytest.fixture
def world(app, demo):
    with app.app_context():
        area = db.session.query(Area).filter_by(name="Northmoor").one()
        agencies = {agency.kind: agency.id for agency in area.agencies}
        users = {user.email: user.id for user in db.session.query(User)}
        case = CaseFactory(app).case(area.id, agency_ids=[agencies[AgencyKind.POLICE]])  # the referrer's
        db.session.add(
            Referral(
                area_id=area.id,
                case_id=case.id,
                status=ReferralStatus.ACCEPTED,
                referred_on=uk_today() - timedelta(days=3),
                referring_agency_id=agencies[AgencyKind.POLICE],
                referrer_id=users["police@example.org"],
                referrer_name="Sam",
                draft={},
                criteria=["visible_high_risk"],
            )
        )
        db.session.commit()
    return case, users


def _record(client, case_id, answers):
    url = f"/cases/{case_id}/victims-voice"
    page = client.get(url)
    if page.status_code != 200:
        return page
    values = field_values(page.get_data(as_text=True))
    return client.post(url, data={**values, **answers})


def _views(app, case_id):
    with app.app_context():
        return db.session.scalars(
            sa.select(VictimView).where(VictimView.case_id == case_id).order_by(VictimView.id)
        ).all()


def test_without_an_idva_the_referring_agency_records_the_victims_voice_and_no_other_agency_may(app, world):
    case, users = world
    assert _record(signed_in(app, "housing@example.org"), case.id, VIEWS).status_code == 404  # not its case
    police = signed_in(app, "police@example.org")
    saved = _record(police, case.id, VIEWS)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/cases/{case.id}#victims-voice")
    (view,) = _views(app, case.id)
    assert (view.wants, view.fears, view.agrees_to_share, view.knows_of_referral) == tuple(VIEWS.values())
    assert view.recorded_by_id == users["police@example.org"]
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.event == "case.victim_view_recorded"))
        assert event.record_id == case.id and event.detail == {"view_id": view.id}  # ids only
    overview = html_lib.unescape(police.get(f"/cases/{case.id}").get_data(as_text=True))
    assert VIEWS["wants"] in overview and "Record the victim's views for the meeting" in overview


def test_once_an_idva_is_allocated_they_record_it_and_the_referrer_no_longer_does(app, world):
    case, users = world
    CaseFactory(app).allocate(case.id, users["idva@example.org"])
    assert _record(signed_in(app, "police@example.org"), case.id, VIEWS).status_code == 403
    assert _record(signed_in(app, "rowan.idva@example.org"), case.id, VIEWS).status_code == 404  # not theirs
    idva = signed_in(app, "idva@example.org")
    assert _record(idva, case.id, VIEWS).status_code == 302
    page = idva.get(f"/cases/{case.id}/victims-voice").get_data(as_text=True)
    assert field_values(page)["wants"] == VIEWS["wants"]  # the latest, to change
    assert _record(idva, case.id, {"wants": "She now wants to move to a refuge"}).status_code == 302
    assert [view.wants for view in _views(app, case.id)] == [VIEWS["wants"], "She now wants to move to a refuge"]
    assert _record(signed_in(app, "coordinator@example.org"), case.id, VIEWS).status_code == 302


def test_a_recording_says_something_and_whether_the_victim_knows(app, world):
    case, _users = world
    refused = _record(
        signed_in(app, "police@example.org"),
        case.id,
        {"wants": " ", "fears": "", "agrees_to_share": "", "knows_of_referral": ""},
    )
    assert refused.status_code == 200
    assert error_summary(refused.get_data(as_text=True)) == [
        "Enter what the victim wants, fears or agrees may be shared",
        "Select whether the victim knows of the referral",
    ]
    assert _views(app, case.id) == []


def test_meeting_mode_shows_the_victims_voice_at_the_top_of_the_case(app, world):
    case, users = world
    meeting = ActionFactory(app).meeting(
        case.area_id,
        uk_today() + timedelta(days=7),
        case_ids=[case.id],
        chair_id=users["chair@example.org"],
        publish=True,
    )
    coordinator = signed_in(app, "coordinator@example.org")
    url = f"/meetings/{meeting.id}/items/{meeting.items[case.id]}"
    before = html_lib.unescape(coordinator.get(url).get_data(as_text=True))
    assert "Not recorded: the victim's views are not represented" in before
    assert f'href="/cases/{case.id}/victims-voice"' in before  # the coordinator may record them
    chairs = signed_in(app, "chair@example.org").get(url).get_data(as_text=True)
    assert "victims-voice" not in chairs.replace('id="victims-voice"', "")  # the chair may not
    assert _record(signed_in(app, "police@example.org"), case.id, VIEWS).status_code == 302
    page = html_lib.unescape(coordinator.get(url).get_data(as_text=True))
    assert page.index("The victim's voice") < page.index(VIEWS["wants"]) < page.index("Research")


def test_the_minutes_carry_the_victims_voice_and_name_the_cases_not_discussed_once(app, world):
    case, users = world
    other = CaseFactory(app).case(case.area_id)
    meeting = ActionFactory(app).meeting(
        case.area_id,
        uk_today() + timedelta(days=7),
        case_ids=[case.id, other.id],
        chair_id=users["chair@example.org"],
        publish=True,
    )
    assert _record(signed_in(app, "police@example.org"), case.id, VIEWS).status_code == 302
    coordinator = signed_in(app, "coordinator@example.org")
    url = f"/meetings/{meeting.id}/items/{meeting.items[case.id]}"
    page = coordinator.get(url).get_data(as_text=True)
    saved = coordinator.post(url, data={**field_values(page), "discussion": "Locks first", "save_notes": "Save notes"})
    assert saved.status_code == 302
    pdf = coordinator.get(f"/meetings/{meeting.id}/minutes.pdf")
    text = " ".join(" ".join((sheet.extract_text() or "").split()) for sheet in PdfReader(io.BytesIO(pdf.data)).pages)
    discussed, listed = text.index(f"{_reference(case.id)}: "), text.index("Listed but not discussed")
    assert discussed < listed
    for answer in (VIEWS["wants"], VIEWS["fears"], VIEWS["agrees_to_share"], "Locks first"):
        assert answer in text[discussed:listed], answer
    assert text[listed:].count(_reference(other.id)) == 1 and text.count(_reference(other.id)) == 1


def _reference(case_id):
    return f"C{case_id:06d}"
