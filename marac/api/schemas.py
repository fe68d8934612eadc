"""What the API accepts and returns, as pydantic models.

The request models are what validates each request; the OpenAPI document is generated from
these same models (marac/api/openapi.py), so the description cannot drift from the checks.
Request models are strict (no "1" for 1, no number for a date) and refuse unknown fields.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, field_validator

from forms.common import FIRST_YEAR, LAST_YEAR, typed_text
from models.actions import ActionStatus, ActionTarget
from models.cases import CHILD_TO_PERPETRATOR, CHILD_TO_VICTIM, PERPETRATOR_RELATIONSHIPS
from models.clock import uk_today
from models.meetings import AgendaSection, MeetingStatus
from models.people import ETHNICITIES, NAME_MAX, Gender, YesNoPreferNot
from models.referrals import LAWFUL_BASES, ReferralStatus
from models.risk import MAX_INCIDENTS, QUESTIONS, Answer, RiskLevel

INT32_MAX = 2**31 - 1
TEXT_MAX = 5000
NO_NUL = r"^[^\x00]*$"  # PostgreSQL cannot keep a NUL character in text

RecordId = Annotated[int, Field(ge=1, le=INT32_MAX)]


def _one_line(value):
    """Line breaks and runs of spaces become one space; only invisible characters is blank."""
    value = " ".join(value.split())
    if not value.strip("\u200b\u200c\u200d\u2060\ufeff\u200e\u200f"):
        raise ValueError("Enter a value")
    return value


def _text(value):
    return value.strip() or None


def Line(max_length, min_length=1):  # noqa: N802 (a type, spelt like one)
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length, pattern=NO_NUL), AfterValidator(_one_line)
    ]


def Text(max_length=TEXT_MAX):  # noqa: N802
    return Annotated[str, Field(max_length=max_length, pattern=NO_NUL), AfterValidator(_text)]


def _within_years(value):
    """The years the web's date boxes take (forms.common): year 1 or 9999 is no date the app means."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"The year must be from {FIRST_YEAR} to {LAST_YEAR}")
    return value


InYears = AfterValidator(_within_years)


def _not_in_future(message):
    def check(value):
        if value is not None and value > uk_today():
            raise ValueError(message)
        return value

    return AfterValidator(check)


def _born(value):
    if value is None:
        return value
    today = uk_today()
    if value > today:
        raise ValueError("Date of birth must be in the past")
    earliest = today.replace(year=today.year - 120, day=min(today.day, 28))
    if value < earliest:
        raise ValueError(f"Date of birth must be after {earliest.day} {earliest:%B %Y}")
    return value


class Request(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    @field_validator("*")
    @classmethod
    def _composed(cls, value):
        """Text in composed form (NFC), as the web forms keep it. A body's text is composed before
        its lengths are checked (api.common.body); the query string's here."""
        if type(value) is str or (isinstance(value, list) and all(type(item) is str for item in value)):
            return typed_text(value)
        return value


class Response(BaseModel):
    # Every field is always present in a response, null when there is no value.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


def _literal(values):
    return Literal[tuple(values)]


GenderValue = _literal(gender.value for gender in Gender)
EthnicityValue = _literal(code for code, _label, _group, _minoritised in ETHNICITIES)
YesNoPreferNotValue = _literal(value.value for value in YesNoPreferNot)
PerpetratorRelationship = _literal(PERPETRATOR_RELATIONSHIPS)
ChildToVictim = _literal(CHILD_TO_VICTIM)
ChildToPerpetrator = _literal(CHILD_TO_PERPETRATOR)
LawfulBasis = _literal(LAWFUL_BASES)
Criterion = Literal["visible_high_risk", "professional_judgement", "potential_escalation", "repeat"]
AnswerValue = _literal(answer.value for answer in Answer)
RiskLevelValue = _literal(level.value for level in RiskLevel)
ReferralStatusValue = _literal(status.value for status in ReferralStatus)
SentReferralStatus = _literal(status.value for status in ReferralStatus if status != ReferralStatus.DRAFT)
ActionStatusValue = _literal(status.value for status in ActionStatus)
ActionTargetValue = _literal(target.value for target in ActionTarget)
MeetingStatusValue = _literal(status.value for status in MeetingStatus)
SectionValue = _literal(section.value for section in AgendaSection)

POSTCODE_PATTERN = r"^[A-Za-z]{1,2}[0-9][0-9A-Za-z]? ?[0-9][A-Za-z]{2}$"
PHONE_PATTERN = r"^[0-9+() -]{6,30}$"


# Requests: a referral


class AliasIn(Request):
    first_name: Annotated[str, Field(max_length=NAME_MAX, pattern=NO_NUL)] = ""
    last_name: Line(NAME_MAX)


class PersonIn(Request):
    first_name: Line(NAME_MAX)
    last_name: Line(NAME_MAX)
    aliases: list[AliasIn] = Field(default_factory=list, max_length=10, description="Other names used")
    date_of_birth: Annotated[date | None, AfterValidator(_born)] = None
    gender: GenderValue | None = None


class AddressIn(Request):
    address: Text(500) | None = None
    postcode: Annotated[str, Field(pattern=POSTCODE_PATTERN, max_length=8)] | None = None
    is_address_confidential: bool = Field(False, description="For example a refuge: withheld from lists and papers")


class VictimIn(PersonIn, AddressIn):
    person_id: RecordId | None = Field(
        None,
        description="An existing person from the `matches.victim` of an earlier response for the same details; "
        "leave out to record a new person",
    )
    ethnicity: EthnicityValue | None = None
    disability: YesNoPreferNotValue | None = None
    lgbt: YesNoPreferNotValue | None = None
    language: Line(60) | None = None
    needs_interpreter: bool = False
    phone: Annotated[str, Field(pattern=PHONE_PATTERN)] | None = Field(None, description="A safe contact number")
    is_safe_to_call: bool | None = None


class PerpetratorIn(PersonIn, AddressIn):
    person_id: RecordId | None = Field(
        None, description="An existing person from the `matches.perpetrator` of an earlier response"
    )
    relationship_to_victim: PerpetratorRelationship


class ChildIn(PersonIn):
    relationship_to_victim: ChildToVictim
    relationship_to_perpetrator: ChildToPerpetrator
    school: Line(200) | None = None


class SafetyIn(Request):
    victim_fears: Text() | None = None
    safe_to_share_with: Text() | None = None
    not_safe_to_share_with: Text() | None = None


class DashAnswerIn(Request):
    answer: AnswerValue
    source: Text(200) | None = Field(None, description="Who gave the answer, if not the victim")
    comment: Text() | None = None


DashAnswersIn = create_model(
    "DashAnswersIn",
    __config__=ConfigDict(strict=True, extra="forbid"),
    __doc__="The 24 DASH questions, keyed by number: " + "; ".join(f"{n}. {q}" for n, q in QUESTIONS.items()),
    **{f"q{number}": (DashAnswerIn, Field(alias=str(number))) for number in QUESTIONS},
)


class DashIn(Request):
    answers: DashAnswersIn
    assessed_on: Annotated[date, InYears, _not_in_future("Date of the assessment must be today or in the past")]
    assessor_name: Line(120)
    fears_detail: Text() | None = Field(None, description="Needed when question 3 is answered yes")
    judged_level: RiskLevelValue | None = Field(
        None, description="Professional judgement: can raise the level the score gives, never lower it"
    )
    judgement_reasons: Text() | None = None


class ReferralIn(Request):
    """A MARAC referral, made and sent in one request: the same answers as the web form."""

    area_id: RecordId = Field(description="One of your MARAC areas")
    referred_on: Annotated[date, InYears, _not_in_future("The date of referral must be today or in the past")]
    past_referral_confirmed: bool = Field(
        False, description="Needed when `referred_on` is more than 12 months ago: you are recording a past referral"
    )
    referrer_name: Line(120)
    referrer_contact: Line(200)
    victim: VictimIn
    perpetrator: PerpetratorIn
    children: list[ChildIn] = Field(default_factory=list, max_length=20)
    safety: SafetyIn = Field(default_factory=SafetyIn)
    criteria: list[Criterion] = Field(min_length=1, max_length=4)
    judgement_reasons: Text() | None = Field(None, description="Needed for professional judgement")
    incidents_in_window: Annotated[int, Field(ge=0, le=MAX_INCIDENTS)] | None = Field(
        None, description="Incidents in the past 12 months: needed for potential escalation"
    )
    is_victim_aware: bool
    has_consent: bool
    lawful_basis: LawfulBasis | None = Field(None, description="Needed when sharing without consent")
    sharing_reason: Text() | None = Field(None, description="Needed when sharing without consent")
    previous_maracs: Text() | None = None
    dash: DashIn

    @field_validator("criteria")
    @classmethod
    def _distinct(cls, value):
        if len(set(value)) != len(value):
            raise ValueError("Give each reason once")
        return value


class ActionStatusIn(Request):
    """A status change. `version` is the action's version you last read: if it has changed
    since, nothing is saved and the answer is 409 with the action as it is now."""

    version: Annotated[int, Field(ge=1, le=INT32_MAX)]
    status: ActionStatusValue
    note: Text() | None = Field(None, description="Needed for not_possible and not_done")
    completed_on: Annotated[date, InYears] | None = Field(None, description="Needed for completed")
    evidence: Text() | None = Field(None, description="Needed for completed")


# Query strings (lax: every value arrives as text)


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PageQuery(Query):
    page: Annotated[int, Field(ge=1, le=10000)] = 1


class ReferralQuery(PageQuery):
    status: SentReferralStatus | None = None


class ActionQuery(PageQuery):
    status: _literal(["open", *(status.value for status in ActionStatus)]) | None = Field(
        None, description="`open`: not started or in progress"
    )
    due: Literal["overdue", "week"] | None = Field(None, description="Overdue, or due in the next 7 days")
    meeting_id: RecordId | None = None


class StatsQuery(Query):
    quarters: Annotated[int, Field(ge=1, le=8)] = Field(4, description="How many quarters, the current one last")


# Responses


class Named(Response):
    id: int
    name: str


class PersonOut(Response):
    person_id: int
    first_name: str
    last_name: str
    date_of_birth: date | None


class PerpetratorOut(PersonOut):
    relationship_to_victim: str


class ChildOut(PersonOut):
    relationship_to_victim: str
    relationship_to_perpetrator: str


class CriterionOut(Response):
    criterion: str
    reason: str


class RiskOut(Response):
    tool: str
    assessed_on: date | None
    score: int | None = Field(description="Number of yes answers, for a DASH scored here")
    level: RiskLevelValue | None
    criteria: list[CriterionOut] = Field(description="The MARAC criteria the assessment meets, and why")


class RepeatOfOut(Response):
    reference: str
    referred_on: date | None
    is_same_area: bool


class ReferralOut(Response):
    id: int
    reference: str
    status: ReferralStatusValue
    status_label: str
    area: Named
    referring_agency: Named
    referrer_name: str
    referred_on: date | None
    submitted_at: datetime | None
    criteria: list[str]
    is_repeat: bool = Field(description="A further referral of the same victim and perpetrator within 12 months")
    repeat_of: RepeatOfOut | None
    repeat_claim: Literal["claimed", "confirmed", "rejected"] | None = Field(
        description="The `repeat` criterion with no earlier referral on record: claimed until the coordinator "
        "confirms it (then `is_repeat`) or rejects it; null without such a claim"
    )
    case_reference: str | None
    victim: PersonOut | None
    perpetrators: list[PerpetratorOut]
    children: list[ChildOut]
    risk: RiskOut | None
    message: str | None = Field(description="The coordinator's reason or request, after triage")
    warnings: list[str]


class MatchOut(Response):
    person_id: int
    first_name: str
    last_name: str
    aliases: list[str]
    date_of_birth: date | None
    score: float
    reasons: list[str]


class MatchesOut(Response):
    victim: list[MatchOut]
    perpetrator: list[MatchOut]


class ReferralCreatedOut(ReferralOut):
    matches: MatchesOut = Field(
        description="People already on record who may be the victim or the perpetrator, found before this "
        "referral was recorded. To link a later referral to one of them, send its person_id."
    )


class ReferralPageOut(Response):
    items: list[ReferralOut]
    page: int
    has_next: bool


class ActionOut(Response):
    id: int
    reference: str
    case_reference: str
    meeting_id: int | None
    owner_agency: Named
    owner_person: str | None
    protects: ActionTargetValue
    what: str
    how_known: str
    due_on: date
    due_reason: str | None
    status: ActionStatusValue
    status_label: str
    status_note: str | None
    completed_on: date | None
    evidence: str | None
    is_overdue: bool
    allowed_statuses: list[ActionStatusValue] = Field(description="The statuses you may set")
    version: int = Field(description="Send it back with a status change")
    updated_at: datetime


class ActionUpdateOut(Response):
    at: datetime
    from_status: ActionStatusValue | None
    to_status: ActionStatusValue
    note: str | None


class ActionDetailOut(ActionOut):
    history: list[ActionUpdateOut]


class ActionPageOut(Response):
    items: list[ActionOut]
    page: int
    has_next: bool


class MeetingOut(Response):
    id: int
    area: Named
    starts_at: datetime
    status: MeetingStatusValue
    status_label: str
    case_count: int


class MeetingPageOut(Response):
    items: list[MeetingOut]
    page: int
    has_next: bool


class ListedPersonOut(Response):
    first_name: str
    last_name: str
    date_of_birth: date | None


class ListedVictimOut(ListedPersonOut):
    address: str | None
    postcode: str | None
    is_address_withheld: bool = Field(description="A confidential address is never sent")


class ListedPerpetratorOut(ListedPersonOut):
    relationship_to_victim: str


class ListedChildOut(ListedPersonOut):
    relationship_to_victim: str


class CaseListEntryOut(Response):
    position: int
    section: SectionValue
    section_label: str
    case_reference: str
    is_repeat: bool
    victim: ListedVictimOut
    perpetrators: list[ListedPerpetratorOut]
    children: list[ListedChildOut]


class MeetingDetailOut(MeetingOut):
    cases: list[CaseListEntryOut]


# A count, or for a reader outside the coordinator role the text that hides it: "<5" for a count
# from 1 to 4, "[c]" for one from which such a count could be worked out.
Count = Annotated[
    int | Literal["<5", "[c]"],
    Field(description='A count; "<5" (1 to 4) or "[c]" (would reveal one) for readers outside the coordinator role'),
]


class QuarterOut(Response):
    year: int
    quarter: Annotated[int, Field(ge=1, le=4)]
    starts_on: date
    ends_on: date
    referrals: Count = Field(description="Referrals received (by date of referral), not counting drafts")
    repeat_referrals: Count
    cases_discussed: Count = Field(description="Cases heard through a referral at meetings held in the quarter")


class AreaFiguresOut(Response):
    area: Named
    quarters: list[QuarterOut]


class QuarterlyFiguresOut(Response):
    areas: list[AreaFiguresOut]


# Problems (RFC 9457)


class FieldErrorOut(Response):
    pointer: str | None = Field(
        description="For a field of the body: a JSON Pointer (RFC 6901) to it, as a URI fragment (#/victim/last_name)"
    )
    parameter: str | None = Field(description="For a query parameter or header: its name")
    detail: str


class ProblemOut(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str


class ValidationProblemOut(ProblemOut):
    errors: list[FieldErrorOut] = Field(default_factory=list, description="What is wrong, field by field")


class ConflictProblemOut(ProblemOut):
    current: ActionDetailOut = Field(description="The action as it is now")
