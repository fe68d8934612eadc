import pytest

from marac.services.demo import DEMO_USERS
from tests.helpers import counted_queries, sign_in


@pytest.mark.parametrize(("email", "roles"), [(email, roles) for email, _name, roles, _kind in DEMO_USERS])
def test_each_demo_user_sees_their_roles_dashboard(client, demo, email, roles):
    assert sign_in(client, email).status_code == 302
    html = client.get("/").get_data(as_text=True)
    for role in roles:
        assert f">{role.label}</h2>" in html
    assert "OFFICIAL-SENSITIVE" in html
    assert ('href="/admin/"' in html) == any(role.value == "admin" for role in roles)


def test_dashboard_query_budget(app, client, demo):
    sign_in(client, "admin@example.org")
    client.get("/")
    with counted_queries(app) as queries:
        assert client.get("/").status_code == 200
    assert len(queries) <= 6, queries


def test_healthz_checks_the_database_and_says_nothing_else(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("email", ["coordinator@example.org", "chair@example.org", "police@example.org"])
def test_role_dashboards_show_what_needs_attention_within_a_budget(app, client, demo, email):
    sign_in(client, email)
    client.get("/")
    with counted_queries(app) as queries:
        html = client.get("/").get_data(as_text=True)
    assert len(queries) <= 12, len(queries)
    expected = {
        "coordinator@example.org": ["Referrals waiting for triage", "Next meeting", "Overdue actions"],
        "chair@example.org": ["Next meeting you chair", "Minutes waiting for your approval"],
        "police@example.org": ["Research requests to answer", "Your agency&#39;s actions overdue"],
    }[email]
    for label in expected:
        assert label in html
