"""MARAC referrals: what any agency sends the coordinator, and what becomes of it."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.areas import Agency, Area
from models.base import UTCDateTime, Versioned, db, pointer_index
from models.cases import Case
from models.clock import utcnow
from models.labels import LabelledEnum


class ReferralStatus(LabelledEnum):
    DRAFT = "draft", "Draft"  # being written; only its author sees it
    SUBMITTED = "submitted", "Waiting for triage"  # the coordinator's triage
    MORE_INFORMATION = "more_information", "More information requested"  # the coordinator asked the referrer
    ACCEPTED = "accepted", "Accepted"  # listed for the next meeting
    DECLINED = "declined", "Declined"
    TRANSFERRED = "transferred", "Transferred to another area"  # sent to the MARAC of the area the victim moved to


# Lawful bases for sharing without consent (UK GDPR and DPA 2018), the ones MARAC protocols name.
LAWFUL_BASES = {
    "vital_interests": "To protect someone's life (vital interests)",
    "public_task": "Public task: safeguarding and crime prevention",
    "legal_obligation": "Legal obligation",
    "substantial_public_interest": "Substantial public interest: safeguarding of individuals at risk",
}


# A repeat the referrer claims that the record does not show (Referral.repeat_claim).
REPEAT_CLAIMED, REPEAT_CONFIRMED, REPEAT_REJECTED = "claimed", "confirmed", "rejected"


class Referral(Versioned, db.Model):
    __tablename__ = "referrals"
    __table_args__ = (
        sa.Index("ix_referrals_case_date", "case_id", "referred_on"),
        sa.Index("ix_referrals_area_status", "area_id", "status"),
        sa.Index("ix_referrals_area_referred", "area_id", "referred_on"),
        pointer_index("referrals", "risk_assessment_id"),
        pointer_index("referrals", "repeat_of_id"),
        pointer_index("referrals", "transferred_from_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default=ReferralStatus.DRAFT)
    referred_on: Mapped[date | None]
    referring_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    referrer_name: Mapped[str] = mapped_column(sa.String(120))
    referrer_contact: Mapped[str | None] = mapped_column(sa.String(200))
    # Until submitted, the people as typed and the DASH answers live here; then in their tables.
    draft: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    criteria: Mapped[list] = mapped_column(sa.JSON, default=list)
    risk_assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("risk_assessments.id"))
    is_victim_aware: Mapped[bool | None]
    has_consent: Mapped[bool | None]
    lawful_basis: Mapped[str | None] = mapped_column(sa.String(40))
    sharing_reason: Mapped[str | None] = mapped_column(sa.Text)
    previous_maracs: Mapped[str | None] = mapped_column(sa.Text)  # in other areas, as the referrer knows
    is_repeat: Mapped[bool] = mapped_column(default=False)
    # "Repeat" ticked and no earlier referral on record: REPEAT_CLAIMED until the coordinator
    # says REPEAT_CONFIRMED (then is_repeat) or REPEAT_REJECTED. None otherwise.
    repeat_claim: Mapped[str | None] = mapped_column(sa.String(12))
    repeat_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"))
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    transferred_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship()
    case: Mapped[Case | None] = relationship()
    referring_agency: Mapped[Agency] = relationship()

    @property
    def reference(self):
        return f"R{self.id:06d}"

    @property
    def status_label(self):
        return ReferralStatus(self.status).label

    def __repr__(self):
        return f"<Referral {self.id} {self.status}>"
