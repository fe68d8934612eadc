"""Actions, case lists and quarterly figures through the API: each agency its own, versions that
refuse a stale change, confidential addresses withheld, counts without names."""

from datetime import date, timedelta

import sqlalchemy as sa

from marac.services import referrals
from marac.services.versions import StaleRecord
from models import Action, ActionUpdate, ReferralStatus, db
from models.actions import ActionStatus
from tests.api.conftest import TODAY, referral_body

PROBLEM = "application/problem+json"


def _updates(app, action_id):
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(ActionUpdate).where(ActionUpdate.action_id == action_id)
        )


def test_an_agency_lists_and_reads_only_its_own_actions(api, world):
    police = api("police@example.org", "actions:read")
    listed = police.get("/api/v1/actions").get_json()
    assert [row["id"] for row in listed["items"]] == [world.police_action]
    row = listed["items"][0]
    assert row["owner_agency"]["id"] == world.police and row["version"] == 1
    assert row["allowed_statuses"] == ["not_started", "in_progress", "completed", "not_possible"]
    detail = police.get(f"/api/v1/actions/{world.police_action}").get_json()
    assert [entry["note"] for entry in detail["history"]] == ["Agreed"]
    assert police.get(f"/api/v1/actions/{world.housing_action}").status_code == 404
    assert police.get(f"/api/v1/actions?meeting_id={world.published}&status=open&due=week").get_json()["items"] == []
    assert len(police.get(f"/api/v1/actions?meeting_id={world.published}&status=open").get_json()["items"]) == 1
    assert police.get("/api/v1/actions?due=someday").status_code == 422


def test_a_status_change_carries_the_version_and_a_stale_one_is_refused(app, api, world):
    police = api("police@example.org", "actions:read", "actions:write")
    url = f"/api/v1/actions/{world.police_action}/status"
    done = police.post(url, json={"version": 1, "status": "in_progress", "note": "Visit booked"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "in_progress" and done.get_json()["version"] == 2
    assert [entry["to_status"] for entry in done.get_json()["history"]] == ["not_started", "in_progress"]

    stale = police.post(url, json={"version": 1, "status": "completed", "completed_on": TODAY.isoformat()})
    assert stale.status_code == 409 and stale.mimetype == PROBLEM
    problem = stale.get_json()
    assert problem["type"] == "urn:marac:problem:version-conflict"
    assert problem["current"]["status"] == "in_progress" and problem["current"]["version"] == 2
    with app.app_context():
        assert db.session.get(Action, world.police_action).status == ActionStatus.IN_PROGRESS
    assert _updates(app, world.police_action) == 2


def test_a_record_changed_while_a_request_writes_it_is_409_wherever_it_is_met(app, api, world, monkeypatch):
    """A versioned record someone else saved while a request was writing it, where the view has no
    conflict answer of its own: problem+json, never a 500."""

    def someone_else_saved_first(*_args, **_kwargs):
        raise StaleRecord("the referral moved on")

    monkeypatch.setattr(referrals, "create_and_submit", someone_else_saved_first)
    police = api("police@example.org", "referrals:write")
    answer = police.post("/api/v1/referrals", json=referral_body(world.northmoor))
    assert answer.status_code == 409 and answer.mimetype == PROBLEM
    assert answer.get_json()["type"] == "urn:marac:problem:version-conflict"
    assert "Nothing was saved" in answer.get_json()["detail"]


def test_status_rules_are_the_web_pages_rules(api, world):
    police = api("police@example.org", "actions:write")
    url = f"/api/v1/actions/{world.police_action}/status"
    missing = police.post(url, json={"version": 1, "status": "completed"}).get_json()
    assert {e["pointer"] for e in missing["errors"]} == {"#/completed_on", "#/evidence"}
    not_done = police.post(url, json={"version": 1, "status": "not_done", "note": "Did not act"})
    assert not_done.status_code == 422 and not_done.get_json()["errors"][0]["pointer"] == "#/status"
    reason = police.post(url, json={"version": 1, "status": "not_possible"}).get_json()
    assert reason["errors"][0]["pointer"] == "#/note"
    assert (
        police.post(
            f"/api/v1/actions/{world.housing_action}/status", json={"version": 1, "status": "in_progress"}
        ).status_code
        == 404
    )
    # Agreed today (recorded ahead of its meeting): not completed the day before.
    early = police.post(
        url,
        json={"version": 1, "status": "completed", "completed_on": str(TODAY - timedelta(days=1)), "evidence": "Seen"},
    )
    assert early.status_code == 422 and early.get_json()["errors"][0]["pointer"] == "#/completed_on"
    assert "on or after the day the action was agreed" in early.get_json()["errors"][0]["detail"]
    completed = police.post(
        url,
        json={"version": 1, "status": "completed", "completed_on": TODAY.isoformat(), "evidence": "Seen on 3rd"},
    )
    assert completed.get_json()["completed_on"] == TODAY.isoformat()


def test_a_retried_status_change_is_applied_once(app, api, world):
    police = api("police@example.org", "actions:write")
    url, key = f"/api/v1/actions/{world.police_action}/status", {"Idempotency-Key": "update-1"}
    body = {"version": 1, "status": "in_progress", "note": "Visit booked"}
    first = police.post(url, json=body, headers=key)
    again = police.post(url, json=body, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert _updates(app, world.police_action) == 2
    # Without the key the retry meets the version check instead.
    assert police.post(url, json=body).status_code == 409


def test_a_chair_who_may_read_an_action_may_not_change_it(api, world):
    chair = api("chair@example.org", "actions:read", "actions:write")  # the chair's agency is the police
    assert chair.get(f"/api/v1/actions/{world.police_action}").get_json()["allowed_statuses"] == []
    refused = chair.post(f"/api/v1/actions/{world.police_action}/status", json={"version": 1, "status": "in_progress"})
    assert refused.status_code == 403 and refused.mimetype == PROBLEM


def test_published_case_lists_of_meetings_the_agency_attends(api, world):
    housing = api("housing@example.org", "meetings:read")
    listed = housing.get("/api/v1/meetings").get_json()
    assert [row["id"] for row in listed["items"]] == [world.published]
    assert listed["items"][0]["case_count"] == 2 and listed["items"][0]["status"] == "list_published"
    meeting = housing.get(f"/api/v1/meetings/{world.published}").get_json()
    victims = {entry["case_reference"]: entry["victim"] for entry in meeting["cases"]}
    shown = victims[f"C{world.open_case.id:06d}"]
    hidden = victims[f"C{world.hidden_case.id:06d}"]
    assert shown["last_name"] == world.open_case.victim_name.split()[-1]
    assert shown["date_of_birth"] == "1990-03-27" and shown["address"] and not shown["is_address_withheld"]
    assert hidden["is_address_withheld"] and hidden["address"] is None and hidden["postcode"] is None
    assert "Refuge" not in str(meeting)
    assert [entry["position"] for entry in meeting["cases"]] == [1, 2]
    assert meeting["cases"][0]["perpetrators"][0]["first_name"] == "Percy"
    assert housing.get(f"/api/v1/meetings/{world.planned}").status_code == 404  # not published
    assert housing.get(f"/api/v1/meetings/{world.elsewhere}").status_code == 404  # another area's


def test_quarterly_figures_count_for_the_users_areas(app, api, world):
    police = api("police@example.org", "referrals:write")
    police.post("/api/v1/referrals", json=referral_body(world.northmoor))
    police.post(
        "/api/v1/referrals",
        json=referral_body(world.northmoor, victim=("Ada", "Marsh", date(1979, 1, 1)), on=TODAY - timedelta(days=200)),
    )
    coordinator = api("coordinator@example.org", "stats:read")
    figures = coordinator.get("/api/v1/stats/quarterly?quarters=4").get_json()
    northmoor = {row["area"]["name"]: row["quarters"] for row in figures["areas"]}["Northmoor"]
    assert len(northmoor) == 4 and northmoor[-1]["starts_on"] <= TODAY.isoformat() <= northmoor[-1]["ends_on"]
    assert northmoor[-1]["referrals"] == 1 and sum(q["referrals"] for q in northmoor) == 2
    assert all(q["repeat_referrals"] == 0 and q["cases_discussed"] == 0 for q in northmoor)
    # The steering group sees the same quarters with small numbers hidden, as on the reports.
    steering = api("steering@example.org", "stats:read")
    figures = steering.get("/api/v1/stats/quarterly?quarters=4").get_json()
    by_area = {row["area"]["name"]: row["quarters"] for row in figures["areas"]}
    assert set(by_area) == {"Northmoor", "Eastwick Vale"}
    northmoor = by_area["Northmoor"]
    assert northmoor[-1]["referrals"] == "<5" and [q["referrals"] for q in northmoor].count("<5") == 2
    assert all(q["repeat_referrals"] == 0 and q["cases_discussed"] == 0 for q in northmoor)
    assert steering.get("/api/v1/stats/quarterly?quarters=9").status_code == 422
    assert api("police@example.org", "referrals:read").get("/api/v1/stats/quarterly").status_code == 403


def test_cases_discussed_are_counted_at_held_meetings(app, api, world):
    from marac.services import stats
    from models import AgendaItem, Meeting, Referral

    with app.app_context():
        meeting = db.session.get(Meeting, world.published)
        meeting.status = "held"
        referral = Referral(
            area_id=world.northmoor,
            case_id=world.open_case.id,
            status=ReferralStatus.ACCEPTED,
            referred_on=TODAY,
            referring_agency_id=world.police,
            referrer_id=world.ids.users["police@example.org"],
            referrer_name="Pat Constable",
            draft={},
            criteria=["visible_high_risk"],
            is_repeat=True,
        )
        db.session.add(referral)
        db.session.flush()
        item = db.session.scalar(sa.select(AgendaItem).filter_by(meeting_id=meeting.id, case_id=world.open_case.id))
        item.referral_id = referral.id
        item.discussed_at = meeting.starts_at  # discussed at the held meeting: heard
        db.session.commit()
        day = meeting.starts_at.date()
        figures = stats.quarterly_figures([world.northmoor], quarters=1, today=day)[world.northmoor]
    assert figures == [
        {
            **figures[0],
            "referrals": 1,
            "repeat_referrals": 1,
            "cases_discussed": 1,
        }
    ]
    assert figures[0]["starts_on"] <= day <= figures[0]["ends_on"]
