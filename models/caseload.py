"""IDVA caseload: which IDVA supports which case and when, and the work of that support:
contacts, safety plans, needs, onward referrals, tasks, closure and outcomes."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, Versioned, db, pointer_index
from models.clock import utcnow
from models.labels import LabelledEnum
from models.users import User


class ClosureReason(LabelledEnum):
    RISK_REDUCED = "risk_reduced", "Risk reduced"
    DISENGAGED = "disengaged", "Victim disengaged"
    MOVED_AREA = "moved_area", "Moved area"
    OTHER = "other", "Other"


CLOSURE_REASON_LABELS = ClosureReason.labels()

# The victim's own answers at intake and at exit, on five-point scales.
FEELS_SAFE_LABELS = {1: "Very unsafe", 2: "Unsafe", 3: "Neither safe nor unsafe", 4: "Safe", 5: "Very safe"}
QUALITY_OF_LIFE_LABELS = {1: "Very poor", 2: "Poor", 3: "Neither good nor poor", 4: "Good", 5: "Very good"}
SATISFACTION_LABELS = {
    5: "Very satisfied",
    4: "Satisfied",
    3: "Neither satisfied nor dissatisfied",
    2: "Dissatisfied",
    1: "Very dissatisfied",
}


class Support(Versioned, db.Model):
    """One period of IDVA support for a case, from allocation to closure.

    A case reopened when the victim comes back gets a new Support (`reopens_id` names the one
    before), so that every earlier period, its contacts and its outcomes are kept. The targets
    are fixed when the support starts (`triage_due_at`, `first_contact_due_on`) so that reports
    compare plain columns. Intake and exit answers sit side by side: outcomes are matched.
    """

    __tablename__ = "idva_supports"
    __table_args__ = (
        sa.Index("ix_idva_supports_case_closed", "case_id", "closed_at"),
        # Reports count supports received, and closed, within a period.
        sa.Index("ix_idva_supports_received_at", "received_at"),
        sa.Index("ix_idva_supports_closed_at", "closed_at"),
        pointer_index("idva_supports", "referral_id"),
        pointer_index("idva_supports", "reopens_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"))
    reopens_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idva_supports.id"))
    # When the IDVA service received the referral, and when the case was allocated (triage).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    triage_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_contact_due_on: Mapped[date]
    first_attempt_on: Mapped[date | None]
    first_contact_on: Mapped[date | None]
    next_contact_on: Mapped[date | None]
    # The risk review due date the IDVA was last reminded of (one reminder per due date).
    review_reminded_for: Mapped[date | None]
    # Intake: the baseline the exit answers are matched with.
    intake_risk_level: Mapped[str | None] = mapped_column(sa.String(10))
    intake_abuse_ongoing: Mapped[bool | None]
    intake_feels_safe: Mapped[int | None]
    intake_quality_of_life: Mapped[int | None]
    intake_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Closure.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closure_reason: Mapped[str | None] = mapped_column(sa.String(20))
    closure_note: Mapped[str | None] = mapped_column(sa.Text)
    exit_risk_level: Mapped[str | None] = mapped_column(sa.String(10))
    exit_abuse_ongoing: Mapped[bool | None]
    exit_feels_safe: Mapped[int | None]
    exit_quality_of_life: Mapped[int | None]
    satisfaction: Mapped[int | None]  # 1 (very dissatisfied) to 5 (very satisfied), if given
    # Outcomes at closure, matched with intake (None: not known at one end or the other).
    abuse_stopped: Mapped[bool | None]
    risk_reduced: Mapped[bool | None]
    feels_safer: Mapped[bool | None]
    quality_of_life_improved: Mapped[bool | None]

    @property
    def closure_reason_label(self):
        return CLOSURE_REASON_LABELS.get(self.closure_reason, self.closure_reason)

    def __repr__(self):
        return f"<Support {self.id} case {self.case_id}>"


class Allocation(db.Model):
    __tablename__ = "allocations"
    __table_args__ = (sa.Index("ix_allocations_idva_open", "idva_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    idva_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    allocated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The support this allocation is part of (a reallocation keeps the support).
    support_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idva_supports.id"), index=True)

    idva: Mapped[User] = relationship(foreign_keys=[idva_id])


class ContactMethod(LabelledEnum):
    PHONE = "phone", "Phone"
    IN_PERSON = "in_person", "In person"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


CONTACT_METHOD_LABELS = ContactMethod.labels()


class ContactOutcome(LabelledEnum):
    SPOKE = "spoke", "Made contact with the victim"  # spoke, met, or the victim replied
    DECLINED = "declined", "Made contact: the victim declined support for now"
    NO_ANSWER = "no_answer", "No answer"
    MESSAGE_LEFT = "message_left", "Left a safe message"
    NOT_SAFE = "not_safe", "Not safe to talk: ended or rearranged"
    UNREACHABLE = "unreachable", "Number or address not in use"


CONTACT_OUTCOME_LABELS = ContactOutcome.labels()
# Outcomes that count as contact made (the rest are attempts).
MADE_CONTACT = (ContactOutcome.SPOKE, ContactOutcome.DECLINED)


class Contact(db.Model):
    """One attempt to reach the victim, or a contact with them."""

    __tablename__ = "idva_contacts"
    __table_args__ = (
        sa.Index("ix_idva_contacts_support_at", "support_id", "contacted_at"),
        sa.Index("ix_idva_contacts_case_at", "case_id", "contacted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    support_id: Mapped[int] = mapped_column(sa.ForeignKey("idva_supports.id", ondelete="CASCADE"))
    idva_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(sa.String(20))
    outcome: Mapped[str] = mapped_column(sa.String(20))
    is_contact: Mapped[bool] = mapped_column(default=False)  # MADE_CONTACT, kept for plain queries
    was_safe: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def method_label(self):
        return ContactMethod(self.method).label

    @property
    def outcome_label(self):
        return ContactOutcome(self.outcome).label


SAFETY_PLAN_AREAS = {
    "home_security": "Home security",
    "emergency_plan": "Emergency plan",
    "legal_protection": "Legal protection",
    "housing": "Housing",
    "children": "Children",
    "online_safety": "Online safety",
}

LEGAL_ORDERS = {
    "non_molestation": "Non-molestation order",
    "occupation": "Occupation order",
    "dvpo": "Domestic violence protection notice or order (DVPN, DVPO)",
    "dapo": "Domestic abuse protection notice or order (DAPN, DAPO)",
    "restraining": "Restraining order",
    "bail_conditions": "Bail conditions",
}


class SafetyPlan(db.Model):
    """A case's safety plan. Each save adds a row with the next version: the newest is the plan,
    the older ones its history. The unique (case, version) stops two saves of the same version."""

    __tablename__ = "safety_plans"
    __table_args__ = (sa.UniqueConstraint("case_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(default=1)
    review_on: Mapped[date]
    home_security: Mapped[str | None] = mapped_column(sa.Text)
    emergency_plan: Mapped[str | None] = mapped_column(sa.Text)
    legal_protection: Mapped[str | None] = mapped_column(sa.Text)
    legal_orders: Mapped[list] = mapped_column(sa.JSON, default=list)
    housing: Mapped[str | None] = mapped_column(sa.Text)
    children: Mapped[str | None] = mapped_column(sa.Text)
    online_safety: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


# The eight categories of need used across victim services.
NEED_CATEGORIES = {
    "health": "Mental, physical and emotional health",
    "accommodation": "Shelter and accommodation",
    "family": "Family, friends and children",
    "education_employment": "Education, skills and employment",
    "drugs_alcohol": "Drugs and alcohol",
    "finance": "Finance and benefits",
    "outlook": "Outlook and attitudes",
    "social": "Social interaction",
}
NEED_LEVELS = {"none": "None", "low": "Low", "medium": "Medium", "high": "High"}


class NeedStage(StrEnum):
    INTAKE = "intake"
    EXIT = "exit"


class Need(db.Model):
    """The level of one category of need at intake or at exit of a support."""

    __tablename__ = "idva_needs"
    __table_args__ = (sa.UniqueConstraint("support_id", "stage", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    support_id: Mapped[int] = mapped_column(sa.ForeignKey("idva_supports.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(sa.String(10))
    category: Mapped[str] = mapped_column(sa.String(30))
    level: Mapped[str] = mapped_column(sa.String(10))


ONWARD_SERVICES = {
    "refuge": "Refuge or other safe accommodation",
    "housing": "Housing: homelessness or sanctuary scheme",
    "legal": "Legal advice: family law and protective orders",
    "counselling": "Counselling or therapy",
    "mental_health": "Mental health services",
    "substance_misuse": "Drug and alcohol services",
    "finance": "Money, debt and benefits advice",
    "children": "Support for children",
    "sexual_violence": "Sexual violence support (ISVA)",
    "recovery": "Recovery or peer-support group",
    "restorative_justice": "Restorative justice",
    "other": "Other",
}
RESTORATIVE_JUSTICE = "restorative_justice"


class OnwardReferral(db.Model):
    """A referral the IDVA made to another service. Restorative justice only when the victim
    asked for it and it was judged safe (both recorded)."""

    __tablename__ = "onward_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    support_id: Mapped[int] = mapped_column(sa.ForeignKey("idva_supports.id", ondelete="CASCADE"), index=True)
    service: Mapped[str] = mapped_column(sa.String(30))
    referred_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(sa.Text)
    victim_asked: Mapped[bool] = mapped_column(default=False)
    judged_safe: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def service_label(self):
        return ONWARD_SERVICES.get(self.service, self.service)


class TaskKind(StrEnum):
    MARAC_FEEDBACK = "marac_feedback"


class IdvaTask(db.Model):
    """Something an IDVA must do for a case by a date (feedback to the victim after MARAC).

    Titles name records, never a person. One feedback task per case and meeting."""

    __tablename__ = "idva_tasks"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "kind", "meeting_id"),
        sa.Index("ix_idva_tasks_case_done", "case_id", "done_at"),
        pointer_index("idva_tasks", "support_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    support_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idva_supports.id", ondelete="SET NULL"))
    idva_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    due_on: Mapped[date]
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
