"""Notifications: messages in the app for one user."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db
from models.clock import utcnow


class Notification(db.Model):
    """A message in the app. It names records by reference, never a person."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(sa.String(300))
    link: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
