"""Accounts, their roles and areas, server-side sessions and the sign-in throttle."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.areas import Agency, Area
from models.base import UTCDateTime, Versioned, db
from models.clock import utcnow
from models.labels import LabelledEnum


class Role(LabelledEnum):
    COORDINATOR = "coordinator", "MARAC coordinator"
    CHAIR = "chair", "MARAC chair"
    IDVA = "idva", "IDVA"
    IDVA_MANAGER = "idva_manager", "IDVA manager"
    AGENCY_REP = "agency_rep", "Agency representative"
    STEERING = "steering", "Steering group"
    ADMIN = "admin", "Administrator"


class NotificationDelivery(LabelledEnum):
    """How a user hears of their notifications beyond the app. Every email is a count and a link,
    never personal data (marac/services/mail.py)."""

    EMAIL = "email", "By email as well, as each happens"
    DIGEST = "digest", "One email a day, saying how many new notifications you have"
    IN_APP = "in_app", "In the app only, no email"


user_areas = sa.Table(
    "user_areas",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("area_id", sa.ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)


class User(Versioned, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Full-time equivalent, for an IDVA's caseload capacity (× the area's cases per FTE).
    fte: Mapped[Decimal] = mapped_column(sa.Numeric(3, 2), default=Decimal("1.00"), server_default="1")
    # Two-factor sign-in (TOTP, RFC 6238): the base32 secret (160 bits or more), when it was set
    # up, and the last time step a code was accepted for, so that no code is accepted twice.
    # The notices that are sent by email go by email unless the user chooses otherwise.
    notification_delivery: Mapped[str] = mapped_column(
        sa.String(10), default=NotificationDelivery.EMAIL, server_default=NotificationDelivery.EMAIL.value
    )
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last daily digest
    mfa_secret: Mapped[str | None] = mapped_column(sa.String(64))
    mfa_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mfa_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    areas: Mapped[list[Area]] = relationship(secondary=user_areas, order_by=Area.name)
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    # Flask-Login reads these three.
    is_authenticated = True
    is_anonymous = False

    def get_id(self):
        return str(self.id)

    @property
    def roles(self):
        return frozenset(Role(row.role) for row in self.role_rows)

    @roles.setter
    def roles(self, roles):
        wanted = {Role(role) for role in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        have = {row.role for row in self.role_rows}
        self.role_rows += [UserRole(role=role) for role in sorted(wanted - have)]

    @property
    def mfa_enrolled(self):
        return self.mfa_secret is not None

    def has_role(self, *roles):
        return not self.roles.isdisjoint(roles)

    @property
    def area_ids(self):
        return {area.id for area in self.areas}

    def __repr__(self):
        return f"<User {self.id}>"


class UserSession(db.Model):
    """One sign-in. The cookie carries a random token; only its SHA-256 is stored here."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    # Half signed in: the password was right, the second factor is still to come. "verify" (enter
    # a code) or "enrol" (set up an authenticator app first); None once fully signed in. Such a
    # session reaches only the two-factor pages (marac/security/gate.py).
    mfa_stage: Mapped[str | None] = mapped_column(sa.String(10))
    # The secret being set up, until the first code from it is accepted.
    mfa_pending_secret: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User] = relationship()

    def __repr__(self):
        return f"<UserSession {self.id}>"


class MfaRecoveryCode(db.Model):
    """A one-time code for signing in without the authenticator app. Only its SHA-256 is kept:
    the codes are random (80 bits), shown once, and each works once."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<MfaRecoveryCode {self.id}>"


class LoginThrottle(db.Model):
    """Failed sign-ins per email address, known or not, so the throttle reveals nothing."""

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    failure_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingForm(db.Model):
    """Answers posted after the poster's session had ended, kept until they sign in again.

    Only the same user can take them back, and they are removed once taken or after a day.
    """

    __tablename__ = "pending_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(500))
    fields: Mapped[list] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UsedFormToken(db.Model):
    """The one-time token of a form that made a record, once sent, and where it led. A second
    send of the same form (a double click, the back button, a retry) makes nothing and goes there
    too. Written in the same transaction as the record; the unique key stops a second send at the
    same moment (marac/security/form_tokens.py)."""

    __tablename__ = "used_form_tokens"
    __table_args__ = (sa.UniqueConstraint("user_id", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(sa.String(64))
    location: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
