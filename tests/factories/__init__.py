"""Test data builders. Every name is invented; they return plain values, not live objects.

Here: areas, agencies and users (the `make` fixture) and their PASSWORD. Beside it: cases.py (cases,
allocations, risk assessments), actions.py (meetings with a case list, actions), caseload.py (the
IDVA caseload).
"""

import itertools
from types import SimpleNamespace

from marac.services import accounts
from models import Agency, AgencyKind, Area, Role, db

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


class Factory:
    def __init__(self, app):
        self.app = app

    def area(self, **fields):
        with self.app.app_context():
            area = Area(name=fields.pop("name", f"Testshire {next(_sequence)}"), **fields)
            db.session.add(area)
            db.session.commit()
            return SimpleNamespace(id=area.id, name=area.name)

    def agency(self, *, kind=AgencyKind.POLICE, area_ids=(), **fields):
        with self.app.app_context():
            agency = Agency(
                name=fields.pop("name", f"Test Agency {next(_sequence)}"),
                kind=kind,
                areas=[db.session.get(Area, area_id) for area_id in area_ids],
                **fields,
            )
            db.session.add(agency)
            db.session.commit()
            return SimpleNamespace(id=agency.id, name=agency.name)

    def user(self, *roles, agency_id=None, area_ids=None, is_active=True, password=PASSWORD, **fields):
        roles = roles or (Role.COORDINATOR,)
        if area_ids is None:
            area_ids = [self.area().id]
        if agency_id is None:
            agency_id = self.agency(area_ids=area_ids).id
        with self.app.app_context():
            user = accounts.create_user(
                email=fields.pop("email", f"user{next(_sequence)}@example.org"),
                name=fields.pop("name", f"Test User {next(_sequence)}"),
                password=password,
                agency=db.session.get(Agency, agency_id),
                roles=roles,
                areas=[db.session.get(Area, area_id) for area_id in area_ids],
                **fields,
            )
            user.is_active = is_active
            db.session.commit()
            return SimpleNamespace(
                id=user.id, email=user.email, password=password, agency_id=agency_id, area_ids=list(area_ids)
            )
