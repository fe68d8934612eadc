"""Scheduled work: one row per run of a job, so that a run happens once however many schedulers."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db
from models.clock import utcnow


class JobRun(db.Model):
    """One run of a scheduled job for one due time.

    The unique (job, due_at) pair is the once-only guarantee: a scheduler claims a run by
    inserting its row, and a second scheduler's insert for the same run fails.
    """

    __tablename__ = "job_runs"
    __table_args__ = (sa.UniqueConstraint("job", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(60))
    # The scheduled time the run is for, truncated to the minute (not when it actually ran).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "running" until the job ends, then "done" or "failed".
    outcome: Mapped[str] = mapped_column(sa.String(20), default="running")
    # Counts only (how many rows removed, notifications made): never personal data.
    detail: Mapped[dict | None] = mapped_column(sa.JSON)
    host: Mapped[str] = mapped_column(sa.String(255))  # hostname:pid of the process that ran it

    def __repr__(self):
        return f"<JobRun {self.id} {self.job} {self.due_at:%Y-%m-%dT%H:%MZ} {self.outcome}>"
