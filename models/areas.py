"""MARAC areas and the agencies that take part in them."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, Versioned, db
from models.clock import utcnow
from models.labels import LabelledEnum


class MeetingCadence(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


class AgencyKind(LabelledEnum):
    POLICE = "police", "Police"
    IDVA_SERVICE = "idva_service", "IDVA service"
    HEALTH = "health", "Health"
    HOUSING = "housing", "Housing"
    CHILDREN_SOCIAL_CARE = "children_social_care", "Children's social care"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    PROBATION = "probation", "Probation"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SUBSTANCE_MISUSE = "substance_misuse", "Drug and alcohol services"
    EDUCATION = "education", "Education"
    SPECIALIST = "specialist", "Specialist domestic abuse service"
    OTHER = "other", "Other"


AGENCY_KIND_LABELS = AgencyKind.labels()

agency_areas = sa.Table(
    "agency_areas",
    db.metadata,
    sa.Column("agency_id", sa.ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("area_id", sa.ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)


class Area(Versioned, db.Model):
    """One MARAC: its meetings, cases and local settings (defaults from SafeLives guidance)."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # Adult (16+) female population, for cases per 10,000 adult women.
    adult_female_population: Mapped[int | None]
    meeting_cadence: Mapped[str] = mapped_column(sa.String(20), default=MeetingCadence.FORTNIGHTLY)
    dash_high_threshold: Mapped[int] = mapped_column(default=14)
    dash_medium_threshold: Mapped[int] = mapped_column(default=10)
    escalation_incident_count: Mapped[int] = mapped_column(default=3)
    escalation_window_months: Mapped[int] = mapped_column(default=12)
    # Active IDVA cases per full-time IDVA (SafeLives: 60–80; 60–70 "safe").
    idva_capacity_per_fte: Mapped[int] = mapped_column(default=70, server_default="70")
    # The area's population shares (percent) for the equality report, where the admin knows them.
    pct_racially_minoritised: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    pct_lgbt: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    pct_disabled: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    pct_male: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    pct_aged_16_17: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agencies: Mapped[list["Agency"]] = relationship(
        secondary=agency_areas, back_populates="areas", order_by="Agency.name"
    )

    def __repr__(self):
        return f"<Area {self.id}>"


class Agency(Versioned, db.Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    areas: Mapped[list[Area]] = relationship(secondary=agency_areas, back_populates="agencies", order_by=Area.name)

    @property
    def kind_label(self):
        return AgencyKind(self.kind).label

    def __repr__(self):
        return f"<Agency {self.id} {self.kind}>"
