import pytest
from flask import abort

from marac import create_app
from marac.security import ACCESS_POLICY, PUBLIC
from tests.helpers import sign_in


def test_not_found_is_a_gov_uk_page(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_is_a_page_not_a_bare_error(client, make):
    sign_in(client, make.user().email)
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "This page cannot be used in that way" in response.get_data(as_text=True)


def test_oversized_bodies_get_the_413_page(client):
    response = client.post("/auth/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "What you sent was too large" in response.get_data(as_text=True)


def test_forbidden_page(client, make):
    sign_in(client, make.user().email)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.get_data(as_text=True)


@pytest.fixture
def app_with_failing_routes(database_url):
    """An app with two public test routes: one that fails, one that answers 429."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, PROPAGATE_EXCEPTIONS=False)

    def explode():
        raise RuntimeError("secret detail about Jane Doe")

    def throttled():
        abort(429)

    app.add_url_rule("/explode", "explode", explode)
    app.add_url_rule("/throttled", "throttled", throttled)
    ACCESS_POLICY.update(explode=PUBLIC, throttled=PUBLIC)
    yield app
    del ACCESS_POLICY["explode"], ACCESS_POLICY["throttled"]


def test_an_unexpected_error_shows_the_500_page_and_no_detail(app_with_failing_routes):
    response = app_with_failing_routes.test_client().get("/explode")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "Jane Doe" not in html


def test_too_many_requests_page(app_with_failing_routes):
    response = app_with_failing_routes.test_client().get("/throttled")
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)
