"""What the coordinator types on a meeting's page and how it is kept: attendance by agency, and
the minutes planned for each case."""

from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from marac.services import agenda, meetings
from models import AgendaItem, AgendaSection, Area, Attendance, Case, Meeting, db
from models.clock import uk_today
from tests.factories.cases import CaseFactory
from tests.helpers import csrf_from, sign_in


@pytest.fixture
def meeting(app, demo):
    """A Northmoor meeting next week with two cases on its list: (meeting id, [item ids])."""
    make = CaseFactory(app)
    with app.app_context():
        area = db.session.scalar(sa.select(Area).filter_by(name="Northmoor"))
        area_id = area.id
    case_ids = [make.case(area_id).id for _ in range(2)]
    with app.app_context():
        (row,) = meetings.schedule(
            db.session.get(Area, area_id),
            first_day=uk_today() + timedelta(days=7),
            start_time=time(10, 0),
            count=1,
            length_minutes=60,
            venue=None,
            online_link=None,
            chair_id=None,
            cut_off_days=2,
        )
        db.session.flush()
        items = [
            agenda.add_by_hand(row, db.session.get(Case, case_id), AgendaSection.ADULTS, "Listed")
            for case_id in case_ids
        ]
        db.session.commit()
        return row.id, [item.id for item in items]


@pytest.fixture
def coordinator(app):
    client = app.test_client()
    sign_in(client, "coordinator@example.org")
    return client


def _agency_ids(app, meeting_id):
    with app.app_context():
        return [agency.id for agency in db.session.get(Meeting, meeting_id).invited_agencies]


def _attendance(app, meeting_id):
    with app.app_context():
        rows = db.session.scalars(sa.select(Attendance).filter_by(meeting_id=meeting_id))
        return {row.agency_id: (row.is_present, row.person_name, row.has_signed_confidentiality) for row in rows}


def test_attendance_is_kept_for_each_invited_agency(app, meeting, coordinator):
    meeting_id, _items = meeting
    first, second, *others = _agency_ids(app, meeting_id)
    url = f"/meetings/{meeting_id}/attendance"
    token = csrf_from(coordinator.get(url).get_data(as_text=True))
    answers = {
        "csrf_token": token,
        f"present-{first}": "y",
        f"signed-{first}": "y",
        f"present-{second}": "yes",  # only the checkbox's own value ticks it
        f"person-{second}": "",
    }
    # A NUL and a name longer than the column are refused with a message, not cut or dropped.
    for typed, message in (
        ("  DS Example\x00 ", "Representative must not contain a null character"),
        ("DS Example " + "x" * 200, "Representative must be 120 characters or fewer"),
    ):
        refused = coordinator.post(url, data={**answers, f"person-{first}": typed})
        assert refused.status_code == 400
        page = refused.get_data(as_text=True)
        assert f'href="#person-{first}"' in page and message in page
        assert _attendance(app, meeting_id) == {}

    response = coordinator.post(url, data={**answers, f"person-{first}": "  DS   Example  "})
    assert response.status_code == 302
    kept = _attendance(app, meeting_id)
    present, person, signed = kept[first]
    assert present and signed
    assert person == "DS Example"
    assert kept[second] == (False, None, False)
    assert all(kept[agency_id] == (False, None, False) for agency_id in others)
    assert "Attendance saved." in coordinator.get(f"/meetings/{meeting_id}").get_data(as_text=True)


def test_attendance_without_the_pages_token_is_refused_and_keeps_nothing(app, meeting, coordinator):
    meeting_id, _items = meeting
    first = _agency_ids(app, meeting_id)[0]
    response = coordinator.post(f"/meetings/{meeting_id}/attendance", data={f"present-{first}": "y"})
    assert response.status_code == 400
    assert _attendance(app, meeting_id) == {}


def _planned(app, item_ids):
    with app.app_context():
        return [db.session.get(AgendaItem, item_id).planned_minutes for item_id in item_ids]


def test_planned_minutes_are_saved_only_when_every_case_is_right(app, meeting, coordinator):
    meeting_id, (first, second) = meeting
    url = f"/meetings/{meeting_id}/planned-minutes"
    before = _planned(app, [first, second])

    token = csrf_from(coordinator.get(f"/meetings/{meeting_id}").get_data(as_text=True))
    response = coordinator.post(url, data={"csrf_token": token, f"minutes-{first}": "25", f"minutes-{second}": "121"})
    assert response.status_code == 400
    assert _planned(app, [first, second]) == before  # one wrong: nothing saved
    page = response.get_data(as_text=True)
    assert "enter minutes from 1 to 120" in page and f'href="#minutes-{second}"' in page  # in the error summary
    assert 'value="121"' in page and 'value="25"' in page  # what was typed, kept

    response = coordinator.post(url, data={"csrf_token": token, f"minutes-{first}": "25", f"minutes-{second}": ""})
    assert response.status_code == 302
    assert _planned(app, [first, second]) == [25, before[1]]  # blank: left as it was
    assert "Planned minutes saved." in coordinator.get(f"/meetings/{meeting_id}").get_data(as_text=True)
