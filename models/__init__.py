"""SQLAlchemy models, one module per domain. Importing this package registers them all."""

from models.areas import Agency, AgencyKind, Area, MeetingCadence
from models.audit import AuditEvent
from models.base import db
from models.users import LoginThrottle, PendingForm, Role, User, UserSession

__all__ = [
    "db",
    "Agency",
    "AgencyKind",
    "Area",
    "AuditEvent",
    "LoginThrottle",
    "MeetingCadence",
    "PendingForm",
    "Role",
    "User",
    "UserSession",
]
