"""Repeat MARAC cases (SafeLives): any further incident between the same victim and at least one
of the same perpetrators within 12 months of the date of the last referral to MARAC.

Twelve calendar months, the anniversary included: a referral on 10 March 2025 has a window to
10 March 2026; one on 29 February 2024 to 28 February 2025.
"""

from datetime import date, timedelta

import sqlalchemy as sa

from marac.services import agenda
from models import AgendaItem, Case, CasePerpetrator, Meeting, Referral, ReferralStatus, db

# Referrals that count as "a referral to MARAC": sent and not declined or passed elsewhere.
COUNTED = (ReferralStatus.SUBMITTED, ReferralStatus.MORE_INFORMATION, ReferralStatus.ACCEPTED)


def window_end(referred_on):
    """The last day on which a further referral is a repeat of one made on `referred_on`."""
    try:
        return referred_on.replace(year=referred_on.year + 1)
    except ValueError:  # 29 February: no such day next year
        return date(referred_on.year + 1, 2, 28)


def is_within_window(last_referred_on, new_referred_on):
    return last_referred_on <= new_referred_on <= window_end(last_referred_on)


def last_referral(victim_id, perpetrator_ids, *, on_or_before, exclude_id=None):
    """The latest counted referral, on or before a date, of the same victim with any of the
    perpetrators, in any area."""
    shares_perpetrator = sa.exists().where(
        CasePerpetrator.case_id == Case.id, CasePerpetrator.person_id.in_(list(perpetrator_ids))
    )
    query = (
        sa.select(Referral)
        .join(Case, Case.id == Referral.case_id)
        .where(
            Case.victim_id == victim_id,
            shares_perpetrator,
            Referral.status.in_(COUNTED),
            Referral.referred_on <= on_or_before,
        )
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
        .limit(1)
    )
    if exclude_id is not None:
        query = query.where(Referral.id != exclude_id)
    return db.session.scalar(query)


def find_repeat(victim_id, perpetrator_ids, referred_on, *, exclude_id=None):
    """The earlier referral this one repeats, or None."""
    if not perpetrator_ids:
        return None
    last = last_referral(victim_id, perpetrator_ids, on_or_before=referred_on, exclude_id=exclude_id)
    if last and is_within_window(last.referred_on, referred_on):
        return last
    return None


def later_referrals(victim_id, perpetrator_ids, after, *, exclude_id):
    """The counted referrals of the victim with any of the perpetrators dated after `after`, in
    date order: those whose repeat status a referral recorded out of order may change."""
    if not perpetrator_ids:
        return []
    shares_perpetrator = sa.exists().where(
        CasePerpetrator.case_id == Case.id, CasePerpetrator.person_id.in_(list(perpetrator_ids))
    )
    return db.session.scalars(
        sa.select(Referral)
        .join(Case, Case.id == Referral.case_id)
        .where(
            Case.victim_id == victim_id,
            shares_perpetrator,
            Referral.status.in_(COUNTED),
            Referral.referred_on > after,
            Referral.id != exclude_id,
        )
        .order_by(Referral.referred_on, Referral.id)
    ).all()


def twelve_months_passed(area_id, today, since):
    """Cases of an area heard at MARAC (discussed at a held meeting) whose last referral's 12 months
    ended on or after `since` and before `today`, for the agenda's closing section: [(case, last
    referral date)], longest ago first. Each such case comes up once: at the first meeting after its 12 months end."""
    last_accepted = (
        sa.select(Referral.case_id, sa.func.max(Referral.referred_on).label("last_on"))
        .where(Referral.area_id == area_id, Referral.status.in_(COUNTED))
        .group_by(Referral.case_id)
        .subquery()
    )
    heard = (
        sa.exists()
        .where(AgendaItem.case_id == Case.id, agenda.discussed_at_held_meeting())
        .where(Meeting.id == AgendaItem.meeting_id)
    )
    # A year is at most 366 days: fetch a superset in SQL, then apply the calendar rule exactly.
    rows = db.session.execute(
        sa.select(Case, last_accepted.c.last_on)
        .join(last_accepted, last_accepted.c.case_id == Case.id)
        .where(
            Case.area_id == area_id,
            heard,
            last_accepted.c.last_on < today - timedelta(days=364),
            last_accepted.c.last_on >= since - timedelta(days=366),
        )
        .order_by(last_accepted.c.last_on)
    ).all()
    return [(case, last_on) for case, last_on in rows if since <= window_end(last_on) < today]


def serial_perpetrator_ids(person_ids):
    """Of these people, those who are the perpetrator in cases with two or more victims."""
    if not person_ids:
        return set()
    rows = db.session.execute(
        sa.select(CasePerpetrator.person_id)
        .join(Case, Case.id == CasePerpetrator.case_id)
        .where(CasePerpetrator.person_id.in_(list(person_ids)))
        .group_by(CasePerpetrator.person_id)
        .having(sa.func.count(sa.distinct(Case.victim_id)) >= 2)
    ).scalars()
    return set(rows)
