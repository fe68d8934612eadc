"""Requests at the same moment, as production sees them: an app on a database of its own whose
requests commit for real, and real threads, each with its own test client (its own session
cookie, and its own database connection), released together by a barrier.

The rest of the suite shares one rolled-back connection, which would serialise everything; these
tests do not use it. On SQLite every POST takes the write lock first (models/base.py), so the
same races are run there too, one request after the other.
"""

import re
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marac import create_app
from marac.services import demo
from models import Agency, Area, User, db
from models.clock import uk_today
from tests.factories import PASSWORD
from tests.factories.actions import ActionFactory
from tests.factories.cases import CaseFactory
from tests.helpers import csrf_from, database_of_its_own, signed_in
from tests.security.forms_walk import answers, is_text, post_forms

FORM_TOKEN_PATTERN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')
ROUNDS = 4  # each race is run several times: a lucky interleaving must not pass it


@pytest.fixture(autouse=True)
def _rolled_back_transaction(race_app):
    """Replaces the suite's shared, rolled-back connection: these requests commit."""
    with race_app.app_context():
        db.session.remove()
        db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")


@pytest.fixture(scope="session")
def race_app(database_url, tmp_path_factory):
    """The app on a database of its own (`<test database>_race` on PostgreSQL), migrated, with the
    demo areas, agencies and users; dropped at the end."""
    with database_of_its_own(database_url, "race", tmp_path_factory.mktemp("race") / "race.db") as url:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            demo.seed(PASSWORD, with_cases=False)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def demo_ids(race_app):
    with race_app.app_context():
        return SimpleNamespace(
            areas=dict(db.session.execute(sa.select(Area.name, Area.id)).all()),
            agencies=dict(db.session.execute(sa.select(Agency.name, Agency.id)).all()),
            users=dict(db.session.execute(sa.select(User.email, User.id)).all()),
        )


@pytest.fixture(scope="session")
def people(race_app):
    """people(email, count) -> `count` test clients, each signed in as that user in a session of its own."""
    kept = {}

    def clients(email, count=2):
        have = kept.setdefault(email, [])
        while len(have) < count:
            have.append(signed_in(race_app, email))
        return have[:count]

    return clients


def race(*sends):
    """Run each send in a thread of its own, all released at once; their answers in order. An
    exception escaping a request (a 500 in production) is returned in its place."""
    barrier = threading.Barrier(len(sends))
    results = [None] * len(sends)

    def run(index, send):
        try:
            barrier.wait(timeout=30)
            results[index] = send()
        except Exception as exc:  # reported by the test's assertions
            results[index] = exc

    threads = [threading.Thread(target=run, args=(index, send)) for index, send in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def status(result):
    """The answer's status, or what went wrong instead of one."""
    return f"raised {type(result).__name__}" if isinstance(result, Exception) else result.status_code


def statuses(answers):
    """The answers' statuses (or what went wrong instead), in order: who won does not matter."""
    return sorted((status(answer) for answer in answers), key=str)


def form_token(html):
    """The one-time token of the page's form, if it has one."""
    match = FORM_TOKEN_PATTERN.search(html)
    return match.group(1) if match else None


def filled_form(client, url, changes, *, action=None):
    """The POST form on the page at `url` posting to `action` (to `url` itself if not given) as a browser would
    send it: its hidden fields (CSRF token, version, form token), the choices it offers, with
    `changes` typed in."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    html = page.get_data(as_text=True)
    forms = [form for form in post_forms(html) if (form.action or url) == (action or url)]
    assert forms, f"no form posting to {action or url} on {url}"
    data = answers(forms[0])
    for field in forms[0].fields:
        if is_text(field) and field.value == "on":  # forms_walk's reading of a box with no value
            data[field.name] = ""
    for key, value in changes.items():
        if isinstance(value, list | tuple):
            data.setlist(key, [str(item) for item in value])
        else:
            data[key] = str(value)
    data["csrf_token"] = csrf_from(html)
    return data


def twin(client, data, page_url):
    """The same answers, as a second tab (or another click) of the same user sends them: its own
    CSRF token, the very same form token."""
    html = client.get(page_url).get_data(as_text=True)
    copy = data.copy()
    copy["csrf_token"] = csrf_from(html)
    return copy


@pytest.fixture(scope="session")
def world(race_app, demo_ids):
    """Northmoor with a case listed on a published meeting a week away (chaired by the demo chair),
    and the factories to add what each race needs."""
    area_id = demo_ids.areas["Northmoor"]
    cases, actions = CaseFactory(race_app), ActionFactory(race_app)
    case = cases.case(area_id, agency_ids=[demo_ids.agencies["Northmoor Police"]])
    day = uk_today() + timedelta(days=7)
    chair_id = demo_ids.users["chair@example.org"]
    meeting = actions.meeting(area_id, day, case_ids=[case.id], chair_id=chair_id, publish=True)
    return SimpleNamespace(
        area_id=area_id,
        case=case,
        meeting=meeting,
        item_id=meeting.items[case.id],
        day=day,
        police=demo_ids.agencies["Northmoor Police"],
        cases=cases,
        actions=actions,
    )
