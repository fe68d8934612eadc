"""The figures of the reports dashboard from summary tables (models/rollups.py), kept up to date by
the scheduler, instead of scanning every referral, action and support of every area on each view.

- `refresh(now)` every 10 minutes: the rows of the current periods (this month's referrals, this
  quarter's actions, the supports received or closed in the last 14 days);
- `rebuild(now)` every night: every row the dashboard reads (12 months of referrals, 4 quarters
  of actions, 3 months of supports), which also brings in what changed in older periods since (a
  referral dated back, a late first contact, a case reopened).

The counts are made by the same queries as the live figures (stats.referrals_per_month,
actions.completion_by_agency, caseload.figures), grouped by area and period; tests/unit/
test_rollups.py computes every figure both ways on the same data. Until a first build, and for
what the tables do not cover, the dashboard computes its figures live.
"""

from collections import Counter
from dataclasses import fields
from datetime import timedelta

import sqlalchemy as sa

from marac.services import actions, stats
from marac.services.caseload.figures import (
    OUTCOMES,
    FirstContactFigures,
    OutcomeFigures,
    first_contact_conditions,
    reopened,
)
from models import Case, Support, db
from models.caseload import CLOSURE_REASON_LABELS, SATISFACTION_LABELS
from models.clock import day_start, last_quarters, months_ago, uk_date, uk_today
from models.rollups import ClosuresDay, CompletionQuarter, ReferralsMonth, RollupState, SupportsDay

STATE = "figures"
REFERRAL_MONTHS = 12  # the dashboard's months, before the current one
COMPLETION_QUARTERS = 4
SUPPORT_MONTHS = 3
# pg_advisory_xact_lock key of a build ("MARAC" + "rollup", arbitrary but fixed).
BUILD_LOCK_KEY = 7277_2782_7655
RECENT_SUPPORT_DAYS = 14  # what `refresh` rebuilds of the supports
FIRST_CONTACT_COUNTS = tuple(field.name for field in fields(FirstContactFigures))  # "received" first
OUTCOME_COUNTS = tuple(column for name in OUTCOMES for column in (name, f"{name}_measured"))
DAY_COUNTS = (*FIRST_CONTACT_COUNTS, "closed", *OUTCOME_COUNTS, "reopened")


# -- Building -------------------------------------------------------------------------------


def refresh(now):
    """The scheduler's job every 10 minutes: the current periods' rows; all of them when the
    nightly build has not run since yesterday (a new installation, a scheduler that was stopped)."""
    today = uk_date(now)
    if fresh(today) is None:
        return rebuild(now)
    since = today - timedelta(days=RECENT_SUPPORT_DAYS)
    return _build(now, today, referrals_from=today.replace(day=1), quarters=1, supports_from=since)


def rebuild(now):
    """The nightly job: every row the dashboard reads."""
    today = uk_date(now)
    return _build(
        now,
        today,
        referrals_from=months_ago(REFERRAL_MONTHS, today).replace(day=1),
        quarters=COMPLETION_QUARTERS,
        supports_from=months_ago(SUPPORT_MONTHS, today),
    )


def _build(now, today, *, referrals_from, quarters, supports_from):
    """The rows from these periods on, made again (in the job's transaction: a page reads the old
    rows or the new ones, never a mix). One build at a time: two schedulers may run the refresh
    and the nightly build at once (SQLite has one writer at a time anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(BUILD_LOCK_KEY)))
    months = stats.referrals_per_month(None, today=today, by_area=True, first=referrals_from)
    db.session.execute(sa.delete(ReferralsMonth).where(_month_key(ReferralsMonth) >= _month_number(referrals_from)))
    _insert(
        ReferralsMonth,
        [dict(zip(("area_id", "year", "month", "referrals", "repeats"), row, strict=True)) for row in months],
    )

    first = _quarter_number(*last_quarters(quarters, today)[0])
    completion = actions.completion_by_agency(sa.true(), quarters=quarters, today=today, by_area=True)
    db.session.execute(sa.delete(CompletionQuarter).where(_quarter_key(CompletionQuarter) >= first))
    columns = ("area_id", "agency_id", "year", "quarter", "completed", "counted")
    _insert(CompletionQuarter, [dict(zip(columns, row, strict=True)) for row in completion])

    days, closures = _support_days(supports_from, today)
    db.session.execute(sa.delete(SupportsDay).where(SupportsDay.day >= supports_from))
    db.session.execute(sa.delete(ClosuresDay).where(ClosuresDay.day >= supports_from))
    _insert(SupportsDay, list(days.values()))
    _insert(
        ClosuresDay,
        [
            dict(zip(("area_id", "day", "closure_reason", "satisfaction"), key, strict=True), closed=count)
            for key, count in closures.items()
        ],
    )

    state = db.session.get(RollupState, STATE) or RollupState(name=STATE)
    state.built_at, state.built_for = now, today
    db.session.add(state)
    return {"referral_months": len(months), "completion_rows": len(completion), "support_days": len(days)}


def _insert(model, rows):
    if rows:
        db.session.execute(sa.insert(model), rows)


def _month_number(day):
    return day.year * 12 + day.month


def _month_key(model):
    return model.year * 12 + model.month


def _quarter_number(year, quarter):
    return year * 4 + quarter


def _quarter_key(model):
    return model.year * 4 + model.quarter


def _support_days(since, today):
    """({(area id, day): counts}, {(area id, day, closure reason, satisfaction): closed}) of the
    supports received or closed from `since` to today, by UK day (bucketed here: SQLite has no
    time zones)."""
    days = {}

    def counts_of(area_id, moment):
        key = (area_id, uk_date(moment))
        if key not in days:
            days[key] = dict.fromkeys(DAY_COUNTS, 0) | {"area_id": area_id, "day": key[1]}
        return days[key]

    start = day_start(since)
    received = db.session.execute(
        sa.select(
            Case.area_id,
            Support.received_at,
            *(sa.case((condition, 1), else_=0) for condition in first_contact_conditions(today)),
        )
        .join(Case, Case.id == Support.case_id)
        .where(Support.received_at >= start)
    ).all()
    for area_id, moment, *flags in received:
        counts = counts_of(area_id, moment)
        counts["received"] += 1
        for name, flag in zip(FIRST_CONTACT_COUNTS[1:], flags, strict=True):
            counts[name] += flag

    outcome_flags = []
    for name in OUTCOMES:
        column = getattr(Support, name)
        outcome_flags += [sa.case((column.is_(True), 1), else_=0), sa.case((column.is_not(None), 1), else_=0)]
    closed = db.session.execute(
        sa.select(
            Case.area_id,
            Support.closed_at,
            Support.closure_reason,
            Support.satisfaction,
            sa.case((reopened(), 1), else_=0),
            *outcome_flags,
        )
        .join(Case, Case.id == Support.case_id)
        .where(Support.closed_at >= start)
    ).all()
    closures = Counter()
    for area_id, moment, reason, satisfaction, was_reopened, *flags in closed:
        counts = counts_of(area_id, moment)
        counts["closed"] += 1
        counts["reopened"] += was_reopened
        for name, flag in zip(OUTCOME_COUNTS, flags, strict=True):
            counts[name] += flag
        closures[(area_id, counts["day"], reason, satisfaction)] += 1
    return days, closures


# -- Reading --------------------------------------------------------------------------------


def fresh(today=None):
    """The RollupState (its `built_at` is the page's "figures as of") when the tables were built
    today or yesterday (UK), else None: before a first build, or when the scheduler has stopped
    keeping them, a page computes its figures live instead."""
    state = db.session.get(RollupState, STATE)
    if state is None or state.built_for < (today or uk_today()) - timedelta(days=1):
        return None
    return state


def referrals_per_month(area_ids, months=12, today=None):
    """As stats.referrals_per_month, from the summary table."""
    first = stats.month_window(months, today)
    key = [ReferralsMonth.year, ReferralsMonth.month]
    rows = db.session.execute(
        sa.select(*key, sa.func.sum(ReferralsMonth.referrals), sa.func.sum(ReferralsMonth.repeats))
        .where(ReferralsMonth.area_id.in_(list(area_ids)), _month_key(ReferralsMonth) >= _month_number(first))
        .group_by(*key)
        .order_by(*key)
    ).all()
    rows = [(year, month, int(count), int(repeats)) for year, month, count, repeats in rows]
    return stats.every_month(rows, first, months)


def completion_by_agency(area_ids, *, quarters=4, today=None):
    """As actions.completion_by_agency over the areas' actions, from the summary table."""
    first = _quarter_number(*last_quarters(quarters, today)[0])
    key = [CompletionQuarter.agency_id, CompletionQuarter.year, CompletionQuarter.quarter]
    rows = db.session.execute(
        sa.select(*key, sa.func.sum(CompletionQuarter.completed), sa.func.sum(CompletionQuarter.counted))
        .where(CompletionQuarter.area_id.in_(list(area_ids)), _quarter_key(CompletionQuarter) >= first)
        .group_by(*key)
        .order_by(*key)
    ).all()
    return [(agency_id, year, quarter, int(done), int(due)) for agency_id, year, quarter, done, due in rows]


def _day_sums(area_ids, start, end, names):
    row = db.session.execute(
        sa.select(*(sa.func.coalesce(sa.func.sum(getattr(SupportsDay, name)), 0) for name in names)).where(
            SupportsDay.area_id.in_(list(area_ids)), SupportsDay.day >= start, SupportsDay.day <= end
        )
    ).one()
    return dict(zip(names, (int(value) for value in row), strict=True))


def first_contact_performance(area_ids, *, start, end):
    """As caseload.first_contact_performance, from the summary table."""
    return FirstContactFigures(**_day_sums(area_ids, start, end, FIRST_CONTACT_COUNTS))


def outcomes_at_closure(area_ids, *, start, end):
    """As caseload.outcomes_at_closure, from the summary tables."""
    sums = _day_sums(area_ids, start, end, ("closed", *OUTCOME_COUNTS, "reopened"))
    in_period = sa.and_(ClosuresDay.area_id.in_(list(area_ids)), ClosuresDay.day >= start, ClosuresDay.day <= end)

    def closed_by(column):
        return dict(
            db.session.execute(
                sa.select(column, sa.func.sum(ClosuresDay.closed))
                .where(in_period, column.is_not(None))
                .group_by(column)
            ).all()
        )

    reasons, satisfaction = closed_by(ClosuresDay.closure_reason), closed_by(ClosuresDay.satisfaction)
    return OutcomeFigures(
        closed=sums["closed"],
        by_reason={reason: int(reasons.get(reason, 0)) for reason in CLOSURE_REASON_LABELS},
        satisfaction={score: int(satisfaction.get(score, 0)) for score in SATISFACTION_LABELS},
        reopened=sums["reopened"],
        **{name: (sums[name], sums[f"{name}_measured"]) for name in OUTCOMES},
    )
