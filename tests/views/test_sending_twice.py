"""Two sends meeting, seen one request at a time: versioned records, a conflict met where a page
has no conflict view of its own, a form sent twice, and buttons that ignore a second click.
(tests/concurrency sends them at the same moment.)"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import class_mapper

from marac.services import meetings as meeting_service
from marac.services.versions import StaleRecord
from models import Area, CasePerpetrator, SafetyPlan, User, db
from models.base import Versioned
from models.clock import uk_today
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory
from tests.helpers import csrf_from, sign_in
from tests.security import estate as estate_module
from tests.security.estate import home_values
from tests.security.forms_walk import answers, post_forms
from tests.security.routes import rules, urls_of

SUBMIT_BUTTON = re.compile(r"<button[^>]*type=\"submit\"[^>]*>")


def test_every_record_with_a_version_is_written_with_it():
    """Every UPDATE of a record with a version column says WHERE version = ...: all but the safety
    plan, whose version numbers its rows (one a save, never updated)."""
    versioned = {
        mapper.class_.__name__
        for mapper in db.Model.registry.mappers
        if "version" in mapper.columns and mapper.version_id_col is not None
    }
    with_a_version = {mapper.class_.__name__ for mapper in db.Model.registry.mappers if "version" in mapper.columns}
    assert with_a_version - versioned == {"SafetyPlan"}
    assert versioned == {cls.__name__ for cls in Versioned.__subclasses__()}
    assert class_mapper(SafetyPlan).version_id_col is None


def _user_form(client, user_id):
    """The user's page's form as the browser would send it, unchanged."""
    page = client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    form = next(form for form in post_forms(page) if form.action is None)
    return answers(form)


def test_a_change_to_a_users_roles_alone_moves_its_version_on(app, make):
    admin = make.user("admin")
    user = make.user("agency_rep", name="Robin Roleswap", email="robin.roleswap@example.org")
    first, second = app.test_client(), app.test_client()
    sign_in(first, admin.email)
    sign_in(second, admin.email)
    mine, theirs = _user_form(first, user.id), _user_form(second, user.id)
    mine.setlist("roles", ["agency_rep", "idva"])
    theirs.setlist("roles", ["chair"])

    assert first.post(f"/admin/users/{user.id}", data=mine).status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).version == 2
    stale = second.post(f"/admin/users/{user.id}", data=theirs)
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(User, user.id).roles == {"agency_rep", "idva"}


@pytest.fixture
def meeting(app, demo):
    with app.app_context():
        area_id = db.session.scalar(sa.select(Area.id).where(Area.name == "Northmoor"))
    case = CaseFactory(app).case(area_id)
    return ActionFactory(app).meeting(area_id, uk_today() + timedelta(days=7), case_ids=[case.id], publish=True)


def test_a_conflict_where_the_page_has_no_conflict_view_keeps_what_was_sent(app, client, meeting, monkeypatch):
    sign_in(client, "coordinator@example.org")
    url = f"/meetings/{meeting.id}/attendance"
    page = client.get(url).get_data(as_text=True)
    agency_id = re.search(r'name="person-(\d+)"', page).group(1)

    def someone_else_saved_first(*_args, **_kwargs):
        raise StaleRecord("the meeting moved on")

    monkeypatch.setattr(meeting_service, "record_attendance", someone_else_saved_first)
    answers = {"csrf_token": csrf_from(page), f"present-{agency_id}": "y", f"person-{agency_id}": "DS Ash Moorcroft"}
    response = client.post(url, data=answers)

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else saved a change to the same record at the same moment" in html
    assert f'name="person-{agency_id}" value="DS Ash Moorcroft"' in html
    assert f'<form method="post" action="{url}"' in html and f'href="{url}"' in html


def test_a_form_sent_twice_goes_where_the_first_went_and_says_so(app, client, demo):
    with app.app_context():
        area_id = db.session.scalar(sa.select(Area.id).where(Area.name == "Northmoor"))
    case = CaseFactory(app).case(area_id)
    sign_in(client, "coordinator@example.org")
    url = f"/cases/{case.id}/perpetrators/new"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    answers = {
        "csrf_token": csrf_from(page),
        "form_token": token,
        "first_name": "Silas",
        "last_name": "Secondsend",
        "relationship_to_victim": "ex_partner",
    }
    first, again = client.post(url, data=answers), client.post(url, data=answers)

    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"] == f"/cases/{case.id}"
    assert "You sent this form twice. It was saved once." in client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        count = sa.select(sa.func.count()).select_from(CasePerpetrator).where(CasePerpetrator.case_id == case.id)
        assert db.session.scalar(count) == 2  # the case's first, and Silas once
    # A new page is a new form: its token makes another record.
    fresh = client.get(url).get_data(as_text=True)
    assert re.search(r'name="form_token" type="hidden" value="([^"]+)"', fresh).group(1) != token


@pytest.mark.parametrize("token", ["short", "x" * 65, "no spaces allowed in a token ok?", "<script>alert(1)</script>"])
def test_a_form_token_that_is_not_one_of_ours_is_refused(app, client, demo, token):
    sign_in(client, "coordinator@example.org")
    page = client.get("/meetings/schedule").get_data(as_text=True)
    response = client.post("/meetings/schedule", data={"csrf_token": csrf_from(page), "form_token": token})
    assert response.status_code == 400


@pytest.fixture
def estate(app, make):
    return estate_module.build(app, make)


def test_every_form_button_ignores_a_second_click(app, estate):
    """GOV.UK Frontend's preventDoubleClick on every button that sends a form, on every page."""
    client = app.test_client()
    sign_in(client, estate.users.everything.email)
    values = home_values(estate)
    seen, missing = 0, []
    for rule in rules(app):
        if "GET" not in rule.methods or rule.endpoint.startswith("api."):
            continue
        for url in urls_of(rule, **values):
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.content_type:
                continue
            for button in SUBMIT_BUTTON.findall(response.get_data(as_text=True)):
                seen += 1
                if 'data-prevent-double-click="true"' not in button:
                    missing.append((rule.endpoint, button))
    assert seen >= 40 and not missing, missing
