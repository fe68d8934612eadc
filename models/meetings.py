"""MARAC meetings: the case list (agenda), research requests, attendance and minutes."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.areas import Agency, Area
from models.base import UTCDateTime, Versioned, db
from models.cases import Case
from models.clock import utcnow
from models.labels import LabelledEnum
from models.users import User


class MeetingStatus(LabelledEnum):
    PLANNED = "planned", "Planned"
    LIST_PUBLISHED = "list_published", "Case list published"
    HELD = "held", "Held"
    MINUTES_APPROVED = "minutes_approved", "Minutes approved"
    MINUTES_SENT = "minutes_sent", "Minutes sent"


class AgendaSection(LabelledEnum):
    """The recommended order of a MARAC agenda (SafeLives), after introductions."""

    INCOMPLETE_ACTIONS = "incomplete_actions", "Incomplete actions from the last meeting"
    CHILDREN = "children", "New cases with children"
    ADULTS = "adults", "New cases, adults only"
    TWELVE_MONTHS = "twelve_months", "Cases where 12 months have passed since the last MARAC"
    OTHER = "other", "Any other business"


AGENDA_SECTION_LABELS = AgendaSection.labels()
AGENDA_ORDER = list(AgendaSection)
# The most minutes a case may be planned to take at a meeting.
MAX_PLANNED_MINUTES = 120

meeting_agencies = sa.Table(
    "meeting_agencies",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agencies.id"), primary_key=True),
)


class Meeting(Versioned, db.Model):
    __tablename__ = "meetings"
    __table_args__ = (sa.Index("ix_meetings_area_starts", "area_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    length_minutes: Mapped[int] = mapped_column(default=180)
    venue: Mapped[str | None] = mapped_column(sa.String(200))
    online_link: Mapped[str | None] = mapped_column(sa.String(500))
    chair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    referral_cut_off: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(20), default=MeetingStatus.PLANNED)
    list_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    minutes_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship()
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])
    invited_agencies: Mapped[list[Agency]] = relationship(secondary=meeting_agencies, order_by=Agency.name)

    @property
    def status_label(self):
        return MeetingStatus(self.status).label

    def invites(self, agency_id):
        return agency_id in {agency.id for agency in self.invited_agencies}

    def __repr__(self):
        return f"<Meeting {self.id} {self.status}>"


class AgendaItem(Versioned, db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"), index=True)
    section: Mapped[str] = mapped_column(sa.String(30))
    position: Mapped[int]
    planned_minutes: Mapped[int] = mapped_column(default=10)
    # A coordinator's move or addition is kept when the list is rebuilt.
    is_placed_by_hand: Mapped[bool] = mapped_column(default=False)
    added_reason: Mapped[str | None] = mapped_column(sa.Text)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_reason: Mapped[str | None] = mapped_column(sa.Text)
    discussion: Mapped[str | None] = mapped_column(sa.Text)
    risk_after: Mapped[str | None] = mapped_column(sa.String(10))
    discussed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()

    @property
    def section_label(self):
        return AgendaSection(self.section).label


class ResearchStatus(LabelledEnum):
    REQUESTED = "requested", "Not answered"
    NOTHING_KNOWN = "nothing_known", "Nothing known"
    SUBMITTED = "submitted", "Submitted"


class ResearchRequest(Versioned, db.Model):
    """What one agency knows of one listed case, searched from its own records."""

    __tablename__ = "research_requests"
    __table_args__ = (sa.UniqueConstraint("agenda_item_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=ResearchStatus.REQUESTED)
    facts: Mapped[str | None] = mapped_column(sa.Text)
    opinion: Mapped[str | None] = mapped_column(sa.Text)  # risk or opinion, kept apart from facts
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship()

    @property
    def status_label(self):
        return ResearchStatus(self.status).label


class Attendance(db.Model):
    __tablename__ = "attendances"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    person_name: Mapped[str | None] = mapped_column(sa.String(120))
    is_present: Mapped[bool] = mapped_column(default=False)
    has_signed_confidentiality: Mapped[bool] = mapped_column(default=False)

    agency: Mapped[Agency] = relationship()


class Reminder(db.Model):
    """Something the scheduler must send at a time (research due, list to publish, action due)."""

    __tablename__ = "reminders"
    __table_args__ = (sa.Index("ix_reminders_due_unsent", "sent_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MinutesVersion(db.Model):
    """A version of a meeting's minutes beyond the first sent: a correction, started with what
    was wrong, approved by the chair and sent again. The newest version's text is the meeting's
    own (its agenda items); an earlier one's is kept in its MinutesEntry rows when the next
    correction starts. Version 1 is written when the first correction starts, from the meeting's
    approval and sending."""

    __tablename__ = "minutes_versions"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    reason: Mapped[str | None] = mapped_column(sa.Text)  # what was wrong; none for version 1
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class MinutesEntry(db.Model):
    """What one superseded version of the minutes said of one case."""

    __tablename__ = "minutes_entries"
    __table_args__ = (sa.UniqueConstraint("version_id", "agenda_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("minutes_versions.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    discussion: Mapped[str | None] = mapped_column(sa.Text)
    risk_after: Mapped[str | None] = mapped_column(sa.String(10))


class MeetingDraft(db.Model):
    """The discussion notes a person is typing in meeting mode, saved by the page as they type (and
    as they leave it), until they save the notes themselves: given back when they return, so a
    closed tab or a lost connection loses nothing. One a person for each case on a list."""

    __tablename__ = "meeting_drafts"
    __table_args__ = (sa.UniqueConstraint("agenda_item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    discussion: Mapped[str] = mapped_column(sa.Text)
    # The version of the notes the draft was typed over: restored over a newer save, it says so.
    item_version: Mapped[int]
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
