"""Two people saving one record at the same moment: exactly one is saved, the other is told (the
conflict page, or 409 through the API), and nothing of the loser's is written."""

from datetime import timedelta
from functools import partial

import sqlalchemy as sa

from marac.services import api_tokens
from models import Action, ActionStatus, ActionUpdate, Case, db
from models.clock import uk_today
from tests.concurrency.conftest import ROUNDS, filled_form, race, statuses
from tests.pages import date_boxes

PROBLEM = "application/problem+json"


def _action(world):
    return world.actions.action(world.case.id, world.police, due_on=world.day + timedelta(days=28))


def _saved(app, action_id):
    with app.app_context():
        action = db.session.get(Action, action_id)
        history = db.session.scalars(
            sa.select(ActionUpdate.to_status).where(ActionUpdate.action_id == action_id).order_by(ActionUpdate.id)
        ).all()
        return action.status, action.evidence, action.status_note, history


def test_two_people_saving_one_action_on_its_page_one_is_told(race_app, world, people):
    (police,) = people("police@example.org", 1)
    (coordinator,) = people("coordinator@example.org", 1)
    evidence = "Alarm fitted on Monday: job sheet 4471 seen"
    for _round in range(ROUNDS):
        action_id = _action(world)
        url = f"/actions/{action_id}"
        completed = filled_form(
            police, url, {"status": "completed", "completed_on": date_boxes(world.day - timedelta(days=7)),
                          "evidence": evidence, "note": ""},
        )  # fmt: skip
        not_possible = filled_form(coordinator, url, {"status": "not_possible", "note": "The victim moved away"})
        answers = race(partial(police.post, url, data=completed), partial(coordinator.post, url, data=not_possible))

        assert statuses(answers) == [302, 409], statuses(answers)
        loser = next(answer for answer in answers if answer.status_code == 409)
        assert "Someone else updated this action while you were editing it" in loser.get_data(as_text=True)
        state, kept_evidence, note, history = _saved(race_app, action_id)
        # The winner's change, whole: never one person's status with the other's evidence.
        assert (state, kept_evidence, note) in (
            (ActionStatus.COMPLETED, evidence, None),
            (ActionStatus.NOT_POSSIBLE, None, "The victim moved away"),
        )
        assert history == [ActionStatus.NOT_STARTED, state]


def test_two_partner_systems_reporting_one_actions_status_one_gets_409(race_app, world, demo_ids):
    with race_app.app_context():
        user = api_tokens.user_by_email("police@example.org")
        secrets = [api_tokens.issue(user, name=f"Case system {n}", scopes=["actions:write"], days=1)[1] for n in (1, 2)]
        db.session.commit()
    clients = [race_app.test_client() for _secret in secrets]
    bodies = [
        {"version": 1, "status": "completed", "completed_on": uk_today().isoformat(), "evidence": "Alarm fitted"},
        {"version": 1, "status": "not_possible", "note": "The victim moved away"},
    ]
    for _round in range(ROUNDS):
        action_id = _action(world)
        url = f"/api/v1/actions/{action_id}/status"
        answers = race(
            *(
                partial(client.post, url, json=body, headers={"Authorization": f"Bearer {secret}"})
                for client, body, secret in zip(clients, bodies, secrets, strict=True)
            )
        )

        assert statuses(answers) == [200, 409], statuses(answers)
        loser = next(answer for answer in answers if answer.status_code == 409)
        assert loser.mimetype == PROBLEM and loser.get_json()["type"] == "urn:marac:problem:version-conflict"
        state, _evidence, _note, history = _saved(race_app, action_id)
        assert history == [ActionStatus.NOT_STARTED, state]
        assert loser.get_json()["current"]["status"] == state and loser.get_json()["current"]["version"] == 2


def test_two_coordinators_saving_a_cases_safety_notes_one_is_told(race_app, world, people):
    first, second = people("coordinator@example.org", 2)
    for round_number in range(ROUNDS):
        url = f"/cases/{world.case.id}/safety"
        mine = filled_form(first, url, {"victim_fears": f"Her brother ({round_number})"})
        theirs = filled_form(second, url, {"victim_fears": f"His cousin ({round_number})"})
        answers = race(partial(first.post, url, data=mine), partial(second.post, url, data=theirs))

        assert statuses(answers) == [302, 409], statuses(answers)
        with race_app.app_context():
            saved = db.session.get(Case, world.case.id).victim_fears
        winner = mine if answers[0].status_code == 302 else theirs
        assert saved == winner["victim_fears"]
