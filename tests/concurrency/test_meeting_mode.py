"""The coordinator and the chair in meeting mode on the same case at the same moment: one save is
kept whole, the other is told (the conflict page) and nothing of theirs is written."""

import html
import re
from datetime import timedelta
from functools import partial

import sqlalchemy as sa

from models import Action, AgendaItem, MeetingDraft, db
from tests.concurrency.conftest import ROUNDS, filled_form, race, statuses
from tests.helpers import csrf_from
from tests.pages import date_boxes


def test_coordinator_and_chair_saving_one_cases_notes_one_gets_the_conflict_page(race_app, world, people):
    (coordinator,) = people("coordinator@example.org", 1)
    (chair,) = people("chair@example.org", 1)
    url = f"/meetings/{world.meeting.id}/items/{world.item_id}"
    for round_number in range(ROUNDS):
        notes = filled_form(coordinator, url, {"discussion": f"Coordinator's notes ({round_number})"}, action=url)
        notes.pop("protects")  # the form walker picks a first choice; nobody started an action here
        notes["save_notes"] = "Save notes"
        action = {
            "discussion": f"Chair's notes ({round_number})",
            "owner_agency_id": world.police,
            "protects": "victim",
            "what": f"Police to check the bail conditions today ({round_number})",
            "how_known": "The officer tells the coordinator",
            "due_on": date_boxes(world.day + timedelta(days=7)),
        }
        with_action = filled_form(chair, url, action, action=url)
        with_action["add_action"] = "Add action"
        answers = race(partial(coordinator.post, url, data=notes), partial(chair.post, url, data=with_action))

        assert statuses(answers) == [302, 409], statuses(answers)
        loser = next(answer for answer in answers if answer.status_code == 409)
        page = html.unescape(loser.get_data(as_text=True))
        assert "Someone else saved notes for this case while you were typing" in page
        with race_app.app_context():
            saved = db.session.get(AgendaItem, world.item_id).discussion
            added = db.session.scalar(
                sa.select(sa.func.count()).where(Action.agenda_item_id == world.item_id, Action.what == action["what"])
            )
        if answers[0].status_code == 302:  # the coordinator's notes, and no action of the chair's
            assert (saved, added) == (notes["discussion"], 0)
            assert action["what"] in page  # the chair's action is still on their page
        else:
            assert (saved, added) == (action["discussion"], 1)
            assert notes["discussion"] in page


def test_two_tabs_sending_a_first_draft_at_once_keep_one_draft(race_app, world, people):
    tabs = people("coordinator@example.org", 2)
    url = f"/meetings/{world.meeting.id}/items/{world.item_id}"
    for round_number in range(ROUNDS):
        with race_app.app_context():
            db.session.execute(sa.delete(MeetingDraft))
            db.session.commit()
        forms = []
        for tab in tabs:
            page = tab.get(url).get_data(as_text=True)
            version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
            forms.append({"csrf_token": csrf_from(page), "discussion": f"Typed ({round_number})", "version": version})
        answers = race(*(partial(tab.post, f"{url}/draft", data=form) for tab, form in zip(tabs, forms, strict=True)))

        assert statuses(answers) == [204, 204]
        with race_app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingDraft)) == 1
