"""Figures for the manager view and reports, aggregates computed in SQL: first contact against
its target, and outcomes at closure."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models import Case, Support, db
from models.caseload import CLOSURE_REASON_LABELS, SATISFACTION_LABELS
from models.clock import day_start, uk_today


@dataclass(frozen=True)
class FirstContactFigures:
    received: int  # supports whose referral came in during the period
    triaged_within_target: int  # allocated within IDVA_TRIAGE_HOURS of the referral
    judged: int  # of those, whose first-contact due date has passed or who have been contacted
    within_target: int  # first contact made by the due date (working days)
    late: int  # first contact made after the due date
    missed: int  # no contact yet and the due date has passed
    attempted_within_target: int  # a first attempt (or contact) by the due date

    @property
    def share(self):
        """Share of first contacts within target, of those that can be judged (None if none)."""
        return self.within_target / self.judged if self.judged else None

    @property
    def triage_share(self):
        return self.triaged_within_target / self.received if self.received else None


def _period(start, end):
    return day_start(start), day_start(end + timedelta(days=1))


def _in_areas(area_ids, within):
    """Supports of cases in these areas, and within `within` (a WHERE clause on Support, such as
    access.exact_caseload_supports: an IDVA manager's own service's), if given."""
    clause = Case.area_id.in_(list(area_ids))
    return clause if within is None else sa.and_(clause, within)


def first_contact_conditions(today):
    """What each count of FirstContactFigures after `received` counts, in its order."""
    judged = sa.or_(Support.first_contact_on.is_not(None), Support.first_contact_due_on < today)
    return [
        Support.opened_at <= Support.triage_due_at,
        judged,
        Support.first_contact_on <= Support.first_contact_due_on,
        Support.first_contact_on > Support.first_contact_due_on,
        sa.and_(Support.first_contact_on.is_(None), Support.first_contact_due_on < today),
        Support.first_attempt_on <= Support.first_contact_due_on,
    ]


def first_contact_performance(area_ids, *, start, end, today=None, within=None):
    """First-contact performance for supports whose referral came in between `start` and `end`
    (UK dates, inclusive) in `area_ids` (and `within`). Returns FirstContactFigures."""
    today = today or uk_today()
    since, until = _period(start, end)
    row = db.session.execute(
        sa.select(
            sa.func.count(Support.id),
            *(sa.func.count(sa.case((condition, 1))) for condition in first_contact_conditions(today)),
        )
        .join(Case, Case.id == Support.case_id)
        .where(_in_areas(area_ids, within), Support.received_at >= since, Support.received_at < until)
    ).one()
    return FirstContactFigures(*(value or 0 for value in row))


@dataclass(frozen=True)
class OutcomeFigures:
    closed: int
    by_reason: dict  # {reason: count}, every reason listed
    # Each outcome: (achieved, measured: both intake and exit known).
    abuse_stopped: tuple
    risk_reduced: tuple
    feels_safer: tuple
    quality_of_life_improved: tuple
    satisfaction: dict  # {1..5: count}, only where the victim gave it
    reopened: int  # of these closures, cases reopened since

    @property
    def satisfaction_given(self):
        return sum(self.satisfaction.values())


OUTCOMES = {
    "abuse_stopped": "Abuse stopped",
    "risk_reduced": "Risk reduced",
    "feels_safer": "Feels safer",
    "quality_of_life_improved": "Quality of life improved",
}


def reopened():
    """A support whose case was reopened after it (a later support names it)."""
    later = aliased(Support)
    return sa.exists().where(later.reopens_id == Support.id)


def outcomes_at_closure(area_ids, *, start, end, within=None):
    """Outcomes of the supports closed between `start` and `end` (UK dates, inclusive) in
    `area_ids` (and `within`): reasons, each outcome achieved of those measured, satisfaction.
    OutcomeFigures."""
    since, until = _period(start, end)
    in_period = sa.and_(_in_areas(area_ids, within), Support.closed_at >= since, Support.closed_at < until)
    columns = [sa.func.count(Support.id)]
    for name in OUTCOMES:
        column = getattr(Support, name)
        columns += [sa.func.count(sa.case((column.is_(True), 1))), sa.func.count(column)]
    columns.append(sa.func.count(sa.case((reopened(), 1))))
    totals = db.session.execute(sa.select(*columns).join(Case, Case.id == Support.case_id).where(in_period)).one()
    reasons = dict(
        db.session.execute(
            sa.select(Support.closure_reason, sa.func.count(Support.id))
            .join(Case, Case.id == Support.case_id)
            .where(in_period)
            .group_by(Support.closure_reason)
        ).all()
    )
    satisfaction = dict(
        db.session.execute(
            sa.select(Support.satisfaction, sa.func.count(Support.id))
            .join(Case, Case.id == Support.case_id)
            .where(in_period, Support.satisfaction.is_not(None))
            .group_by(Support.satisfaction)
        ).all()
    )
    values = [value or 0 for value in totals]
    pairs = {name: (values[1 + 2 * index], values[2 + 2 * index]) for index, name in enumerate(OUTCOMES)}
    return OutcomeFigures(
        closed=values[0],
        by_reason={reason: reasons.get(reason, 0) for reason in CLOSURE_REASON_LABELS},
        satisfaction={score: satisfaction.get(score, 0) for score in SATISFACTION_LABELS},
        reopened=values[-1],
        **pairs,
    )
