"""Building the case list tells the truth: a preview of what it adds and why and what it leaves
out and why, adding only what is confirmed; triage names the meeting; a case added by hand is
searched for within the area; planned minutes are labelled and survive a move."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marac.services import cases
from models import AgendaItem, Area, Case, Meeting, Referral, ReferralStatus, db
from models.clock import uk_date
from tests.factories.cases import CaseFactory
from tests.helpers import csrf_from, signed_in
from tests.views.test_meetings import (
    TODAY,
    UK_MEETING,
    _past_meeting_with,
    add_new_cases,
    following_meeting,
    meeting_world,
    refer,
)


@pytest.fixture
def world(app, demo):
    return meeting_world(app)


def _reference(app, case_id):
    with app.app_context():
        return db.session.get(Case, case_id).reference


def _listed(app, meeting_id):
    with app.app_context():
        return [
            (item.case_id, item.section, item.planned_minutes)
            for item in db.session.scalars(
                sa.select(AgendaItem).filter_by(meeting_id=meeting_id, removed_at=None).order_by(AgendaItem.position)
            )
        ]


def test_the_preview_says_what_it_adds_and_leaves_out_and_only_the_confirmed_are_added(app, world):
    _later_id, later_day = following_meeting(app, world)
    cut_off = UK_MEETING.date() - timedelta(days=2)
    on_time = refer(app, world, on=cut_off)  # on the cut-off day: in
    with_children = refer(app, world, children=1, on=cut_off - timedelta(days=3))
    unticked = refer(app, world, on=cut_off - timedelta(days=1))
    late = refer(app, world, on=cut_off + timedelta(days=1))  # a day after: left out
    coordinator = signed_in(app, "coordinator@example.org")
    base = f"/meetings/{world['meeting']}"

    page = coordinator.get(f"{base}/build").get_data(as_text=True)
    cut_off_text = f"{cut_off.day} {cut_off:%B %Y}"
    assert "3 cases to add" in page
    for case_id, section in ((on_time, "New cases, adults only"), (with_children, "New cases with children")):
        assert f"Case {_reference(app, case_id)}: {section}" in page
    assert f"Referral of {cut_off_text} accepted, by the cut-off of {cut_off_text}" in page
    late_line = (
        f"Case {_reference(app, late)}: referral of {(cut_off + timedelta(days=1)).day} "
        f"{cut_off:%B %Y}, after the cut-off: goes to the meeting on {later_day.day} {later_day:%B %Y}"
    )
    assert late_line in page
    assert re.search(rf'name="case_ids" type="checkbox" value="{late}"', page) is None
    assert _listed(app, world["meeting"]) == []  # the preview adds nothing

    # The coordinator unticks one; a case id that does not belong on the list is not added either.
    confirmed = [on_time, with_children, late]
    answer = coordinator.post(f"{base}/build", data={"csrf_token": csrf_from(page), "case_ids": confirmed})
    assert answer.status_code == 302
    assert "2 cases added to the list." in coordinator.get(base).get_data(as_text=True)
    assert [case_id for case_id, _section, _minutes in _listed(app, world["meeting"])] == [with_children, on_time]

    # The unticked case is offered again next time; the late one is still left out, and said so.
    page = coordinator.get(f"{base}/build").get_data(as_text=True)
    assert "1 case to add" in page and f"Case {_reference(app, unticked)}" in page and late_line in page


def test_with_no_later_meeting_the_left_out_referral_waits_for_the_next_one_scheduled(app, world):
    late = refer(app, world, on=TODAY + timedelta(days=6))
    page = signed_in(app, "coordinator@example.org").get(f"/meetings/{world['meeting']}/build").get_data(as_text=True)
    assert f"Case {_reference(app, late)}: referral of" in page
    assert "goes to the next meeting (none with a later cut-off is scheduled yet)" in page
    assert "There are no new cases to add." in page


def test_a_case_whose_children_are_added_before_publishing_moves_to_the_children_section(app, world):
    first_adult, second_adult = refer(app, world), refer(app, world)
    with_children = refer(app, world, children=1)
    coordinator = signed_in(app, "coordinator@example.org")
    base = f"/meetings/{world['meeting']}"
    add_new_cases(coordinator, base)
    assert [row[:2] for row in _listed(app, world["meeting"])] == [
        (with_children, "children"),
        (first_adult, "adults"),
        (second_adult, "adults"),
    ]
    with app.app_context():
        cases.add_child(
            db.session.get(Case, second_adult),
            {
                "first_name": "Late",
                "last_name": "Testchild",
                "aliases": [],
                "date_of_birth": date(2019, 5, 1),
                "relationship_to_victim": "child",
                "relationship_to_perpetrator": "child",
            },
        )
        db.session.commit()
    page = coordinator.get(f"{base}/build").get_data(as_text=True)
    assert f"Case {_reference(app, second_adult)}: children have been added to its household" in page
    assert coordinator.post(f"{base}/build", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert [row[:2] for row in _listed(app, world["meeting"])] == [
        (with_children, "children"),
        (second_adult, "children"),
        (first_adult, "adults"),
    ]


def test_accept_names_the_meeting_the_case_goes_to(app, world):
    coordinator = signed_in(app, "coordinator@example.org")
    with app.app_context():
        case_id = refer(app, world, status=ReferralStatus.SUBMITTED)
        referral_id = db.session.scalar(sa.select(Referral.id).filter_by(case_id=case_id))
        meeting = db.session.get(Meeting, world["meeting"])
        day = uk_date(meeting.starts_at)
    page = coordinator.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert f"Accept: list for the meeting on {day.day} {day:%B %Y}" in page


def test_a_case_is_added_by_hand_through_a_search_within_the_area(app, world):
    here = refer(app, world, victim={"first_name": "Philippa", "last_name": "Quarrington"})
    coordinator = signed_in(app, "coordinator@example.org")
    base = f"/meetings/{world['meeting']}"
    page = coordinator.get(f"{base}/add").get_data(as_text=True)
    assert "Case number or name" in page

    def search(text):
        page = coordinator.get(f"{base}/add").get_data(as_text=True)
        token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
        data = {"csrf_token": csrf_from(page), "form_token": token, "find": text, "search": "Search"}
        return coordinator.post(f"{base}/add", data=data), token

    answer, _token = search("Philippa Quarrington")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and f"Case {_reference(app, here)}: Philippa Quarrington (Victim" in html
    answer, token = search(_reference(app, here))
    assert f'value="{here}"' in answer.get_data(as_text=True)
    # A case of another area is not found, by number or by choosing it directly.
    with app.app_context():
        elsewhere = db.session.scalar(sa.select(Area.id).where(Area.id != world["area"]).limit(1))
    away = CaseFactory(app).case(elsewhere).id
    answer, token = search(f"C{away:06d}")
    html = answer.get_data(as_text=True)
    assert "you may see matches" in html and f'value="{away}"' not in html
    page = coordinator.get(f"{base}/add").get_data(as_text=True)
    sent = {"csrf_token": csrf_from(page), "find": f"C{away:06d}", "case_id": away, "section": "other", "reason": "x"}
    assert coordinator.post(f"{base}/add", data=sent).status_code == 400
    assert _listed(app, world["meeting"]) == []

    sent = {**sent, "find": _reference(app, here), "case_id": here}
    assert coordinator.post(f"{base}/add", data=sent).status_code == 302
    assert _listed(app, world["meeting"]) == [(here, "other", 10)]


def test_each_planned_minutes_input_names_its_case_and_a_move_keeps_what_was_typed(app, world):
    first, second = refer(app, world), refer(app, world)
    coordinator = signed_in(app, "coordinator@example.org")
    base = f"/meetings/{world['meeting']}"
    add_new_cases(coordinator, base)
    page = coordinator.get(base).get_data(as_text=True)
    with app.app_context():
        items = {item.case_id: item.id for item in db.session.scalars(sa.select(AgendaItem))}
    for case_id in (first, second):
        label = f'<label for="minutes-{items[case_id]}">Minutes planned<span class="govuk-visually-hidden"> for case {_reference(app, case_id)}</span></label>'  # noqa: E501
        assert label in page
    # Typed minutes, then "Move down" on the first case: both are kept.
    data = {
        "csrf_token": csrf_from(page),
        f"minutes-{items[first]}": "25",
        f"minutes-{items[second]}": "15",
        "direction": "down",
    }
    assert coordinator.post(f"{base}/items/{items[first]}/move", data=data).status_code == 302
    assert _listed(app, world["meeting"]) == [(second, "adults", 15), (first, "adults", 25)]
    html = coordinator.get(base).get_data(as_text=True)
    assert "2 cases, 40 minutes planned of 60" in html


def test_a_case_on_the_list_of_a_meeting_still_to_be_held_is_not_listed_again(app, world):
    unfinished = refer(app, world, on=TODAY - timedelta(days=40))
    _past_meeting_with(app, world, [unfinished], open_action_for=[unfinished])
    later_id, _day = following_meeting(app, world)
    coordinator = signed_in(app, "coordinator@example.org")
    later = coordinator.get(f"/meetings/{later_id}/build").get_data(as_text=True)
    assert f"Case {_reference(app, unfinished)}: Incomplete actions" in later  # not on any list yet
    add_new_cases(coordinator, f"/meetings/{world['meeting']}")  # the next meeting reviews it
    assert [row[0] for row in _listed(app, world["meeting"])] == [unfinished]
    later = coordinator.get(f"/meetings/{later_id}/build").get_data(as_text=True)
    assert f"Case {_reference(app, unfinished)}" not in later
