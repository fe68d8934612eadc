"""SMART actions agreed at MARAC, owned by one agency each, and their history."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.areas import Agency
from models.base import UTCDateTime, Versioned, db, pointer_index
from models.cases import Case, case_reference
from models.clock import utcnow
from models.labels import LabelledEnum


class ActionStatus(LabelledEnum):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    NOT_POSSIBLE = "not_possible", "Not possible: circumstances changed"
    NOT_DONE = "not_done", "Not done: agency did not act"  # set by the coordinator only


ACTION_STATUS_LABELS = ActionStatus.labels()
OPEN_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)


class ActionTarget(LabelledEnum):
    VICTIM = "victim", "Victim"
    CHILDREN = "children", "Children"
    OTHER_ADULTS = "other_adults", "Other adults at risk"
    PERPETRATOR = "perpetrator", "Perpetrator"


ACTION_TARGET_LABELS = ActionTarget.labels()


class Action(Versioned, db.Model):
    __tablename__ = "actions"
    __table_args__ = (
        sa.Index("ix_actions_agency_status_due", "owner_agency_id", "status", "due_on"),
        # An area's actions by due date, with what the counts and completion figures need.
        sa.Index("ix_actions_area_due", "area_id", "due_on", "status", "owner_agency_id"),
        sa.Index("ix_actions_meeting", "meeting_id"),
        pointer_index("actions", "agenda_item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    # The case's area, kept here so an area's actions are found without visiting each case (a
    # national steering group's figures cover millions). Moves with the case (referrals.transfer).
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"))
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"))
    agenda_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="SET NULL"))
    owner_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    owner_person: Mapped[str | None] = mapped_column(sa.String(120))
    protects: Mapped[str] = mapped_column(sa.String(20))
    what: Mapped[str] = mapped_column(sa.Text)
    how_known: Mapped[str] = mapped_column(sa.Text)
    due_on: Mapped[date]
    due_reason: Mapped[str | None] = mapped_column(sa.Text)  # when more than 3 months away
    status: Mapped[str] = mapped_column(sa.String(20), default=ActionStatus.NOT_STARTED)
    completed_on: Mapped[date | None]
    evidence: Mapped[str | None] = mapped_column(sa.Text)
    status_note: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    owner_agency: Mapped[Agency] = relationship()

    @property
    def status_label(self):
        return ActionStatus(self.status).label

    @property
    def protects_label(self):
        return ActionTarget(self.protects).label

    @property
    def reference(self):
        return f"A{self.id:06d}"

    @property
    def case_reference(self):
        """Its case's number, without loading the case."""
        return case_reference(self.case_id)


class ActionUpdate(db.Model):
    """One change of an action: who, when, from what, to what, and their note."""

    __tablename__ = "action_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.Text)
