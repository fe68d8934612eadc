"""Query budgets of the pages used at the meeting, with 5 and with 20 cases listed: the research
grid, meeting mode (one case) and the meeting page. The number of statements must not grow with
the cases on the list."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import Area, User, db
from models.clock import uk_today
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory
from tests.helpers import CSRF_PATTERN, counted_queries, signed_in

# Meeting mode reads one case's people (victim, perpetrators, children, their other names), its
# research, its actions and the facts the meeting needs (services/meeting_facts.py); the meeting
# page each listed case's risk, reasons and referring agency (meeting_papers.listed_facts).
BUDGETS = {"research grid": 12, "meeting mode": 30, "meeting page": 20}


@pytest.fixture
def meetings_of(app, demo):
    """meetings_of(n) -> a published meeting of Northmoor with `n` cases listed, chaired by the demo chair."""
    with app.app_context():
        area_id = db.session.scalar(sa.select(Area.id).where(Area.name == "Northmoor"))
        chair_id = db.session.scalar(sa.select(User.id).where(User.email == "chair@example.org"))
    made = []

    def meeting(count):
        case_ids = [CaseFactory(app).case(area_id).id for _ in range(count)]
        made.append(count)
        day = uk_today() + timedelta(days=7 + len(made))
        return ActionFactory(app).meeting(area_id, day, case_ids=case_ids, chair_id=chair_id, publish=True)

    return meeting


def _pages(meeting):
    base = f"/meetings/{meeting.id}"
    first_item = next(iter(meeting.items.values()))
    return {"research grid": f"{base}/research", "meeting mode": f"{base}/items/{first_item}", "meeting page": base}


def _counts(app, client, meeting):
    counts = {}
    for name, url in _pages(meeting).items():
        client.get(url)  # what a first visit does once
        with counted_queries(app) as statements:
            answer = client.get(url)
        assert answer.status_code == 200, (name, answer.status_code)
        counts[name] = len(statements)
    return counts


def test_the_meeting_pages_keep_their_budget_as_the_list_grows(app, meetings_of):
    chair = signed_in(app, "chair@example.org")
    few = _counts(app, chair, meetings_of(5))
    many = _counts(app, chair, meetings_of(20))
    assert many == few, (few, many)
    assert all(many[name] <= budget for name, budget in BUDGETS.items()), many


def test_meeting_mode_asks_for_the_unread_notifications_once(app, meetings_of):
    """Its forms' fields are rendered without running the page's context processor again."""
    chair = signed_in(app, "chair@example.org")
    url = _pages(meetings_of(2))["meeting mode"]
    chair.get(url)
    with counted_queries(app) as statements:
        assert chair.get(url).status_code == 200
    unread = [sql for sql in statements if "FROM notifications" in sql and "read_at IS NULL" in sql]
    assert len(unread) == 1, unread


def test_every_inline_button_of_the_meeting_page_carries_the_token_once_made(app, meetings_of):
    """The case list's buttons (move up, move down for each case) each send the request's CSRF
    token, written once for the page, without repeating an id."""
    meeting = meetings_of(3)
    coordinator = signed_in(app, "coordinator@example.org")
    html = coordinator.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    forms = re.findall(r'<form method="post"[^>]*>.*?</form>', html, re.DOTALL)
    # Move up and move down send the list's one form (its planned minutes kept) to their own address.
    moves = re.findall(r'formaction="([^"]+/move)"', html)
    assert len(moves) == 6
    tokens = {CSRF_PATTERN.search(form).group(1) for form in forms}
    assert len(tokens) == 1
    assert html.count('id="csrf_token"') <= 1
    action = moves[1]
    moved = coordinator.post(action, data={"csrf_token": tokens.pop(), "direction": "down"})
    assert moved.status_code == 302
