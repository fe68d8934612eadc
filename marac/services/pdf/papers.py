"""The plain data the meeting papers are printed from. The app builds these; the PDF functions
read nothing else (no database, no Flask)."""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class PaperHeader:
    area_name: str
    meeting_title: str  # e.g. "MARAC meeting, Thursday 3 December 2026 at 10:00am"
    generated_for: str  # e.g. "Casey Coordinator, Northmoor Community Safety Partnership"
    generated_at: datetime  # timezone-aware; printed in UK time (Europe/London)
    marking: str = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class PersonLine:
    name: str
    date_of_birth: date | None
    address: str | None  # None means withheld (confidential): printed as "Address withheld"
    relationship: str = ""  # e.g. "Partner", "Their child"


@dataclass(frozen=True)
class CaseListItem:
    position: int
    case_reference: str  # e.g. "C000123"
    is_repeat: bool
    risk_level: str | None  # "high" / "medium" / "standard" / None
    referring_agency: str
    planned_minutes: int
    victim: PersonLine
    perpetrators: tuple[PersonLine, ...]
    children: tuple[PersonLine, ...]
    reasons: tuple[str, ...] = ()  # why the case was referred (the referral's criteria)


@dataclass(frozen=True)
class Section:
    title: str  # e.g. "New cases with children"
    items: tuple[CaseListItem, ...]


@dataclass(frozen=True)
class ActionLine:
    case_reference: str
    owner_agency: str
    owner_person: str  # may be ""
    protects: str  # "Victim", "Children", "Other adults at risk", "Perpetrator"
    what: str
    how_known: str
    due: date
    status: str  # label, e.g. "Not started"


@dataclass(frozen=True)
class ResearchLine:
    agency: str
    status: str  # "Nothing known", "Submitted", "Not answered"
    facts: str
    opinion: str


@dataclass(frozen=True)
class VoiceLine:
    """The victim's views as recorded before the meeting (each "" when not recorded)."""

    wants: str
    fears: str
    agrees_to_share: str
    knows_of_referral: str  # label, e.g. "Yes"


@dataclass(frozen=True)
class MinutesItem:
    position: int
    case_reference: str
    victim_name: str
    section: str
    is_repeat: bool
    research: tuple[ResearchLine, ...]
    discussion: str
    risk_after: str | None
    actions: tuple[ActionLine, ...]
    discussed: bool = True  # listed but not discussed: named once, with the others, at the end
    voice: VoiceLine | None = None  # None: the victim's views were not recorded


@dataclass(frozen=True)
class AttendanceLine:
    agency: str
    person: str
    present: bool
