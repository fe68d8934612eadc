"""IDVA caseload: which IDVA supports which case, and when."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.users import User


class Allocation(db.Model):
    __tablename__ = "allocations"
    __table_args__ = (sa.Index("ix_allocations_idva_open", "idva_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    idva_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    allocated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    idva: Mapped[User] = relationship(foreign_keys=[idva_id])
