"""The audit trail: who did or saw what, when. Never the personal data itself."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(sa.String(64), index=True)
    # Who, as they were at the time: their agency and roles can change later.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    roles: Mapped[str | None] = mapped_column(sa.String(200))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    record_type: Mapped[str | None] = mapped_column(sa.String(40))
    record_id: Mapped[int | None]
    # Ids, counts and field names only.
    detail: Mapped[dict | None] = mapped_column(sa.JSON)

    def __repr__(self):
        return f"<AuditEvent {self.id} {self.event}>"
