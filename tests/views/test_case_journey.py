"""A case's MARAC history and Actions tabs: a case heard at two meetings shows both, with what
each user may see of them (notes only for those who may read the minutes, research and actions
only as their scopes allow)."""

import pytest

from tests.factories.journey import heard_twice
from tests.helpers import signed_in


@pytest.fixture
def journey(app, make):
    return heard_twice(app, make)


def _page(app, user, path):
    response = signed_in(app, user.email).get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_coordinator_sees_both_meetings_with_notes_risk_research_and_actions(app, journey):
    html = _page(app, journey.users.coordinator, f"/cases/{journey.case.id}/history")
    for label in ("first", "second"):
        assert f"Discussion at the {label} meeting" in html
        assert f"Police research for the {label} meeting" in html
        assert f"Housing research for the {label} meeting" in html
        assert f"Police action of the {label} meeting" in html
        assert f"Housing action of the {label} meeting" in html
    assert html.index("second meeting") < html.index("first meeting")  # newest first
    assert "High risk" in html and "Medium risk" in html
    assert "Nothing is recorded here" not in html


def test_an_agency_rep_sees_the_meetings_but_only_their_agencys_research_and_actions_and_no_notes(app, journey):
    html = _page(app, journey.users.police, f"/cases/{journey.case.id}/history")
    assert html.count("Discussed</strong>") == 2
    assert "Police research for the first meeting" in html and "Police action of the second meeting" in html
    assert "Housing research" not in html and "Housing action" not in html
    assert "Discussion at the" not in html  # the minutes are for those who run the meeting


def test_the_chair_reads_the_notes_of_the_meeting_they_chaired_only(app, journey):
    html = _page(app, journey.users.chair, f"/cases/{journey.case.id}/history")
    assert "Discussion at the first meeting" in html
    assert "Discussion at the second meeting" not in html
    assert "Housing research for the first meeting" in html
    assert "Housing research for the second meeting" not in html


def test_the_actions_tab_lists_every_action_across_meetings_open_first(app, journey):
    html = _page(app, journey.users.coordinator, f"/cases/{journey.case.id}/actions")
    order = [
        html.index("Police action of the second meeting"),  # open, due first (overdue)
        html.index("Housing action of the first meeting"),
        html.index("Police action of the first meeting"),  # completed: after every open one
    ]
    assert order[0] < order[2] and order[1] < order[2]
    assert "Housing action of the second meeting" in html
    assert "Overdue" in html and "Completed" in html
    assert "History of action" in html and "Agreed" in html


def test_an_agency_rep_sees_only_their_agencys_actions_on_the_actions_tab(app, journey):
    html = _page(app, journey.users.housing, f"/cases/{journey.case.id}/actions")
    assert "Housing action of the first meeting" in html and "Housing action of the second meeting" in html
    assert "Police action" not in html


def test_a_case_never_listed_says_so(app, make):
    from tests.factories.cases import CaseFactory

    coordinator = make.user()
    case = CaseFactory(app).case(coordinator.area_ids[0])
    browser = signed_in(app, coordinator.email)
    assert "has not been listed at a MARAC meeting" in browser.get(f"/cases/{case.id}/history").get_data(as_text=True)
    assert "No actions you can see" in browser.get(f"/cases/{case.id}/actions").get_data(as_text=True)
