"""The GOV.UK Notify mail backend, against a local HTTP server standing in for Notify that keeps
what Notify's client sends: the path, the JWT in the Authorization header, the template id, and a
personalisation that holds a count or a reference and a link, never personal data."""

import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest

from marac.services import actions, mail
from models import AgencyKind, Case, Role, User, db
from models.clock import uk_today
from tests.factories.cases import CaseFactory

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"marac_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"


class FakeNotify(BaseHTTPRequestHandler):
    answer = 201
    received = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeNotify.received.append(
            {
                "path": self.path,
                "authorization": self.headers["Authorization"],
                "user_agent": self.headers["User-Agent"],
                "json": body,
            }
        )
        if FakeNotify.answer == 201:
            answer = {"id": "740e5834-3a29-46b4-9a6f-16142fde533a"}
        else:  # a refusal that repeats the address, as an error message might
            message = f"Can't send to {body['email_address']}"
            answer = {"status_code": FakeNotify.answer, "errors": [{"error": "BadRequestError", "message": message}]}
        self.send_response(FakeNotify.answer)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def notify(app, monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeNotify.received, FakeNotify.answer = [], 201
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "notify")
    monkeypatch.setitem(app.config, "NOTIFY_API_KEY", API_KEY)
    monkeypatch.setitem(app.config, "NOTIFY_TEMPLATE_ID", TEMPLATE_ID)
    monkeypatch.setitem(app.config, "NOTIFY_BASE_URL", f"http://127.0.0.1:{server.server_port}")
    yield FakeNotify
    server.shutdown()
    thread.join()


def _claims(authorization):
    """The JWT's claims, once its HS256 signature is checked with the key's secret."""
    scheme, token = authorization.split(" ")
    assert scheme == "Bearer"
    assert jwt.get_unverified_header(token) == {"typ": "JWT", "alg": "HS256"}
    return jwt.decode(token, SECRET, algorithms=["HS256"])


def test_each_recipient_is_one_request_to_notify_with_a_signed_token_and_the_template(app, notify):
    with app.app_context():
        mail.send(["a@example.org", "b@example.org"], "2 actions are due", "See https://marac.example/actions")
    assert [request["json"]["email_address"] for request in notify.received] == ["a@example.org", "b@example.org"]
    for request in notify.received:
        assert request["path"] == "/v2/notifications/email"
        assert request["user_agent"].startswith("NOTIFY-API-PYTHON-CLIENT/")
        claims = _claims(request["authorization"])
        assert claims["iss"] == SERVICE_ID and isinstance(claims["iat"], int)
        assert request["json"]["template_id"] == TEMPLATE_ID
        assert request["json"]["personalisation"] == {
            "subject": "2 actions are due",
            "body": "See https://marac.example/actions\n",
        }


def test_a_refusal_is_an_error_that_does_not_repeat_the_address(app, notify, caplog, monkeypatch):
    notify.answer = 400
    caplog.set_level(logging.DEBUG)
    # Migrations' logging configuration disables loggers made before it; the web process runs none.
    monkeypatch.setattr(logging.getLogger("notifications_python_client.base"), "disabled", False)
    with app.app_context(), pytest.raises(RuntimeError, match="HTTP 400") as raised:
        mail.send("someone@example.org", "1 action is overdue", "https://marac.example/actions")
    assert notify.received  # Notify was asked, and its answer named the address
    assert "someone" not in str(raised.value)
    assert "someone" not in caplog.text


def test_without_a_key_nothing_is_sent(app, notify, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_API_KEY", "")
    with app.app_context(), pytest.raises(RuntimeError, match="NOTIFY_API_KEY"):
        mail.send("someone@example.org", "Subject", "Body")
    assert notify.received == []


def test_a_new_actions_email_through_notify_names_no_one(app, make, notify):
    area = make.area()
    housing = make.agency(kind=AgencyKind.HOUSING, area_ids=[area.id])
    rep = make.user(Role.AGENCY_REP, agency_id=housing.id, area_ids=[area.id], name="Harriet Testhousing")
    coordinator = make.user(Role.COORDINATOR, area_ids=[area.id])
    case = CaseFactory(app).case(area.id)
    with app.app_context():
        victim = db.session.get(Case, case.id).victim
        names = [victim.first_name, victim.last_name, f"{victim.date_of_birth:%d %B %Y}", "Harriet", "Testhousing"]
        action = actions.create(
            db.session.get(Case, case.id),
            {
                "owner_agency_id": housing.id,
                "protects": "victim",
                "what": "Fit a door alarm and check it works",
                "how_known": "The fitter's job sheet",
                "due_on": uk_today() + timedelta(days=14),
            },
            db.session.get(User, coordinator.id),
        )
        db.session.commit()
    (request,) = notify.received
    assert request["json"]["email_address"] == rep.email
    personalisation = request["json"]["personalisation"]
    assert set(personalisation) == {"subject", "body"}
    text = json.dumps(personalisation)
    assert f"/actions/{action.id}" in text
    for name in [*names, "door alarm", "job sheet"]:
        assert name not in text
