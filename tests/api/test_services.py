"""The API's services without HTTP: tokens, kept answers and the quarters of the figures."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marac.services import api_tokens, stats
from models import IdempotencyKey, db
from models.clock import utcnow


def test_quarters_run_back_across_the_year(app):
    def periods(today, count):
        with app.app_context():
            rows = stats.quarterly_figures([1], quarters=count, today=today)[1]
        return [(row["year"], row["quarter"], row["starts_on"], row["ends_on"]) for row in rows]

    assert periods(date(2026, 2, 10), 3) == [
        (2025, 3, date(2025, 7, 1), date(2025, 9, 30)),
        (2025, 4, date(2025, 10, 1), date(2025, 12, 31)),
        (2026, 1, date(2026, 1, 1), date(2026, 3, 31)),
    ]
    assert periods(date(2024, 12, 31), 1) == [(2024, 4, date(2024, 10, 1), date(2024, 12, 31))]


def test_a_token_is_random_prefixed_and_kept_only_as_its_hash(app, demo):
    with app.app_context():
        user = api_tokens.user_by_email("police@example.org")
        one, secret = api_tokens.issue(user, name="  A  ", scopes=["referrals:read", "referrals:write"], days=1)
        _two, other = api_tokens.issue(user, name="B", scopes=["referrals:read"], days=1)
        assert secret != other and secret.startswith("marac_") and len(secret) == 49
        assert one.prefix == secret[:12] and one.name == "A"
        assert one.scopes == ["referrals:write", "referrals:read"]  # in the documented order
        assert secret not in str(vars(one).values())
        with pytest.raises(ValueError, match="Unknown scopes: everything"):
            api_tokens.issue(user, name="C", scopes=["everything"], days=1)
        assert api_tokens.authenticate(f"Bearer {secret}").token.id == one.id
        assert api_tokens.authenticate(f"bearer   {secret} ").token.id == one.id
        for header, reason in [
            (None, "missing"),
            (f"Token {secret}", "malformed"),
            ("Bearer " + "marac_" + "x" * 300, "malformed"),
            ("Bearer marac_unknown", "unknown"),
        ]:
            assert api_tokens.authenticate(header).refused == reason
        api_tokens.revoke(one)
        assert api_tokens.authenticate(f"Bearer {secret}").refused == "revoked"
        api_tokens.revoke_all(user.id, "account_closed")
        assert api_tokens.authenticate(f"Bearer {other}").refused == "revoked"


def test_kept_answers_are_dropped_after_the_day(app, demo):
    with app.app_context():
        user = api_tokens.user_by_email("police@example.org")
        token, _secret = api_tokens.issue(user, name="A", scopes=["referrals:write"], days=1)
        day = timedelta(hours=24)
        for key, age in (("old", timedelta(hours=30)), ("new", timedelta(hours=1))):
            api_tokens.remember_response(
                token.id,
                key,
                fingerprint="f" * 64,
                status_code=201,
                body={"id": 1},
                location="/api/v1/referrals/1",
                keep_for=day,
                now=utcnow() - age,
            )
        db.session.flush()
        assert api_tokens.stored_response(token.id, "old", keep_for=day) is None  # too old: removed
        assert api_tokens.stored_response(token.id, "new", keep_for=day).status_code == 201
        assert api_tokens.purge_idempotency_keys(utcnow()) == 1
        assert db.session.scalar(sa.select(sa.func.count(IdempotencyKey.id))) == 0


def test_an_administrator_ending_access_revokes_api_tokens(app, make, client):
    """Deactivation, an admin's password reset and 'sign them out everywhere' end tokens too."""
    from marac.services import api_tokens
    from models import ApiScope, ApiToken, Role, User, db
    from tests.helpers import post_form, sign_in

    person = make.user(Role.AGENCY_REP)
    with app.app_context():
        api_tokens.issue(
            db.session.get(User, person.id), name="Police system", scopes=[ApiScope.REFERRALS_READ], days=30
        )
        db.session.commit()
        assert db.session.query(ApiToken).filter_by(user_id=person.id, revoked_at=None).count() == 1
    admin = make.user(Role.ADMIN)
    sign_in(client, admin.email)
    assert post_form(client, f"/admin/users/{person.id}/end-sessions", {}).status_code == 302
    with app.app_context():
        assert db.session.query(ApiToken).filter_by(user_id=person.id, revoked_at=None).count() == 0
