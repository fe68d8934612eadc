"""Risk assessments: the SafeLives DASH checklist scored here, or another tool's result recorded."""

from datetime import date, datetime
from enum import StrEnum
from functools import cache

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.areas import Agency
from models.base import UTCDateTime, Versioned, db, pointer_index
from models.clock import utcnow
from models.labels import LabelledEnum

# The SafeLives DASH checklist's 24 topics, in our own short wording (not the form's text).
QUESTIONS = {
    1: "Injured in the current incident",
    2: "Very frightened",
    3: "Afraid of what will happen next (further injury or violence; to whom, children included)",
    4: "Isolated from family or friends",
    5: "Feeling depressed or having suicidal thoughts",
    6: "Separated or tried to separate within the past year",
    7: "Conflict over child contact",
    8: "Constant texts, calls, contact, following, stalking or harassment",
    9: "Pregnant, or had a baby in the last 18 months",
    10: "Abuse happening more often",
    11: "Abuse getting worse",
    12: "Abuser tries to control everything, or is excessively jealous",
    13: "Abuser has used weapons or objects to hurt",
    14: "Abuser has threatened to kill the victim or someone else, and the victim believed it",
    15: "Abuser has attempted to strangle, choke, suffocate or drown the victim",
    16: "Abuser does or says sexual things that make the victim feel bad or that hurt",
    17: "Another person has threatened the victim or the victim is afraid of them",
    18: "Abuser has hurt anyone else (children, siblings, older relatives, strangers)",
    19: "Abuser has mistreated an animal or family pet",
    20: "Financial issues, or victim depends on the abuser financially",
    21: "Abuser has had problems with drugs, alcohol or mental health in the past year",
    22: "Abuser has threatened or attempted suicide",
    23: "Abuser has broken bail, an injunction, a contact arrangement or other agreement",
    24: "Abuser has been in trouble with the police or has a criminal history",
}
FEARS_QUESTION = 3


# The most incidents in the escalation window a referral or assessment may give (web and API alike).
MAX_INCIDENTS = 1000


class Answer(LabelledEnum):
    YES = "yes", "Yes"
    NO = "no", "No"
    DONT_KNOW = "dont_know", "Don't know"


ANSWER_LABELS = Answer.labels()


class RiskLevel(LabelledEnum):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"

    @property
    def rank(self):
        return list(RiskLevel).index(self)


class RiskTool(LabelledEnum):
    DASH = "dash", "SafeLives DASH checklist"  # the 24-question RIC, scored here
    POLICE_DASH = "police_dash", "Police DASH (27 questions)"  # 2009: level, source and rationale
    DARA = "dara", "DARA"  # Domestic Abuse Risk Assessment at police first response


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    COMPLETED = "completed"


class RiskAssessment(Versioned, db.Model):
    __tablename__ = "risk_assessments"
    __table_args__ = (
        sa.Index("ix_risk_assessments_case_status", "case_id", "status", "assessed_on"),
        pointer_index("risk_assessments", "corrects_id"),  # every risk level looks for corrections
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    tool: Mapped[str] = mapped_column(sa.String(20), default=RiskTool.DASH)
    status: Mapped[str] = mapped_column(sa.String(20), default=AssessmentStatus.DRAFT)
    assessed_on: Mapped[date | None]
    assessor_name: Mapped[str | None] = mapped_column(sa.String(120))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    # DASH answers: {"1": {"answer": "yes", "source": "...", "comment": "..."}, ...}
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    fears_detail: Mapped[str | None] = mapped_column(sa.Text)  # question 3, when Yes
    incidents_in_window: Mapped[int | None]  # 0 to MAX_INCIDENTS
    judged_level: Mapped[str | None] = mapped_column(sa.String(10))
    judgement_reasons: Mapped[str | None] = mapped_column(sa.Text)
    # Worked out when completed, with the area's thresholds of the day.
    score: Mapped[int | None]
    level: Mapped[str | None] = mapped_column(sa.String(10))
    criteria: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Another tool's result (police DASH, DARA): its source and rationale.
    source: Mapped[str | None] = mapped_column(sa.String(200))
    rationale: Mapped[str | None] = mapped_column(sa.Text)
    # A newer result below the level it replaced as current (services/assessments.lowering): that
    # level, kept as it was then, and what has changed since (required when it lowers).
    lowered_from: Mapped[str | None] = mapped_column(sa.String(10))
    what_changed: Mapped[str | None] = mapped_column(sa.Text)
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("risk_assessments.id"))
    correction_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency | None] = relationship()

    @property
    def is_completed(self):
        return self.status == AssessmentStatus.COMPLETED

    @property
    def tool_label(self):
        return RiskTool(self.tool).label

    def __repr__(self):
        return f"<RiskAssessment {self.id} {self.status}>"


@cache
def current_assessment():
    """A WHERE clause on RiskAssessment: completed, and not replaced by a completed correction.
    These are the assessments that give a case its risk level. Built once: SQL expressions are
    immutable, and making the alias anew for every query cost more than running it."""
    correction = sa.orm.aliased(RiskAssessment, name="correction")
    replaced = sa.exists().where(
        correction.corrects_id == RiskAssessment.id, correction.status == AssessmentStatus.COMPLETED
    )
    return sa.and_(RiskAssessment.status == AssessmentStatus.COMPLETED, ~replaced)
