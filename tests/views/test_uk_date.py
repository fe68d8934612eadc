"""Today is the UK's date. At 00:30 on 2 July (BST) a server on UTC still reads 1 July; every page
that depends on today must say 2 July: the referral form's date, the completion date allowed, which
actions are overdue and when a paper was generated. The clock is pinned through models.clock."""

import html
import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from models import ActionStatus, AgencyKind, Area, clock, db
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory
from tests.helpers import csrf_from, sign_in
from tests.pages import date_boxes

HALF_PAST_MIDNIGHT = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 BST on 2 July
UK_TODAY = date(2026, 7, 2)
YESTERDAY = date(2026, 7, 1)


@pytest.fixture
def police(app, demo, monkeypatch):
    """The police representative of Northmoor, signed in at 00:30 on 2 July, UK time, with two
    actions from a meeting held that morning: one due on 1 July, one due on 2 July."""
    monkeypatch.setattr(clock, "_system_time", lambda: HALF_PAST_MIDNIGHT)
    with app.app_context():
        area = db.session.query(Area).filter_by(name="Northmoor").one()
        agency_id = next(agency.id for agency in area.agencies if agency.kind == AgencyKind.POLICE)
    case = CaseFactory(app).case(area.id)
    factory = ActionFactory(app)
    meeting = factory.meeting(area.id, UK_TODAY, case_ids=[case.id], publish=True)
    due = {
        day: factory.action(case.id, agency_id, due_on=day, meeting_id=meeting.id, item_id=meeting.items[case.id])
        for day in (YESTERDAY, UK_TODAY)
    }
    client = app.test_client()
    assert sign_in(client, "police@example.org").status_code == 302
    client.due, client.meeting_id, client.agency_id = due, meeting.id, agency_id
    return client


def _text(response, status=200):
    assert response.status_code == status
    return html.unescape(response.get_data(as_text=True))


def _date_boxes(page, name):
    return [re.search(rf'id="{name}-{part}"[^>]*value="([^"]*)"', page).group(1) for part in ("day", "month", "year")]


def test_a_new_referral_is_dated_the_uk_day(police):
    assert _date_boxes(_text(police.get("/referrals/new")), "referred_on") == date_boxes(UK_TODAY)


def test_an_action_due_yesterday_in_the_uk_is_overdue_and_one_due_today_is_not(police):
    overdue, due_today = police.due[YESTERDAY], police.due[UK_TODAY]
    assert re.findall(r'href="/actions/(\d+)"', _text(police.get("/actions/?due=overdue"))) == [str(overdue)]
    assert 'govuk-tag--red">Overdue' in _text(police.get(f"/actions/{overdue}"))
    assert "Overdue</strong>" not in _text(police.get(f"/actions/{due_today}"))
    home = _text(police.get("/"))
    assert re.search(r"Your agency's actions overdue</dt>\s*<dd[^>]*><a[^>]*>1</a>", home)


def test_an_action_completed_on_the_uk_day_is_not_in_the_future(police):
    action_id = police.due[UK_TODAY]

    def complete(on):
        page = police.get(f"/actions/{action_id}").get_data(as_text=True)
        return police.post(
            f"/actions/{action_id}",
            data={
                "csrf_token": csrf_from(page),
                "version": re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1),
                "status": ActionStatus.COMPLETED,
                "completed_on": date_boxes(on),
                "evidence": "Alarm fitted: engineer's job sheet seen",
                "note": "",
            },
        )

    assert "The completion date must be today or in the past" in _text(complete(date(2026, 7, 3)), 400)
    assert complete(UK_TODAY).status_code == 302


def test_a_paper_says_it_was_generated_on_the_uk_day(police):
    response = police.get(f"/meetings/{police.meeting_id}/actions/{police.agency_id}.pdf")
    assert response.status_code == 200
    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(response.data)).pages
    )
    assert "Generated on 2 July 2026 at 12:30am" in text
