"""Cases: one victim and the perpetrator(s) who harm them, in one MARAC area."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.areas import Agency, Area
from models.base import UTCDateTime, Versioned, db
from models.clock import uk_today, utcnow
from models.people import Person


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


PERPETRATOR_RELATIONSHIPS = {
    "partner": "Partner",
    "ex_partner": "Ex-partner",
    "parent": "Parent or step-parent",
    "adult_child": "Son or daughter (adult)",
    "sibling": "Brother or sister",
    "other_family": "Other family member",
    "other": "Other",
}

CHILD_TO_VICTIM = {
    "child": "Their child",
    "stepchild": "Stepchild",
    "grandchild": "Grandchild",
    "other": "Other child in the household",
}

CHILD_TO_PERPETRATOR = {
    "child": "Their child",
    "stepchild": "Stepchild",
    "none": "No relation",
    "other": "Other",
}


def case_reference(case_id):
    return f"C{case_id:06d}"


class Case(Versioned, db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    victim_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=CaseStatus.OPEN)
    victim_fears: Mapped[str | None] = mapped_column(sa.Text)
    safe_to_share_with: Mapped[str | None] = mapped_column(sa.Text)
    not_safe_to_share_with: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    area: Mapped[Area] = relationship()
    victim: Mapped[Person] = relationship()
    perpetrators: Mapped[list["CasePerpetrator"]] = relationship(
        cascade="all, delete-orphan", order_by="CasePerpetrator.id", back_populates="case"
    )
    children: Mapped[list["CaseChild"]] = relationship(
        cascade="all, delete-orphan", order_by="CaseChild.id", back_populates="case"
    )

    @property
    def reference(self):
        """The case number used on agendas and action trackers."""
        return case_reference(self.id)

    def __repr__(self):
        return f"<Case {self.id}>"


class CasePerpetrator(db.Model):
    __tablename__ = "case_perpetrators"
    __table_args__ = (sa.UniqueConstraint("case_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    relationship_to_victim: Mapped[str] = mapped_column(sa.String(20))

    case: Mapped[Case] = relationship(back_populates="perpetrators")
    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)

    @property
    def relationship_label(self):
        return PERPETRATOR_RELATIONSHIPS.get(self.relationship_to_victim, self.relationship_to_victim)


class CaseChild(db.Model):
    __tablename__ = "case_children"
    __table_args__ = (sa.UniqueConstraint("case_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    relationship_to_victim: Mapped[str] = mapped_column(sa.String(20))
    relationship_to_perpetrator: Mapped[str] = mapped_column(sa.String(20))
    school: Mapped[str | None] = mapped_column(sa.String(200))

    case: Mapped[Case] = relationship(back_populates="children")
    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class CaseAgency(db.Model):
    """An agency's part in a case (it referred it, holds an action, was asked for research…).

    Agency representatives see a case only through one of these rows.
    """

    __tablename__ = "case_agencies"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), primary_key=True, index=True)
    since: Mapped[date] = mapped_column(default=uk_today)
    reason: Mapped[str] = mapped_column(sa.String(40))

    agency: Mapped[Agency] = relationship()
