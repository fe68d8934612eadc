"""Retention: cases due for a review, the coordinator's decision, and legal holds.

A review row names a record by type and id and keeps no personal data, so it can outlive the
record it was about (it is the note that a case was deleted, and when, and by whom).
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db
from models.clock import utcnow


class RetentionDecision(StrEnum):
    KEEP = "keep"  # kept for longer; reviewed again after keep_until
    ANONYMISED = "anonymised"
    DELETED = "deleted"


class RetentionReview(db.Model):
    __tablename__ = "retention_reviews"
    __table_args__ = (sa.Index("ix_retention_reviews_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[int]
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(sa.String(20))  # None: waiting for a decision
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    keep_until: Mapped[date | None]

    def __repr__(self):
        return f"<RetentionReview {self.id} {self.record_type} {self.record_id}>"


class LegalHold(db.Model):
    """While a hold is in place (not lifted), the record is neither flagged nor anonymised or
    deleted: litigation, an inquiry, a domestic homicide review."""

    __tablename__ = "legal_holds"
    __table_args__ = (sa.Index("ix_legal_holds_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[int]
    # A short reference (a claim number, "DHR"), not personal data.
    reason: Mapped[str] = mapped_column(sa.String(200))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    placed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    def __repr__(self):
        return f"<LegalHold {self.id} {self.record_type} {self.record_id}>"
