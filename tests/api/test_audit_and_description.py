"""Every API read and write is in the audit trail (ids and counts, never names); the OpenAPI
description is generated from the code and covers every endpoint with its scope."""

import json
from datetime import date

import pytest
import sqlalchemy as sa

from marac.api import schemas
from marac.api.openapi import ANY_TOKEN, OPERATIONS, document
from marac.security import ACCESS_POLICY
from models import ApiScope, AuditEvent, db
from tests.api.conftest import Api, ids, referral_body

# endpoint: (user, scope, method, path from the world fixture, body from the world fixture, audit event)
CALLS = {
    "api.referral_create": (
        "police@example.org",
        ApiScope.REFERRALS_WRITE,
        "post",
        lambda w: "/api/v1/referrals",
        lambda w: referral_body(w.northmoor),
        "referral.submitted",
    ),
    "api.referral_list": (
        "police@example.org",
        ApiScope.REFERRALS_READ,
        "get",
        lambda w: "/api/v1/referrals",
        None,
        "referrals.listed",
    ),
    "api.referral_view": (
        "police@example.org",
        ApiScope.REFERRALS_READ,
        "get",
        lambda w: f"/api/v1/referrals/{w.referral_id}",
        None,
        "referral.viewed",
    ),
    "api.meeting_list": (
        "police@example.org",
        ApiScope.MEETINGS_READ,
        "get",
        lambda w: "/api/v1/meetings",
        None,
        "meetings.listed",
    ),
    "api.meeting_view": (
        "police@example.org",
        ApiScope.MEETINGS_READ,
        "get",
        lambda w: f"/api/v1/meetings/{w.published}",
        None,
        "meeting.viewed",
    ),
    "api.action_list": (
        "police@example.org",
        ApiScope.ACTIONS_READ,
        "get",
        lambda w: "/api/v1/actions",
        None,
        "actions.listed",
    ),
    "api.action_view": (
        "police@example.org",
        ApiScope.ACTIONS_READ,
        "get",
        lambda w: f"/api/v1/actions/{w.police_action}",
        None,
        "action.viewed",
    ),
    "api.action_status": (
        "police@example.org",
        ApiScope.ACTIONS_WRITE,
        "post",
        lambda w: f"/api/v1/actions/{w.police_action}/status",
        lambda w: {"version": 1, "status": "in_progress", "note": "Booked"},
        "action.updated",
    ),
    "api.quarterly_stats": (
        "steering@example.org",
        ApiScope.STATS_READ,
        "get",
        lambda w: "/api/v1/stats/quarterly",
        None,
        "stats.quarterly_read",
    ),
    "api.openapi_document": (
        "housing@example.org",
        ApiScope.ACTIONS_READ,
        "get",
        lambda w: "/api/v1/openapi.json",
        None,
        "api.description_read",
    ),
}


def test_every_api_endpoint_is_in_this_list():
    endpoints = {op.endpoint for op in OPERATIONS} | {"api.openapi_document"}
    assert endpoints == set(CALLS)
    assert {endpoint for endpoint in ACCESS_POLICY if endpoint.startswith("api.")} == endpoints


@pytest.fixture
def audited_world(app, api, world):
    made = api("police@example.org", ApiScope.REFERRALS_WRITE).post(
        "/api/v1/referrals", json=referral_body(world.northmoor, victim=("Una", "Wrenfield", date(1992, 2, 2)))
    )
    world.referral_id = made.get_json()["id"]
    return world


@pytest.mark.parametrize("endpoint", sorted(CALLS))
def test_every_api_read_and_write_is_audited(app, token, audited_world, endpoint):
    email, scope, method, path, body, event = CALLS[endpoint]
    issued = token(email, scope)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    kwargs = {"json": body(audited_world)} if body else {}
    response = getattr(Api(app.test_client(), issued.secret), method)(path(audited_world), **kwargs)
    assert 200 <= response.status_code < 300, response.get_json()
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > before)).all()
    assert [e.event for e in events] == [event]
    (recorded,) = events
    assert recorded.user_id == issued.user_id and recorded.agency_id == issued.agency_id
    assert recorded.detail["via"] == "api" and recorded.detail["token_id"] == issued.id
    text = json.dumps(recorded.detail)
    for name in ("Quillfeather", "Wrenfield", "Vera", "Percy", "Testvictim", "Civic"):
        assert name not in text


def test_the_description_is_openapi_3_1_generated_from_the_models(app):
    with app.test_request_context():
        doc = document()
    assert doc["openapi"] == "3.1.0"
    operations = {
        (method.upper(), path): operation
        for path, methods in doc["paths"].items()
        for method, operation in methods.items()
    }
    assert len(operations) == len(OPERATIONS)
    for op in OPERATIONS:
        described = operations[(op.method.upper(), op.path)]
        assert described["security"] == [{"bearerToken": [] if op.scope == ANY_TOKEN else [op.scope]}]
        assert described["x-scope"] == op.scope
        assert {"401", "403", "422", "429"} <= set(described["responses"])
    create = operations[("POST", "/api/v1/referrals")]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ReferralIn"}
    assert doc["components"]["schemas"]["ReferralIn"] == _schema_of(schemas.ReferralIn, doc)
    parameters = {p["name"] for p in create["parameters"]}
    assert parameters == {"Idempotency-Key"}
    assert {p["name"] for p in operations[("GET", "/api/v1/actions")]["parameters"]} == {
        "page",
        "status",
        "due",
        "meeting_id",
    }
    assert operations[("POST", "/api/v1/actions/{action_id}/status")]["responses"]["409"]["content"]


def _schema_of(model, doc):
    from pydantic.json_schema import models_json_schema

    _refs, defs = models_json_schema([(model, "validation")], ref_template="#/components/schemas/{model}")
    return defs["$defs"][model.__name__]


def test_the_description_needs_a_token_and_carries_a_working_example(app, api, demo):
    assert app.test_client().get("/api/v1/openapi.json").status_code == 401
    police = api("police@example.org", ApiScope.REFERRALS_WRITE)
    doc = police.get("/api/v1/openapi.json").get_json()
    example = doc["paths"]["/api/v1/referrals"]["post"]["requestBody"]["content"]["application/json"]["example"]
    schemas.ReferralIn.model_validate_json(json.dumps(example))
    example["area_id"] = ids(app).areas["Northmoor"]  # the demo's first area, whatever its id here
    assert police.post("/api/v1/referrals", json=example).status_code == 201
