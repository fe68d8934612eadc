"""Saved searches: what a user searched for, kept on the server for a short time so that the
results page can be returned to (back, the next page) with only an opaque id in its address."""

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db
from models.clock import utcnow

SEARCH_TERMS_MAX = 200


def new_search_id():
    return secrets.token_urlsafe(16)


class SavedSearch(db.Model):
    """The terms are personal data (a name, a date of birth): only their owner may run them again,
    and the scheduler removes them once they expire (services/search.purge_job)."""

    __tablename__ = "saved_searches"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_search_id)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    terms: Mapped[str] = mapped_column(sa.String(SEARCH_TERMS_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
