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
    assert html.count("Overdue</strong>") == 1  # the second meeting's police action
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


def test_a_repeat_is_linked_to_the_referral_it_repeats(app, journey):
    with app.app_context():
        from models import Referral, db

        first = db.session.get(Referral, journey.referrals["first"]).reference
    html = _page(app, journey.users.coordinator, f"/cases/{journey.case.id}/history")
    assert f'/referrals/{journey.referrals["first"]}">{first}</a>' in html
    assert "Repeat</strong>" in html


# The timeline: what each role's timeline of the same case holds.

# The IDVA work (contacts, safety plans, needs) is for those whose caseload it is, as on the IDVA tab.
IDVA_WORK = {"contact", "safety_plan", "needs"}


def _timeline(app, journey, who, query=""):
    from marac.services import timeline
    from models import User, db

    with app.app_context():
        from models import Case

        user = db.session.get(User, getattr(journey.users, who).id)
        entries = timeline.entries(db.session.get(Case, journey.case.id), user)
        return entries, _page(app, getattr(journey.users, who), f"/cases/{journey.case.id}/timeline{query}")


def test_the_coordinators_timeline_holds_all_but_the_idva_work_newest_first(app, journey):
    entries, html = _timeline(app, journey, "coordinator")
    assert {entry.kind for entry in entries} == {"referral", "triage", "risk", "meeting", "action", "allocation"}
    assert [entry.at for entry in entries] == sorted((entry.at for entry in entries), reverse=True)
    titles = [entry.title for entry in entries]
    assert titles.count("Discussed at MARAC") == 2
    assert sum(title.endswith(" agreed") for title in titles) == 4
    assert any(title.endswith(" overdue") for title in titles)
    assert any("Repeat referral" in title for title in titles)
    assert any("changed from medium to high" in (entry.detail or "") for entry in entries)
    assert html.count('class="moj-timeline__item"') == len(entries)


def test_the_idvas_timeline_has_the_idva_work_but_no_other_agencys_actions_or_referrals(app, journey):
    entries, html = _timeline(app, journey, "idva")
    assert {entry.kind for entry in entries} == {"risk", "meeting", "allocation"} | IDVA_WORK
    titles = [entry.title for entry in entries]
    assert "Safety plan made" in titles and "Safety plan reviewed (version 2)" in titles
    assert "Attempt to contact the victim" in titles and "Contact with the victim" in titles
    assert "Shelter and accommodation: high" in html


def test_the_police_reps_timeline_has_their_referrals_and_actions_and_no_idva_work(app, journey):
    entries, html = _timeline(app, journey, "police")
    assert {entry.kind for entry in entries} == {"referral", "triage", "risk", "meeting", "action", "allocation"}
    actions = [entry for entry in entries if entry.kind == "action"]
    assert actions and all(entry.detail.endswith(f"Owner: {journey.police.name}") for entry in actions)
    assert "Housing action" not in html


def test_the_housing_reps_timeline_has_only_housings_actions_and_no_referrals(app, journey):
    entries, html = _timeline(app, journey, "housing")
    assert {entry.kind for entry in entries} == {"risk", "meeting", "action", "allocation"}
    owners = {entry.detail.split("Owner: ")[-1] for entry in entries if entry.kind == "action"}
    assert owners == {journey.housing.name}
    assert "Police action" not in html


def test_the_chairs_timeline_has_the_actions_of_the_meeting_they_chaired_only(app, journey):
    entries, html = _timeline(app, journey, "chair")
    assert {entry.kind for entry in entries} == {"risk", "meeting", "action", "allocation"}
    assert "Police action of the first meeting" in html and "Housing action of the first meeting" in html
    assert "action of the second meeting" not in html


def test_the_timeline_filters_by_kind_with_codes_only_in_the_address_and_is_audited(app, journey):
    import sqlalchemy as sa

    from models import AuditEvent, db

    _entries, html = _timeline(app, journey, "coordinator", "?kind=risk&kind=nonsense")
    assert "SafeLives DASH checklist" in html and "Discussed at MARAC" not in html and "agreed" not in html
    assert 'value="risk" checked' in html
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent)
            .filter_by(event="case.viewed", record_id=journey.case.id)
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.detail["tab"] == "timeline"


def test_a_case_heard_at_two_meetings_shows_both_and_their_actions_on_history_actions_and_timeline(app, journey):
    from models import Action, db

    with app.app_context():
        references = [db.session.get(Action, action_id).reference for action_id in _action_ids(journey)]
    pages = {tab: _page(app, journey.users.coordinator, f"/cases/{journey.case.id}/{tab}") for tab in TABS}
    for tab, html in pages.items():
        for reference in references:
            assert reference in html, (tab, reference)
    for meeting in (journey.first, journey.second):
        day = f"{meeting.day.day} {meeting.day:%B %Y}"
        assert f"MARAC meeting of {day}" in pages["history"]
        assert f"Meeting of {day}" in pages["timeline"]
    assert pages["timeline"].count("Discussed at MARAC") == 2


def test_no_page_of_a_case_with_a_history_says_nothing_is_recorded(app, journey):
    from pathlib import Path

    for template in Path(app.root_path).parent.joinpath("templates").rglob("*.html"):
        assert "Nothing is recorded here" not in template.read_text(), template
    # The IDVA's service owns no action of the case: that one says so, rightly.
    for who, placeholders in (
        ("coordinator", ("Nothing is recorded here", "has not been listed", "No actions you can see")),
        ("police", ("Nothing is recorded here", "has not been listed", "No actions you can see")),
        ("idva", ("Nothing is recorded here", "has not been listed")),
    ):
        browser = signed_in(app, getattr(journey.users, who).email)
        for tab in ("", "/risk", "/referrals", "/idva") + tuple(f"/{tab}" for tab in TABS):
            html = browser.get(f"/cases/{journey.case.id}{tab}").get_data(as_text=True)
            for placeholder in placeholders:
                assert placeholder not in html, (who, tab, placeholder)


TABS = ("history", "actions", "timeline")


def _action_ids(journey):
    return [
        getattr(journey.actions[label], agency) for label in ("first", "second") for agency in ("police", "housing")
    ]


def test_a_list_not_yet_published_shows_only_to_those_who_see_the_meeting(app, journey):
    from datetime import timedelta

    from models.clock import uk_today
    from tests.factories.actions import ActionFactory

    planned = ActionFactory(app).meeting(journey.area.id, uk_today() + timedelta(days=14), case_ids=[journey.case.id])
    day = f"{planned.day.day} {planned.day:%B %Y}"
    coordinator = _page(app, journey.users.coordinator, f"/cases/{journey.case.id}/history")
    assert f"MARAC meeting of {day}" in coordinator and "The meeting has not been held yet." in coordinator
    police = _page(app, journey.users.police, f"/cases/{journey.case.id}/history")
    assert f"MARAC meeting of {day}" not in police


def test_referrals_another_agency_sent_are_not_named_on_the_history(app, journey):
    from models import Referral, db

    with app.app_context():
        references = [db.session.get(Referral, referral_id).reference for referral_id in journey.referrals.values()]
    housing = _page(app, journey.users.housing, f"/cases/{journey.case.id}/history")
    assert "Repeat</strong>" in housing
    assert not [reference for reference in references if reference in housing]
    police = _page(app, journey.users.police, f"/cases/{journey.case.id}/history")
    assert all(reference in police for reference in references)
