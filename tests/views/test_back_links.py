"""GOV.UK Back links: at the top of the pages reached from a list or a case, before the main
content, never a "Back to …" link at the bottom."""

import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from models import AgencyKind, Area, User, db
from models.clock import uk_today, utcnow
from tests.factories.actions import ActionFactory
from tests.factories.caseload import CaseloadFactory
from tests.factories.cases import CaseFactory
from tests.helpers import signed_in

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# A paragraph link "Back to …": the pattern the Back link replaced.
BOTTOM_BACK = re.compile(r'<p class="govuk-body"><a class="govuk-link"[^>]*>Back to ')
# A confirmation page's way on is not a way back (GOV.UK confirmation pages have no Back link).
NEXT_STEPS = {"admin/user_password.html"}


def test_no_template_has_a_back_to_link_at_the_bottom():
    found = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if BOTTOM_BACK.search(path.read_text()) and str(path.relative_to(TEMPLATES)) not in NEXT_STEPS
    ]
    assert found == []


def _back_link(html):
    """The Back link's (href, text), and whether it comes before the main content."""
    match = re.search(r'<a href="([^"]+)" class="govuk-back-link">([^<]+)</a>', html)
    assert match, "no Back link"
    return match.group(1), match.group(2), match.start() < html.index("<main")


@pytest.fixture
def records(app, demo):
    """A Northmoor case with a DASH, an action for the police and the police's referral of it."""
    with app.app_context():
        area = db.session.query(Area).filter_by(name="Northmoor").one()
        police = next(agency.id for agency in area.agencies if agency.kind == AgencyKind.POLICE)
        coordinator = db.session.query(User).filter_by(email="coordinator@example.org").one().id
        referrer = db.session.query(User).filter_by(email="police@example.org").one().id
    cases = CaseFactory(app)
    case = cases.case(area.id, agency_ids=[police])
    (assessment_id,) = cases.completed_dashes(case.id, 1)
    action_id = ActionFactory(app).action(case.id, police, due_on=uk_today() + timedelta(days=28), by=coordinator)
    referral = CaseloadFactory(app).referral(
        case.id, area.id, agency_id=police, referrer_id=referrer, received_at=utcnow()
    )
    return SimpleNamespace(case=case.id, assessment=assessment_id, action=action_id, referral=referral)


def test_pages_reached_from_a_list_or_a_case_start_with_a_back_link(app, records):
    coordinator = signed_in(app, "coordinator@example.org")
    pages = {
        f"/actions/{records.action}": ("/actions/", "Back to actions"),
        f"/referrals/{records.referral}": ("/referrals", "Back to referrals"),
        f"/cases/{records.case}/risk/{records.assessment}": (f"/cases/{records.case}/risk", "Back to risk"),
    }
    for url, (href, text) in pages.items():
        assert _back_link(coordinator.get(url).get_data(as_text=True)) == (href, text, True), url
    admin = signed_in(app, "admin@example.org")
    assert _back_link(admin.get("/admin/users/new").get_data(as_text=True)) == ("/admin/users", "Back to users", True)
