"""A meeting's steps, in order: scheduled → list published → held → minutes approved → minutes sent.
Held is refused before the meeting starts and settles each undiscussed case; from held on the case
list is locked, and from approval on the meeting's record is read-only, whatever the request."""

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from marac.services import meetings
from models import (
    AgendaItem,
    Attendance,
    AuditEvent,
    Meeting,
    MeetingStatus,
    Notification,
    ResearchRequest,
    User,
    clock,
    db,
)
from models.clock import UK
from tests.helpers import csrf_from, signed_in
from tests.views.test_meetings import (
    UK_MEETING,
    _pdf_text,
    _post,
    _publish,
    add_new_cases,
    following_meeting,
    meeting_world,
    refer,
)

STARTED = UK_MEETING + timedelta(hours=1)


@pytest.fixture
def world(app, demo):
    return meeting_world(app)


@pytest.fixture
def started(monkeypatch):
    """The clock an hour into the world's meeting."""
    monkeypatch.setattr(clock, "_system_time", lambda: STARTED)


def _items(app, meeting_id, *, include_removed=False):
    with app.app_context():
        query = sa.select(AgendaItem).filter_by(meeting_id=meeting_id).order_by(AgendaItem.position)
        if not include_removed:
            query = query.where(AgendaItem.removed_at.is_(None))
        return [
            (row.case_id, row.position, row.planned_minutes, row.removed_reason, row.added_reason)
            for row in db.session.scalars(query)
        ]


def _status(app, meeting_id):
    with app.app_context():
        return db.session.get(Meeting, meeting_id).status


def _discuss(app, meeting_id, case_id, notes="Discussed"):
    with app.app_context():
        item = db.session.scalar(sa.select(AgendaItem).filter_by(meeting_id=meeting_id, case_id=case_id))
        meetings.save_discussion(item, notes, "high")
        db.session.commit()
        return item.id


def _item_id(app, meeting_id, case_id):
    with app.app_context():
        return db.session.scalar(sa.select(AgendaItem.id).filter_by(meeting_id=meeting_id, case_id=case_id))


def _events(app, action):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).filter_by(event=action)).all()


def test_held_is_refused_before_the_meeting_starts(app, world):
    refer(app, world)
    coordinator = _publish(app, world)
    base = f"/meetings/{world['meeting']}"
    assert "Record the meeting as held" not in coordinator.get(base).get_data(as_text=True)
    for answer in (coordinator.get(f"{base}/held"), _post(coordinator, f"{base}/held", token_from=base)):
        assert answer.status_code == 302
    page = coordinator.get(base).get_data(as_text=True)
    assert "cannot be recorded as held before it starts" in page
    assert _status(app, world["meeting"]) == MeetingStatus.LIST_PUBLISHED


def test_each_step_needs_the_one_before(app, world, started):
    refer(app, world)
    coordinator = signed_in(app, "coordinator@example.org")
    chair = signed_in(app, "chair@example.org")
    base = f"/meetings/{world['meeting']}"
    add_new_cases(coordinator, base)
    # Not held before the list is published; not approved before held; not sent before approved.
    assert _post(coordinator, f"{base}/held", token_from=base).status_code == 302
    assert "must be “Case list published” first" in coordinator.get(base).get_data(as_text=True)
    assert _post(chair, f"{base}/approve", token_from=base).status_code == 302
    assert "must be “Held” first" in chair.get(base).get_data(as_text=True)
    assert _post(coordinator, f"{base}/send", token_from=base).status_code == 302
    assert _status(app, world["meeting"]) == MeetingStatus.PLANNED
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        assert meetings.step_problem(meeting, MeetingStatus.LIST_PUBLISHED) is None
        assert meetings.step_problem(meeting, MeetingStatus.MINUTES_SENT).endswith("must be “Minutes approved” first.")


def test_held_names_the_undiscussed_cases_and_carries_or_removes_each(app, world, started):
    discussed, carried, dropped = refer(app, world), refer(app, world, children=1), refer(app, world)
    later, _day = following_meeting(app, world)
    coordinator = _publish(app, world)
    base = f"/meetings/{world['meeting']}"
    _discuss(app, world["meeting"], discussed)
    carried_item, dropped_item = _item_id(app, world["meeting"], carried), _item_id(app, world["meeting"], dropped)

    page = coordinator.get(f"{base}/held").get_data(as_text=True)
    assert "2 cases of 3 on the list have no discussion recorded" in page
    with app.app_context():
        references = {case_id: db.session.get(AgendaItem, _item_id(app, world["meeting"], case_id)).case.reference
                      for case_id in (discussed, carried, dropped)}  # fmt: skip
    assert references[carried] in page and references[dropped] in page and references[discussed] not in page
    assert "Carry it to the next meeting, on" in page

    # Each needs an outcome; a removal needs its reason.
    token = csrf_from(page)
    answer = coordinator.post(f"{base}/held", data={"csrf_token": token, f"outcome-{dropped_item}": "remove"})
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert f"Select what happens to case {references[carried]}" in text and "Enter why the case is removed" in text
    assert _status(app, world["meeting"]) == MeetingStatus.LIST_PUBLISHED

    answer = coordinator.post(
        f"{base}/held",
        data={
            "csrf_token": token,
            f"outcome-{carried_item}": "carry",
            f"outcome-{dropped_item}": "remove",
            f"reason-{dropped_item}": "Victim moved out of the area",
        },
    )
    assert answer.status_code == 302
    assert _status(app, world["meeting"]) == MeetingStatus.HELD
    assert [row[0] for row in _items(app, world["meeting"])] == [discussed]
    reasons = {row[0]: row[3] for row in _items(app, world["meeting"], include_removed=True)}
    assert reasons[dropped] == "Not discussed: Victim moved out of the area"
    assert reasons[carried].startswith("Not discussed: carried to the meeting on ")
    (on_later,) = _items(app, later)
    assert on_later[0] == carried and on_later[4].startswith("Not discussed at the meeting on ")
    with app.app_context():
        moved = db.session.scalar(sa.select(AgendaItem).filter_by(meeting_id=later, case_id=carried))
        assert moved.section == "children" and moved.referral_id is not None
    (held,) = _events(app, "meeting.held")
    assert held.detail["carried"] == 1 and held.detail["removed"] == 1


def test_without_a_later_meeting_an_undiscussed_case_can_only_be_removed(app, world, started):
    case_id = refer(app, world)
    coordinator = _publish(app, world)
    base = f"/meetings/{world['meeting']}"
    page = coordinator.get(f"{base}/held").get_data(as_text=True)
    assert "There is no later meeting" in page and "Carry it" not in page
    item_id = _item_id(app, world["meeting"], case_id)
    answer = coordinator.post(f"{base}/held", data={"csrf_token": csrf_from(page), f"outcome-{item_id}": "carry"})
    assert answer.status_code == 400
    assert _status(app, world["meeting"]) == MeetingStatus.LIST_PUBLISHED


def _held(app, world):
    """The world's meeting published, its two cases discussed, held. (coordinator, case ids)"""
    first, second = refer(app, world), refer(app, world)
    coordinator = _publish(app, world)
    for case_id in (first, second):
        _discuss(app, world["meeting"], case_id)
    base = f"/meetings/{world['meeting']}"
    assert _post(coordinator, f"{base}/held", token_from=f"{base}/held").status_code == 302
    assert _status(app, world["meeting"]) == MeetingStatus.HELD
    return coordinator, (first, second)


def test_the_held_list_cannot_be_changed_by_page_or_direct_post(app, world, started):
    coordinator, (first, _second) = _held(app, world)
    base = f"/meetings/{world['meeting']}"
    before = _items(app, world["meeting"], include_removed=True)
    page = coordinator.get(base).get_data(as_text=True)
    for button in ("Move up", "Add new cases", "Add a case by hand", "Save planned minutes", ">Remove<"):
        assert button not in page
    token = csrf_from(page)
    item_id = _item_id(app, world["meeting"], first)
    extra = refer(app, world)
    attempts = [
        (f"{base}/build", {}),
        (f"{base}/items/{item_id}/move", {"direction": "down"}),
        (f"{base}/items/{item_id}/remove", {"reason": "Gone"}),
        (f"{base}/planned-minutes", {f"minutes-{item_id}": "30"}),
        (f"{base}/add", {"find": f"C{extra:06d}", "case_id": extra, "section": "adults", "reason": "Late"}),
    ]
    for url, data in attempts:
        answer = coordinator.post(url, data={**data, "csrf_token": token})
        assert answer.status_code == 302, url
        assert answer.headers["Location"].endswith(base), url
    assert coordinator.get(f"{base}/add").status_code == 302
    assert _items(app, world["meeting"], include_removed=True) == before
    assert "its case list can no longer be changed" in coordinator.get(base).get_data(as_text=True)


def test_approved_and_sent_minutes_are_read_only(app, world, started):
    coordinator, (first, _second) = _held(app, world)
    base = f"/meetings/{world['meeting']}"
    chair = signed_in(app, "chair@example.org")
    assert _post(chair, f"{base}/approve", token_from=base).status_code == 302
    item_id = _item_id(app, world["meeting"], first)
    for step in ("approved", "sent"):
        page = coordinator.get(f"{base}/items/{item_id}").get_data(as_text=True)
        assert "the meeting&#39;s record can no longer be changed. Nothing here can be saved." in page
        version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
        token = csrf_from(page)
        attempts = [
            (f"{base}/items/{item_id}", {"discussion": "Changed", "risk_after": "medium", "version": version}),
            (f"{base}/attendance", {f"present-{world['police']}": "y"}),
            (
                f"{base}/items/{item_id}",
                {
                    "discussion": "Discussed",
                    "version": version,
                    "owner_agency_id": world["police"],
                    "protects": "victim",
                    "what": "Late action",
                    "how_known": "x",
                    "add_action": "Add action",
                },
            ),
        ]
        for url, data in attempts:
            answer = coordinator.post(url, data={**data, "csrf_token": token})
            assert answer.status_code == 302 and answer.headers["Location"].endswith(base), (step, url)
        police = signed_in(app, "police@example.org")
        assert "Nothing known<span" not in police.get(base).get_data(as_text=True)
        answer = _post(police, f"{base}/items/{item_id}/research", {"nothing_known": "1"}, token_from=base)
        assert answer.status_code == 302 and answer.headers["Location"].endswith(base)
        with app.app_context():
            assert db.session.get(AgendaItem, item_id).discussion == "Discussed"
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
            research = sa.select(ResearchRequest.status).filter_by(agenda_item_id=item_id, agency_id=world["police"])
            assert db.session.scalar(research) == "requested"
        if step == "approved":
            assert _post(coordinator, f"{base}/send", token_from=base).status_code == 302
            assert _status(app, world["meeting"]) == MeetingStatus.MINUTES_SENT


def test_every_step_is_audited(app, world, started):
    coordinator, _cases = _held(app, world)
    base = f"/meetings/{world['meeting']}"
    chair = signed_in(app, "chair@example.org")
    _post(chair, f"{base}/approve", token_from=base)
    _post(coordinator, f"{base}/send", token_from=base)
    for action in ("meeting.list_published", "meeting.held", "meeting.minutes_approved", "meeting.minutes_sent"):
        (event,) = _events(app, action)
        assert event.record_id == world["meeting"], action


def test_time_to_minutes_counts_from_the_meetings_date_and_is_never_negative(app, world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        meeting.starts_at = datetime(2026, 3, 2, 16, 0, tzinfo=UK)  # a Monday afternoon
        meeting.minutes_sent_at = meeting.starts_at - timedelta(days=3)  # recorded before the meeting (old data)
        assert meetings.minutes_turnaround(meeting) == (0, True)
        meeting.minutes_sent_at = datetime(2026, 3, 3, 9, 0, tzinfo=UK)  # the next morning: one working day
        assert meetings.minutes_turnaround(meeting) == (1, True)
        meeting.minutes_sent_at = meeting.starts_at + timedelta(days=7)  # a week later: 5 working days
        assert meetings.minutes_turnaround(meeting) == (5, False)


def _sent(app, world):
    """The world's meeting held with the police present, approved and sent. (coordinator, chair, item id)"""
    coordinator, (first, _second) = _held(app, world)
    base = f"/meetings/{world['meeting']}"
    with app.app_context():
        meetings.record_attendance(db.session.get(Meeting, world["meeting"]), {world["police"]: (True, "DS", True)})
        db.session.commit()
    chair = signed_in(app, "chair@example.org")
    assert _post(chair, f"{base}/approve", token_from=base).status_code == 302
    assert _post(coordinator, f"{base}/send", token_from=base).status_code == 302
    return coordinator, chair, _item_id(app, world["meeting"], first)


def _save_notes(client, base, item_id, notes):
    page = client.get(f"{base}/items/{item_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data = {"discussion": notes, "risk_after": "medium", "version": version, "csrf_token": csrf_from(page)}
    return client.post(f"{base}/items/{item_id}", data=data)


def _told(app, email, text):
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        return [
            note.message
            for note in db.session.scalars(sa.select(Notification).filter_by(user_id=user.id))
            if text in note.message
        ]


def test_a_correction_is_a_new_version_approved_by_the_chair_and_sent_again(app, world, started):
    coordinator, chair, item_id = _sent(app, world)
    base = f"/meetings/{world['meeting']}"
    assert _told(app, "police@example.org", "minutes") == [f"The minutes of the {_title(app, world)} have been sent"]

    page = coordinator.get(f"{base}/minutes/correct").get_data(as_text=True)
    answer = coordinator.post(
        f"{base}/minutes/correct", data={"csrf_token": csrf_from(page), "form_token": _token(page)}
    )
    assert answer.status_code == 400 and "Enter what is wrong in the minutes sent" in answer.get_data(as_text=True)
    page = coordinator.get(f"{base}/minutes/correct").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "form_token": _token(page), "reason": "Risk after discussion was wrong"}
    assert coordinator.post(f"{base}/minutes/correct", data=data).status_code == 302
    # A second correction waits for this one.
    assert coordinator.get(f"{base}/minutes/correct").status_code == 302

    # The record opens for the correction, and closes again once the chair approves it.
    assert _save_notes(coordinator, base, item_id, "Corrected: risk is medium").status_code == 302
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).discussion == "Corrected: risk is medium"
    assert "Send the corrected minutes" not in coordinator.get(base).get_data(as_text=True)
    draft = " ".join(_pdf_text(coordinator.get(f"{base}/minutes.pdf")))
    assert "DRAFT" in draft and "Corrected: risk is medium" in draft
    assert "Approve the corrected minutes" in chair.get(base).get_data(as_text=True)
    assert _post(chair, f"{base}/approve", token_from=base).status_code == 302
    _save_notes(coordinator, base, item_id, "Changed after approval")
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).discussion == "Corrected: risk is medium"
    approved = " ".join(_pdf_text(coordinator.get(f"{base}/minutes.pdf")))
    assert "DRAFT" not in approved and "(version 2)" in approved
    assert _post(coordinator, f"{base}/send", token_from=base).status_code == 302

    assert _told(app, "police@example.org", "Corrected minutes (version 2)") == [
        f"Corrected minutes (version 2) of the {_title(app, world)} have been sent"
    ]
    first = coordinator.get(f"{base}/minutes/versions/1").get_data(as_text=True)
    second = coordinator.get(f"{base}/minutes/versions/2").get_data(as_text=True)
    assert "Discussed" in first and "Corrected: risk is medium" not in first and "High" in first
    assert "Corrected: risk is medium" in second and "Risk after discussion was wrong" in second
    assert coordinator.get(f"{base}/minutes/versions/3").status_code == 404
    page = coordinator.get(base).get_data(as_text=True)
    assert "Version 1</a>:" in page and "Version 2</a>:" in page and "Correct the minutes" in page
    with app.app_context():
        assert db.session.get(Meeting, world["meeting"]).status == MeetingStatus.MINUTES_SENT
    events = [event.detail.get("version") for event in _events(app, "meeting.minutes_sent")]
    assert events == [1, 2]
    assert [event.detail["version"] for event in _events(app, "meeting.minutes_correction_started")] == [2]


def test_minutes_not_yet_sent_cannot_be_corrected(app, world, started):
    coordinator, _cases = _held(app, world)
    base = f"/meetings/{world['meeting']}"
    assert coordinator.get(f"{base}/minutes/correct").status_code == 302
    assert "Minutes can be corrected once they have been sent" in coordinator.get(base).get_data(as_text=True)
    assert "Correct the minutes" not in coordinator.get(base).get_data(as_text=True)


def _title(app, world):
    with app.app_context():
        return meetings.title(db.session.get(Meeting, world["meeting"]))


def _token(page):
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
