"""Mass assignment: fields a form does not offer (an area, a status, a version, roles, an owner,
"is active", a second-factor secret…) are ignored when posted anyway."""

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from models import Role, User, db
from tests.helpers import post_form, sign_in
from tests.security.estate import every_form
from tests.security.forms_walk import answers, current_form


def _injected(estate):
    """Extra fields and distinctive values for them."""
    return {
        "area_id": str(estate.areas.away.id),
        "case_id": str(estate.cases.away.id),
        "status": "closed",
        "version": "987654",
        "id": "987654",
        "roles": Role.ADMIN.value,
        "is_active": "",
        "must_change_password": "y",
        "user_id": str(estate.users.admin.id),
        "agency_id": str(estate.agencies.away_police.id),
        "owner_agency_id": str(estate.agencies.away_police.id),
        "referring_agency_id": str(estate.agencies.away_police.id),
        "referrer_id": str(estate.users.admin.id),
        "created_by_id": str(estate.users.admin.id),
        "victim_id": str(estate.victims[estate.cases.away.id]),
        "meeting_id": str(estate.meetings.away),
        "chair_id": str(estate.users.admin.id),
        "mfa_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "password_hash": "$argon2id$forged",
        "chain_seq": "1",
    }


def _snapshot():
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name == "audit_events":
            continue
        key = list(table.primary_key.columns)
        rows = db.session.execute(sa.select(table)).mappings().all()
        tables[table.name] = {tuple(row[column.name] for column in key): dict(row) for row in rows}
    return tables


def _violations(before, after, injected, offered):
    """Columns that now hold a value posted for a field the form did not offer."""
    found = []
    for name, rows in after.items():
        for key, row in rows.items():
            old = before.get(name, {}).get(key)
            if old is None and len(key) > 1:
                continue  # a new row of a link table (a new meeting's invited agencies): derived
            for column, value in injected.items():
                if column in offered or column not in row:
                    continue
                if old is not None and old[column] == row[column]:
                    continue
                new = row[column]
                if column == "is_active" and new is False and (old is None or old[column] is True):
                    found.append((name, key, column))
                elif column == "must_change_password" and new is True and (old is None or old[column] is False):
                    found.append((name, key, column))
                elif new is not None and str(new) == value:
                    found.append((name, key, column))
    if "user_roles" in after:
        added = set(after["user_roles"]) - set(before["user_roles"])
        if "roles" not in offered and any(role == Role.ADMIN.value for _user, role in added):
            found.append(("user_roles", sorted(added), "roles"))
    return found


def test_fields_a_form_does_not_offer_are_ignored(app, estate):
    client, pages = every_form(app, estate)
    injected = _injected(estate)
    problems, saved = [], 0
    for url, action, form in pages:
        if action.startswith("/auth/"):
            continue
        current = current_form(client, url, action, form)
        offered = {field.name for field in current.fields} | {field.name.split("-")[-1] for field in current.fields}
        data = MultiDict(answers(current))
        for name, value in injected.items():
            if name not in offered:
                data.add(name, value)
        with app.app_context():
            before = _snapshot()
        response = client.post(action, data=data)
        assert response.status_code < 500, (action, response.status_code)
        saved += response.status_code == 302
        with app.app_context():
            after = _snapshot()
        problems += [(action, *violation) for violation in _violations(before, after, injected, offered)]
    assert saved >= 5  # the forms really were saved with the extra fields in them
    assert not problems, problems


def test_a_user_cannot_promote_themselves_through_their_own_forms(app, make):
    person = make.user(Role.AGENCY_REP)
    client = app.test_client()
    sign_in(client, person.email)
    new_password = "orbit kelp lantern quiz"
    response = post_form(
        client,
        "/auth/password",
        {
            "current_password": person.password,
            "new_password": new_password,
            "confirm_password": new_password,
            "roles": "admin",
            "is_active": "y",
            "agency_id": "999",
            "email": "takeover@example.org",
            "mfa_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            "must_change_password": "",
        },
        token_from="/auth/password",
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.roles == {Role.AGENCY_REP}
        assert user.email == person.email and user.agency_id == person.agency_id
        assert user.mfa_secret is None
    assert client.get("/admin/users").status_code == 403
