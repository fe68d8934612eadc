"""Areas and agencies: saving them from the admin forms."""

import sqlalchemy as sa

from models import Agency, Area, db

# The area's population shares, for the equality report.
PERCENT_FIELDS = ("pct_racially_minoritised", "pct_lgbt", "pct_disabled", "pct_male", "pct_aged_16_17")
AREA_FIELDS = (
    "name",
    "adult_female_population",
    "meeting_cadence",
    "dash_high_threshold",
    "dash_medium_threshold",
    "escalation_incident_count",
    "escalation_window_months",
    "idva_capacity_per_fte",
    *PERCENT_FIELDS,
    "is_active",
)


def name_taken(model, name, *, exclude_id=None):
    query = sa.select(model.id).where(sa.func.lower(model.name) == name.strip().lower())
    if exclude_id:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None


def save_area(area, data):
    for field in AREA_FIELDS:
        setattr(area, field, data[field])
    area.name = area.name.strip()
    db.session.add(area)
    return area


def save_agency(agency, *, name, kind, area_ids, is_active):
    agency.name = name.strip()
    agency.kind = kind
    agency.is_active = is_active
    agency.areas = list(db.session.scalars(sa.select(Area).where(Area.id.in_(area_ids or []))))
    db.session.add(agency)
    return agency


def area_choices(keep=()):
    """Areas in use, and any in `keep` (ids already chosen) even if retired since."""
    query = sa.select(Area).where(sa.or_(Area.is_active, Area.id.in_(list(keep)))).order_by(Area.name)
    return [(area.id, area.name) for area in db.session.scalars(query)]


def agency_choices(keep=None):
    """Agencies in use, and `keep` (the id already chosen) even if retired since."""
    query = sa.select(Agency).where(sa.or_(Agency.is_active, Agency.id == keep)).order_by(Agency.name)
    return [(agency.id, agency.name) for agency in db.session.scalars(query)]


def user_areas(user, *, retired_too=False):
    """The areas the user works in, by name: those in use, where new work goes (referrals, cases,
    meetings). `retired_too`: with areas since retired, whose figures are still reported."""
    query = sa.select(Area).where(Area.id.in_(user.area_ids)).order_by(Area.name)
    if not retired_too:
        query = query.where(Area.is_active)
    return db.session.scalars(query).all()


def user_area(user, area_id):
    """The area with this id if the user works in it and it is in use, else None."""
    area = db.session.get(Area, area_id) if area_id else None
    return area if area is not None and area.is_active and area.id in user.area_ids else None


def agency_names():
    """{agency id: name}, every agency, retired ones too (old records name them)."""
    return dict(db.session.execute(sa.select(Agency.id, Agency.name)).all())
