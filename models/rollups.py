"""Summary tables for the figures pages (marac/services/rollups.py keeps them): counts per area
and period, so that a dashboard of every area sums a few rows per area instead of scanning every
referral, action and support in the country. Counts only: no personal data, nothing to retain.

Each row holds the exact counts (small numbers are hidden when they are shown, as for the live
figures). `rollup_state` says when they were last built, for the pages' "figures as of".
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db


class ReferralsMonth(db.Model):
    """Referrals sent (not drafts, not declined) to an area, by month of referral."""

    __tablename__ = "rollup_referrals_month"

    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    referrals: Mapped[int]
    repeats: Mapped[int]


class CompletionQuarter(db.Model):
    """Actions of an area's cases owned by an agency, by quarter of their due date: those counted
    (due by the day the row was built, or completed early) and those completed."""

    __tablename__ = "rollup_completion_quarter"

    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    quarter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    completed: Mapped[int]
    counted: Mapped[int]


class SupportsDay(db.Model):
    """An area's IDVA supports by UK day: first contact of those received that day, outcomes of
    those closed that day (services.caseload.figures, summed)."""

    __tablename__ = "rollup_supports_day"

    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    # Received that day (FirstContactFigures).
    received: Mapped[int] = mapped_column(default=0)
    triaged_within_target: Mapped[int] = mapped_column(default=0)
    judged: Mapped[int] = mapped_column(default=0)
    within_target: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0)
    missed: Mapped[int] = mapped_column(default=0)
    attempted_within_target: Mapped[int] = mapped_column(default=0)
    # Closed that day (OutcomeFigures): each outcome achieved, and measured.
    closed: Mapped[int] = mapped_column(default=0)
    abuse_stopped: Mapped[int] = mapped_column(default=0)
    abuse_stopped_measured: Mapped[int] = mapped_column(default=0)
    risk_reduced: Mapped[int] = mapped_column(default=0)
    risk_reduced_measured: Mapped[int] = mapped_column(default=0)
    feels_safer: Mapped[int] = mapped_column(default=0)
    feels_safer_measured: Mapped[int] = mapped_column(default=0)
    quality_of_life_improved: Mapped[int] = mapped_column(default=0)
    quality_of_life_improved_measured: Mapped[int] = mapped_column(default=0)
    reopened: Mapped[int] = mapped_column(default=0)


class ClosuresDay(db.Model):
    """An area's supports closed on a UK day, by closure reason and the victim's satisfaction."""

    __tablename__ = "rollup_closures_day"
    __table_args__ = (sa.Index("ix_rollup_closures_day_area_day", "area_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"))
    day: Mapped[date]
    closure_reason: Mapped[str | None] = mapped_column(sa.String(20))
    satisfaction: Mapped[int | None]
    closed: Mapped[int]


class RollupState(db.Model):
    """When the summary tables were last built (`name` "figures"), and for which UK day."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)
    built_for: Mapped[date]
