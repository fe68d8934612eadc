"""The meeting's papers: what goes into each PDF, taken from the records with the same rules as
the pages (confidential addresses withheld, one agency's actions only, and only the actions the
reader may see: access.visible_actions)."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marac.services import access, agenda, meetings, victim_views
from marac.services.pdf import agency_actions_pdf, case_list_pdf, minutes_pdf
from marac.services.pdf.papers import (
    ActionLine,
    AttendanceLine,
    CaseListItem,
    MinutesItem,
    PaperHeader,
    PersonLine,
    ResearchLine,
    Section,
    VoiceLine,
)
from marac.services.risk_scoring import CRITERION_LABELS
from models import Action, Agency, Case, Person, Referral, ReferralStatus, RiskAssessment, User, db
from models.cases import CHILD_TO_VICTIM, CasePerpetrator
from models.clock import UK, utcnow
from models.meetings import AGENDA_SECTION_LABELS
from models.risk import current_assessment


def cases_with_people(case_ids):
    """{case id: Case} with victim, perpetrators and children loaded in a fixed number of queries."""
    if not case_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Case)
        .where(Case.id.in_(list(case_ids)))
        .options(
            selectinload(Case.victim).selectinload(Person.aliases),
            selectinload(Case.perpetrators).selectinload(CasePerpetrator.person),
            selectinload(Case.children),
        )
    ).all()
    return {case.id: case for case in rows}


def _header(meeting, user):
    return PaperHeader(
        area_name=meeting.area.name,
        meeting_title=meetings.title(meeting),
        generated_for=f"{user.name}, {user.agency.name}",
        generated_at=utcnow(),
    )


def _person(person, relationship="", *, show_confidential):
    address = None
    if not person.is_address_confidential or show_confidential:
        address = ", ".join(part for part in (person.address or "", person.postcode or "") if part) or ""
    return PersonLine(
        name=person.full_name, date_of_birth=person.date_of_birth, address=address, relationship=relationship
    )


def _levels(listed):
    """{case id: latest completed risk level} in one query."""
    case_ids = [item.case_id for item in listed]
    if not case_ids:
        return {}
    rows = db.session.execute(
        sa.select(RiskAssessment.case_id, RiskAssessment.level)
        .where(RiskAssessment.case_id.in_(case_ids), current_assessment())
        .order_by(
            RiskAssessment.case_id,
            RiskAssessment.assessed_on.desc(),
            RiskAssessment.completed_at.desc(),
            RiskAssessment.id.desc(),
        )
    ).all()
    levels = {}
    for case_id, level in rows:
        levels.setdefault(case_id, level)
    return levels


def _referrals(listed):
    """{agenda item id: the referral the case is listed for}: the item's own, or for a case listed
    without one (by hand, open actions, 12 months passed) its latest accepted referral. One query."""
    own = {item.referral_id for item in listed if item.referral_id}
    without = {item.case_id for item in listed if not item.referral_id}
    if not own and not without:
        return {}
    rows = db.session.scalars(
        sa.select(Referral)
        .where(
            sa.or_(
                Referral.id.in_(own),
                sa.and_(Referral.case_id.in_(without), Referral.status == ReferralStatus.ACCEPTED),
            )
        )
        .options(joinedload(Referral.referring_agency))
        .order_by(Referral.referred_on, Referral.id)
    ).all()
    by_id = {referral.id: referral for referral in rows}
    latest = {referral.case_id: referral for referral in rows if referral.case_id in without}  # the last wins
    return {item.id: by_id.get(item.referral_id) if item.referral_id else latest.get(item.case_id) for item in listed}


@dataclass(frozen=True)
class ListedFacts:
    """What the case list says of a listed case beside its people, on the web page and the PDF alike."""

    risk_level: str | None
    reasons: tuple[str, ...]
    is_repeat: bool
    referring_agency: str
    referred_on: date | None


def listed_facts(listed):
    """{agenda item id: ListedFacts} of the listed cases, in a fixed number of queries."""
    levels, referrals = _levels(listed), _referrals(listed)
    facts = {}
    for item in listed:
        referral = referrals.get(item.id)
        facts[item.id] = ListedFacts(
            risk_level=levels.get(item.case_id),
            reasons=tuple(CRITERION_LABELS.get(code, code) for code in referral.criteria) if referral else (),
            is_repeat=bool(referral and referral.is_repeat),
            referring_agency=referral.referring_agency.name if referral else "",
            referred_on=referral.referred_on if referral else None,
        )
    return facts


def case_list(meeting, user, *, show_confidential=False):
    listed = agenda.items(meeting.id)
    cases = cases_with_people([item.case_id for item in listed])
    facts = listed_facts(listed)
    sections = []
    for section, members in agenda.grouped(listed):
        entries = []
        for item in members:
            case = cases[item.case_id]
            entries.append(
                CaseListItem(
                    position=item.position,
                    case_reference=case.reference,
                    is_repeat=facts[item.id].is_repeat,
                    risk_level=facts[item.id].risk_level,
                    referring_agency=facts[item.id].referring_agency,
                    reasons=facts[item.id].reasons,
                    planned_minutes=item.planned_minutes,
                    victim=_person(case.victim, show_confidential=show_confidential),
                    perpetrators=tuple(
                        _person(link.person, link.relationship_label, show_confidential=show_confidential)
                        for link in case.perpetrators
                    ),
                    children=tuple(
                        _person(
                            link.person,
                            CHILD_TO_VICTIM.get(link.relationship_to_victim, ""),
                            show_confidential=show_confidential,
                        )
                        for link in case.children
                    ),
                )
            )
        sections.append(Section(title=AGENDA_SECTION_LABELS[section], items=tuple(entries)))
    return case_list_pdf(_header(meeting, user), sections)


def _action_lines(query):
    rows = db.session.scalars(query.options(selectinload(Action.owner_agency), selectinload(Action.case))).all()
    return [
        ActionLine(
            case_reference=action.case.reference,
            owner_agency=action.owner_agency.name,
            owner_person=action.owner_person or "",
            protects=action.protects_label,
            what=action.what,
            how_known=action.how_known,
            due=action.due_on,
            status=action.status_label,
        )
        for action in rows
    ]


def _research_line(agency, request):
    if request is None:
        return ResearchLine(agency=agency.name, status="Not asked", facts="", opinion="")
    return ResearchLine(
        agency=agency.name, status=request.status_label, facts=request.facts or "", opinion=request.opinion or ""
    )


def _voice_line(view):
    if view is None:
        return None
    return VoiceLine(
        wants=view.wants or "",
        fears=view.fears or "",
        agrees_to_share=view.agrees_to_share or "",
        knows_of_referral=view.knows_of_referral_label,
    )


def minutes(meeting, user):
    listed = agenda.items(meeting.id)
    cases = cases_with_people([item.case_id for item in listed])
    referrals = _referrals(listed)
    grid = meetings.research_grid(meeting, listed)
    # The views the meeting had: recorded before it began (as the data return counts them).
    views = victim_views.latest(list(cases), until=meeting.starts_at)
    all_actions = _action_lines(
        sa.select(Action)
        .where(Action.meeting_id == meeting.id, access.visible_actions(user))
        .order_by(Action.case_id, Action.due_on, Action.id)
    )
    items = []
    for item in listed:
        case = cases[item.case_id]
        referral = referrals.get(item.id)
        research = tuple(_research_line(agency, grid.get((item.id, agency.id))) for agency in meeting.invited_agencies)
        items.append(
            MinutesItem(
                position=item.position,
                case_reference=case.reference,
                victim_name=case.victim.full_name,
                section=item.section_label,
                is_repeat=bool(referral and referral.is_repeat),
                research=research,
                discussion=item.discussion or "",
                risk_after=item.risk_after,
                actions=tuple(line for line in all_actions if line.case_reference == case.reference),
                discussed=item.discussed_at is not None,
                voice=_voice_line(views.get(case.id)),
            )
        )
    attendance = [
        AttendanceLine(
            agency=agency.name, person=(row.person_name or "") if row else "", present=bool(row and row.is_present)
        )
        for agency, row in meetings.attendance(meeting)
    ]
    return minutes_pdf(_header(meeting, user), attendance, items, _approval(meeting))


def _approval(meeting):
    """ "Approved by …" for the minutes as they stand, else None (a draft): a correction under way
    is a draft until the chair approves it, and then names its version."""
    approved_by, approved_at, version = meeting.minutes_approved_by_id, meeting.minutes_approved_at, ""
    if correction := meetings.open_correction(meeting):
        approved_by, approved_at = correction.approved_by_id, correction.approved_at
        version = f" (version {correction.number})"
    if approved_at is None:
        return None
    local = approved_at.astimezone(UK)
    return f"Approved by {db.session.get(User, approved_by).name} on {local.day} {local:%B %Y}{version}"


def agency_actions(meeting, agency_id, user):
    """One agency's actions from this meeting, and no other agency's."""
    agency = db.session.get(Agency, agency_id)
    lines = _action_lines(
        sa.select(Action)
        .where(Action.meeting_id == meeting.id, Action.owner_agency_id == agency_id, access.visible_actions(user))
        .order_by(Action.due_on, Action.id)
    )
    return agency_actions_pdf(_header(meeting, user), agency.name, lines)
