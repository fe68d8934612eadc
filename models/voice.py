"""The victim's voice: what the victim wants from MARAC, what they fear, what they agree may be
shared and whether they know of the referral, as their IDVA (or the referrer, where there is no
IDVA) recorded it before the meeting. Each recording is kept; the meeting reads the latest one
made before it began."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db
from models.clock import utcnow
from models.labels import LabelledEnum


class KnowsOfReferral(LabelledEnum):
    YES = "yes", "Yes"
    NO = "no", "No: it was not safe or possible to tell them"
    NOT_KNOWN = "not_known", "Not known"


class VictimView(db.Model):
    __tablename__ = "victim_views"
    __table_args__ = (sa.Index("ix_victim_views_case_recorded", "case_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    wants: Mapped[str | None] = mapped_column(sa.Text)
    fears: Mapped[str | None] = mapped_column(sa.Text)
    agrees_to_share: Mapped[str | None] = mapped_column(sa.Text)
    knows_of_referral: Mapped[str] = mapped_column(sa.String(10))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def knows_of_referral_label(self):
        return KnowsOfReferral(self.knows_of_referral).label
