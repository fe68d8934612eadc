"""The victim's voice at the meeting: what the victim wants, fears and agrees may be shared, and
whether they know of the referral, as their IDVA (or the referrer, where there is no IDVA) recorded
it before the meeting. Each recording is kept; the meeting shows the latest."""

import sqlalchemy as sa

from models import VictimView, db

FIELDS = ("wants", "fears", "agrees_to_share", "knows_of_referral")


def latest(case_ids, *, until=None):
    """{case id: the latest view recorded (before `until`, a moment, if given)}, in one query."""
    if not case_ids:
        return {}
    query = sa.select(VictimView).where(VictimView.case_id.in_(list(case_ids)))
    if until is not None:
        query = query.where(VictimView.recorded_at <= until)
    views = {}
    for view in db.session.scalars(query.order_by(VictimView.recorded_at.desc(), VictimView.id.desc())):
        views.setdefault(view.case_id, view)
    return views


def record(case, data, user):
    """A new recording of the victim's views, by `user` for their agency."""
    view = VictimView(
        case_id=case.id,
        recorded_by_id=user.id,
        agency_id=user.agency_id,
        **{field: (data.get(field) or "").strip() or None for field in FIELDS},
    )
    db.session.add(view)
    return view
