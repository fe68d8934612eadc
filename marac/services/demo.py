"""Demo data: two fictional MARAC areas, their agencies and one account per role, and (unless
asked not to) their cases, meetings and IDVA caseloads (demo_cases, demo_caseload).

Every name here is invented.
"""

import sqlalchemy as sa

from marac.services import accounts, demo_caseload, demo_cases
from models import Agency, AgencyKind, Area, Role, db

DEMO_AREAS = [
    {"name": "Northmoor", "adult_female_population": 245_000, "meeting_cadence": "fortnightly"},
    {"name": "Eastwick Vale", "adult_female_population": 132_000, "meeting_cadence": "monthly"},
]

# (kind, name pattern): the usual agencies at a MARAC.
DEMO_AGENCIES = [
    (AgencyKind.POLICE, "{area} Police"),
    (AgencyKind.IDVA_SERVICE, "{area} IDVA Service"),
    (AgencyKind.HEALTH, "{area} Health Trust"),
    (AgencyKind.HOUSING, "{area} Housing"),
    (AgencyKind.CHILDREN_SOCIAL_CARE, "{area} Children's Social Care"),
    (AgencyKind.ADULT_SOCIAL_CARE, "{area} Adult Social Care"),
    (AgencyKind.PROBATION, "{area} Probation Service"),
    (AgencyKind.MENTAL_HEALTH, "{area} Mental Health Service"),
    (AgencyKind.SUBSTANCE_MISUSE, "{area} Drug and Alcohol Service"),
    (AgencyKind.EDUCATION, "{area} Education Safeguarding"),
    (AgencyKind.OTHER, "{area} Community Safety Partnership"),
]

# email, name, roles, agency kind (in the first area).
DEMO_USERS = [
    ("coordinator@example.org", "Casey Coordinator", [Role.COORDINATOR], AgencyKind.OTHER),
    ("chair@example.org", "Charlie Chair", [Role.CHAIR], AgencyKind.POLICE),
    ("idva@example.org", "Indra Advisor", [Role.IDVA], AgencyKind.IDVA_SERVICE),
    ("idva.manager@example.org", "Morgan Manager", [Role.IDVA, Role.IDVA_MANAGER], AgencyKind.IDVA_SERVICE),
    ("rowan.idva@example.org", "Rowan Fairbairn", [Role.IDVA], AgencyKind.IDVA_SERVICE),
    ("jules.idva@example.org", "Jules Penhallow", [Role.IDVA], AgencyKind.IDVA_SERVICE),
    ("police@example.org", "Pat Constable", [Role.AGENCY_REP], AgencyKind.POLICE),
    ("housing@example.org", "Harper Housing", [Role.AGENCY_REP], AgencyKind.HOUSING),
    ("health@example.org", "Hayden Health", [Role.AGENCY_REP], AgencyKind.HEALTH),
    ("children@example.org", "Kit Children", [Role.AGENCY_REP], AgencyKind.CHILDREN_SOCIAL_CARE),
    ("steering@example.org", "Sam Steering", [Role.STEERING], AgencyKind.OTHER),
    ("admin@example.org", "Alex Admin", [Role.ADMIN], AgencyKind.OTHER),
]


def is_seeded():
    return db.session.scalar(sa.select(sa.func.count(Area.id))) > 0


def seed(password, *, with_cases=True):
    """Create the demo areas, agencies, users and cases. Call only on an empty database."""
    areas = [Area(**spec) for spec in DEMO_AREAS]
    db.session.add_all(areas)
    first_area_agencies = {}
    for area in areas:
        for kind, pattern in DEMO_AGENCIES:
            agency = Agency(name=pattern.format(area=area.name), kind=kind, areas=[area])
            db.session.add(agency)
            if area is areas[0]:
                first_area_agencies[kind] = agency
    for email, name, roles, agency_kind in DEMO_USERS:
        # The coordinator, the chair (who chairs a meeting in each) and the steering group cover
        # both areas; everyone else the first.
        user_areas = areas if {Role.COORDINATOR, Role.CHAIR, Role.STEERING} & set(roles) else areas[:1]
        accounts.create_user(
            email=email,
            name=name,
            password=password,
            agency=first_area_agencies[agency_kind],
            roles=roles,
            areas=user_areas,
        )
    db.session.commit()
    if with_cases:
        demo_cases.seed_cases(areas)
        demo_cases.seed_meetings(areas)
        demo_caseload.seed_caseload(areas)
        demo_cases.complete_the_lists(areas[0])
        db.session.commit()
        demo_cases.seed_victim_views(areas)
