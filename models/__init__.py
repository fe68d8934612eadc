"""SQLAlchemy models, one module per domain. Importing this package registers them all."""

from models.actions import Action, ActionStatus, ActionTarget, ActionUpdate
from models.api import ApiScope, ApiToken, IdempotencyKey
from models.areas import Agency, AgencyKind, Area, MeetingCadence
from models.audit import AuditEvent
from models.base import db
from models.caseload import (
    Allocation,
    Contact,
    ContactMethod,
    ContactOutcome,
    IdvaTask,
    Need,
    NeedStage,
    OnwardReferral,
    SafetyPlan,
    Support,
    TaskKind,
)
from models.cases import Case, CaseAgency, CaseChild, CasePerpetrator, CaseStatus
from models.jobs import JobRun
from models.meetings import (
    AgendaItem,
    AgendaSection,
    Attendance,
    Meeting,
    MeetingDraft,
    MeetingStatus,
    MinutesEntry,
    MinutesVersion,
    Reminder,
    ResearchRequest,
    ResearchStatus,
)
from models.notifications import Notification
from models.people import Person, PersonAlias, PersonMatchKey
from models.referrals import Referral, ReferralStatus
from models.retention import LegalHold, RetentionDecision, RetentionReview
from models.risk import AssessmentStatus, RiskAssessment, RiskTool
from models.rollups import ClosuresDay, CompletionQuarter, ReferralsMonth, RollupState, SupportsDay
from models.search import SavedSearch
from models.users import LoginThrottle, MfaRecoveryCode, PendingForm, Role, UsedFormToken, User, UserSession
from models.voice import KnowsOfReferral, VictimView

__all__ = [
    "db",
    "SavedSearch",
    "Action",
    "ActionStatus",
    "ActionTarget",
    "ActionUpdate",
    "AgendaItem",
    "AgendaSection",
    "Attendance",
    "Meeting",
    "MeetingStatus",
    "MinutesEntry",
    "MinutesVersion",
    "Reminder",
    "ResearchRequest",
    "ResearchStatus",
    "Allocation",
    "Contact",
    "ContactMethod",
    "ContactOutcome",
    "IdvaTask",
    "Need",
    "NeedStage",
    "OnwardReferral",
    "SafetyPlan",
    "Support",
    "TaskKind",
    "AssessmentStatus",
    "Case",
    "CaseAgency",
    "CaseChild",
    "CasePerpetrator",
    "CaseStatus",
    "JobRun",
    "Person",
    "PersonAlias",
    "PersonMatchKey",
    "RiskAssessment",
    "RiskTool",
    "Agency",
    "AgencyKind",
    "Area",
    "AuditEvent",
    "ClosuresDay",
    "CompletionQuarter",
    "ReferralsMonth",
    "RollupState",
    "SupportsDay",
    "LoginThrottle",
    "MeetingCadence",
    "Notification",
    "Referral",
    "ReferralStatus",
    "PendingForm",
    "UsedFormToken",
    "Role",
    "User",
    "UserSession",
    "MfaRecoveryCode",
    "LegalHold",
    "RetentionDecision",
    "RetentionReview",
    "ApiScope",
    "ApiToken",
    "IdempotencyKey",
    "MeetingDraft",
    "KnowsOfReferral",
    "VictimView",
]
