"""Query budgets for the benchmarked pages not covered elsewhere, at two data sizes: the number
of statements must not grow with the data (benchmarks/README.md lists every page and where its
budget is tested)."""

import pytest

from marac.services import referrals
from models import Area, User, db
from models.clock import uk_today
from tests.helpers import counted_queries, sign_in

ANSWERS = {n: {"answer": "yes" if n <= 16 else "no", "source": "", "comment": ""} for n in range(1, 25)}


def _refer(app, n):
    """A referral through the service the form's last step uses: matching, DASH, case, repeat check."""
    with app.app_context():
        user = db.session.query(User).filter_by(email="police@example.org").one()
        area = db.session.query(Area).filter_by(name="Northmoor").one()
        person = {"aliases": [], "address": "1 Test Road", "postcode": "ZZ1 1AB", "is_address_confidential": False}
        details = {
            "victim": {
                **person,
                "first_name": f"Vicbud{n}",
                "last_name": "Quernmoor",
                "date_of_birth": "1990-01-02",
                "gender": "female",
                "is_safe_to_call": "yes",
            },
            "perpetrator": {
                **person,
                "first_name": f"Perbud{n}",
                "last_name": "Quernmoor",
                "date_of_birth": "1988-03-04",
                "gender": "male",
                "relationship_to_victim": "partner",
            },
            "children": [],
            "notes": {},
            "judgement_reasons": None,
            "incidents_in_window": 1,
        }
        form_data = {
            "area_id": area.id,
            "referred_on": uk_today(),
            "referrer_name": user.name,
            "referrer_contact": user.email,
            "criteria": ["visible_high_risk"],
            "is_victim_aware": "yes",
            "has_consent": "yes",
            "lawful_basis": None,
            "sharing_reason": None,
            "previous_maracs": None,
        }
        dash_data = {
            "assessed_on": uk_today(),
            "assessor_name": "PC Budget",
            "fears_detail": "Threats",
            "judged_level": None,
        }
        with counted_queries(app) as statements:
            referral, _found, problems = referrals.create_and_submit(
                user,
                area,
                form_data,
                details,
                victim_choice=referrals.NEW_PERSON,
                perpetrator_choice=referrals.NEW_PERSON,
                dash_data=dash_data,
                answers=ANSWERS,
            )
        assert not problems, problems
        db.session.commit()
        return len(statements)


PAGES = [
    (None, "/auth/login"),
    ("coordinator@example.org", "/"),
    ("chair@example.org", "/"),
    ("idva@example.org", "/"),
    ("idva.manager@example.org", "/"),
    ("police@example.org", "/"),
    ("steering@example.org", "/"),
    ("admin@example.org", "/"),
    ("idva@example.org", "/caseload/"),
    ("steering@example.org", "/reports/"),
]
BUDGET = 17  # the most any of these pages needs (the steering reports: the IDVAs whose figures they see)


def _measure(app, client_for):
    counts = []
    for email, url in PAGES:
        client = client_for(email)
        client.get(url)  # what a first visit does once
        with counted_queries(app) as statements:
            assert client.get(url).status_code == 200, url
        counts.append(len(statements))
    return counts


@pytest.mark.usefixtures("demo")
def test_pages_and_the_referral_keep_their_budget_as_the_data_grows(app):
    clients = {}

    def client_for(email):
        if email not in clients:
            clients[email] = app.test_client()
            if email:
                assert sign_in(clients[email], email).status_code == 302
        return clients[email]

    first = _refer(app, 0)
    small = _measure(app, client_for)
    counts = [_refer(app, n) for n in range(1, 16)]
    large = _measure(app, client_for)
    assert large == small, list(zip(PAGES, small, large, strict=True))
    assert max(large) <= BUDGET, list(zip(PAGES, large, strict=True))
    # The referral service's statements do not grow with the referrals on record.
    assert counts[-1] == counts[0] and counts[-1] <= first + 2, (first, counts)


CASE_TAB_BUDGET = 25


def test_a_cases_history_actions_and_timeline_keep_their_budget_as_its_history_grows(app, make):
    """Each role's view of a case heard at 2 meetings, then at 7 with five times the actions, risk
    results, contacts and safety plans: the same number of statements."""
    from tests.factories.journey import grow, heard_twice

    journey = heard_twice(app, make)
    tabs = ("history", "actions", "timeline", "timeline?kind=action&kind=meeting")
    clients = {}
    for who in ("coordinator", "police", "idva", "chair"):
        clients[who] = app.test_client()
        assert sign_in(clients[who], getattr(journey.users, who).email).status_code == 302

    def measure():
        counts = {}
        for who, client in clients.items():
            for tab in tabs:
                url = f"/cases/{journey.case.id}/{tab}"
                client.get(url)
                with counted_queries(app) as statements:
                    assert client.get(url).status_code == 200, (who, url)
                counts[who, tab] = len(statements)
        return counts

    small = measure()
    grow(app, journey, 5)
    large = measure()
    assert large == small, {key: (small[key], large[key]) for key in small}
    assert max(large.values()) <= CASE_TAB_BUDGET, large
