"""Partner systems: API tokens, and the idempotency keys that make a retried POST safe."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db
from models.clock import utcnow
from models.users import User


class ApiScope:
    """What a token may be used for. A token has one or more; the user's roles still apply."""

    REFERRALS_WRITE = "referrals:write"
    REFERRALS_READ = "referrals:read"
    ACTIONS_READ = "actions:read"
    ACTIONS_WRITE = "actions:write"
    MEETINGS_READ = "meetings:read"
    STATS_READ = "stats:read"

    ALL = (REFERRALS_WRITE, REFERRALS_READ, ACTIONS_READ, ACTIONS_WRITE, MEETINGS_READ, STATS_READ)


API_SCOPE_LABELS = {
    ApiScope.REFERRALS_WRITE: "Make referrals",
    ApiScope.REFERRALS_READ: "Read your agency's referrals",
    ApiScope.ACTIONS_READ: "Read your agency's actions",
    ApiScope.ACTIONS_WRITE: "Update the status of your agency's actions",
    ApiScope.MEETINGS_READ: "Read the published case lists of meetings your agency attends",
    ApiScope.STATS_READ: "Read quarterly figures for your areas (no personal data)",
}


class ApiToken(db.Model):
    """One bearer token of one user. Only the SHA-256 of the token is kept: it is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))  # what it is for, in the user's words
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))  # the first characters, to tell tokens apart
    scopes: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(40))

    user: Mapped[User] = relationship()

    def __repr__(self):
        return f"<ApiToken {self.id}>"


class IdempotencyKey(db.Model):
    """The response to a POST made with an Idempotency-Key, kept for a day per token, so that a
    retried request gets the same answer instead of making a second record."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(255))
    # SHA-256 of the method, path and body: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    response: Mapped[dict] = mapped_column(sa.JSON)
    location: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self):
        return f"<IdempotencyKey {self.id}>"
