"""Who may see and change which records. The one place these rules live: pages, search, PDFs,
exports and the API all ask here.

Roles (../shared/design.md): coordinators see everything in their areas; IDVAs the cases
allocated to them; IDVA managers the cases of their service in their areas; agency
representatives the cases their agency has a part in, in their areas; chairs the cases of the
meetings they chair; steering and admin no case data.

An agency may serve several areas (a police force spans several MARACs): whatever a user sees
through their agency (its referrals, the meetings it is invited to, its research and actions)
is also limited to the user's own areas.
"""

import sqlalchemy as sa

from marac.services.caseload.clauses import awaiting_allocation
from models import (
    Action,
    AgendaItem,
    Allocation,
    Case,
    CaseAgency,
    CaseChild,
    CasePerpetrator,
    Meeting,
    MeetingStatus,
    Person,
    Referral,
    ReferralStatus,
    ResearchRequest,
    Role,
    Support,
    User,
    db,
)
from models.meetings import meeting_agencies
from models.users import user_areas

# Role groups, used by the access policy (marac/security/policy.py) and the record rules below.
CASE_VIEWERS = frozenset({Role.COORDINATOR, Role.CHAIR, Role.IDVA, Role.IDVA_MANAGER, Role.AGENCY_REP})
CASE_EDITORS = frozenset({Role.COORDINATOR, Role.IDVA, Role.IDVA_MANAGER})
RISK_ASSESSORS = CASE_EDITORS | {Role.AGENCY_REP}
# Who sees confidential addresses (on request, audited) and the "not safe to share with" list.
CONFIDENTIAL_READERS = CASE_EDITORS
CASE_AUDITORS = frozenset({Role.COORDINATOR})
REFERRERS = frozenset({Role.COORDINATOR, Role.IDVA, Role.IDVA_MANAGER, Role.AGENCY_REP})
COORDINATORS = frozenset({Role.COORDINATOR})
MEETING_RUNNERS = frozenset({Role.COORDINATOR, Role.CHAIR})
MEETING_VIEWERS = frozenset({Role.COORDINATOR, Role.CHAIR, Role.IDVA, Role.IDVA_MANAGER, Role.AGENCY_REP})
RESEARCHERS = frozenset({Role.IDVA, Role.IDVA_MANAGER, Role.AGENCY_REP})
REPORT_VIEWERS = frozenset({Role.COORDINATOR, Role.STEERING, Role.IDVA_MANAGER})
ACTION_VIEWERS = frozenset({Role.COORDINATOR, Role.CHAIR, Role.IDVA, Role.IDVA_MANAGER, Role.AGENCY_REP})
IDVA_WORKERS = frozenset({Role.IDVA, Role.IDVA_MANAGER})
IDVA_MANAGERS = frozenset({Role.IDVA_MANAGER})


def _agency_involved(user):
    return sa.exists().where(CaseAgency.case_id == Case.id, CaseAgency.agency_id == user.agency_id)


def _allocated_to(user):
    # "Case.id IN (the IDVA's open allocations)", not a correlated EXISTS: beside another clause
    # in an OR, the databases can then find both sides by index. With EXISTS, SQLite read every
    # case in the country for an IDVA manager who is also an IDVA (0.7 s at national scale).
    open_allocations = sa.select(Allocation.case_id).where(Allocation.idva_id == user.id, Allocation.ended_at.is_(None))
    return Case.id.in_(open_allocations)


def _chaired_by(user):
    """A WHERE clause on Meeting: the meetings the user chairs, in their areas (a chair who no
    longer works in an area no longer sees the meetings they chaired there)."""
    return sa.and_(Meeting.chair_id == user.id, Meeting.area_id.in_(user.area_ids))


def visible_cases(user):
    """A WHERE clause on Case: the cases this user may see."""
    areas = Case.area_id.in_(user.area_ids)
    clauses = []
    if user.has_role(Role.COORDINATOR):
        clauses.append(areas)
    if user.has_role(Role.IDVA_MANAGER, Role.AGENCY_REP):
        clauses.append(sa.and_(areas, _agency_involved(user)))
    if user.has_role(Role.IDVA):
        clauses.append(_allocated_to(user))
    if user.has_role(Role.CHAIR):
        chaired = (
            sa.select(AgendaItem.case_id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(_chaired_by(user), AgendaItem.removed_at.is_(None))  # not a case taken off the list
        )
        clauses.append(Case.id.in_(chaired))  # IN, as _allocated_to
    return sa.or_(*clauses) if clauses else sa.false()


def get_visible_case(user, case_id):
    """The case if this user may see it, else None (the view answers 404 either way)."""
    return db.session.scalar(sa.select(Case).where(Case.id == case_id, visible_cases(user)))


def seen_case_ids(user, case_ids):
    """Of these case ids, the set of those the user may see: whose people a page or an API answer
    about another record (a referral, a list of them) may name. One query for a whole list."""
    wanted = {case_id for case_id in case_ids if case_id is not None}
    if not wanted:
        return set()
    return set(db.session.scalars(sa.select(Case.id).where(Case.id.in_(sorted(wanted)), visible_cases(user))))


def visible_people(user):
    """A WHERE clause on Person: the people named (victim, perpetrator or child) in a case the user
    may see. Who a referrer's match step and a search may find: nobody else, not even as a count."""
    cases = visible_cases(user)
    return sa.or_(
        sa.exists().where(Case.victim_id == Person.id, cases),
        sa.exists().where(CasePerpetrator.person_id == Person.id, CasePerpetrator.case_id == Case.id, cases),
        sa.exists().where(CaseChild.person_id == Person.id, CaseChild.case_id == Case.id, cases),
    )


def can_edit_case(user, case):
    """Change the people and safety notes of a case they can see."""
    return user.has_role(*CASE_EDITORS)


def can_assess_risk(user, case):
    return user.has_role(*RISK_ASSESSORS)


def records_victim_view(user, case):
    """The victim's voice before the meeting is recorded by their IDVA, or, where no IDVA is
    allocated, by the agency that referred them; the coordinator may record what either tells them."""
    if user.has_role(Role.COORDINATOR):
        return True
    idva_id = db.session.scalar(
        sa.select(Allocation.idva_id).where(Allocation.case_id == case.id, Allocation.ended_at.is_(None)).limit(1)
    )
    if idva_id is not None:
        return user.id == idva_id
    return user.has_role(*REFERRERS) and (
        db.session.scalar(
            sa.select(Referral.id)
            .where(Referral.case_id == case.id, Referral.referring_agency_id == user.agency_id)
            .limit(1)
        )
        is not None
    )


def sees_confidential_details(user, case):
    return user.has_role(*CONFIDENTIAL_READERS)


def sees_case_audit(user, case):
    return user.has_role(*CASE_AUDITORS)


def asks_other_areas(user, area_id):
    """The area's coordinator, who is told the victim has history in other areas (and asks them)."""
    return user.has_role(Role.COORDINATOR) and area_id in user.area_ids


def visible_referrals(user):
    """A WHERE clause on Referral: coordinators see their areas' referrals; everyone who refers
    sees their own agency's, in their areas. Drafts only their author."""
    if not user.has_role(*REFERRERS):
        return sa.false()
    in_areas = Referral.area_id.in_(user.area_ids)
    by_agency = Referral.referring_agency_id == user.agency_id
    scope = in_areas if user.has_role(Role.COORDINATOR) else sa.and_(in_areas, by_agency)
    not_someone_elses_draft = sa.or_(Referral.status != ReferralStatus.DRAFT, Referral.referrer_id == user.id)
    return sa.and_(scope, not_someone_elses_draft)


def agency_referrals(user):
    """A WHERE clause on Referral: of the referrals the user sees, those their agency sent (not
    drafts). The API lists these; the web's list (visible_referrals) also has the user's own
    drafts and, for coordinators, every referral to their areas (to triage)."""
    return sa.and_(
        visible_referrals(user),
        Referral.referring_agency_id == user.agency_id,
        Referral.status != ReferralStatus.DRAFT,
    )


def get_visible_referral(user, referral_id):
    return db.session.scalar(sa.select(Referral).where(Referral.id == referral_id, visible_referrals(user)))


def get_agency_referral(user, referral_id):
    return db.session.scalar(sa.select(Referral).where(Referral.id == referral_id, agency_referrals(user)))


def get_written_referral(user, referral_id):
    """A referral the user wrote themselves, else None: only its author finishes a draft."""
    return db.session.scalar(sa.select(Referral).where(Referral.id == referral_id, Referral.referrer_id == user.id))


def can_triage(user, referral):
    return user.has_role(Role.COORDINATOR) and referral.area_id in user.area_ids


def repeat_details_shown(user, referrals):
    """Of these referrals, the ids of those whose earlier referral (the one each repeats: its
    number, date and area) the user is told: whoever may open that earlier referral, and the
    coordinator triaging the repeat. Anyone else learns only that it is a repeat. One query for a
    whole list; web pages and the API both ask here."""
    repeats = [referral for referral in referrals if referral.repeat_of_id is not None]
    earlier = {referral.repeat_of_id for referral in repeats}
    opened = (
        set(db.session.scalars(sa.select(Referral.id).where(Referral.id.in_(sorted(earlier)), visible_referrals(user))))
        if earlier
        else set()
    )
    return {referral.id for referral in repeats if referral.repeat_of_id in opened or can_triage(user, referral)}


def can_reply(user, referral):
    """Answers the coordinator's request for more information: the referral's author."""
    return referral.status == ReferralStatus.MORE_INFORMATION and referral.referrer_id == user.id


def _published_to_agency(user):
    """The meeting's case list is published, and the user's agency is invited."""
    invited = sa.exists().where(
        meeting_agencies.c.meeting_id == Meeting.id, meeting_agencies.c.agency_id == user.agency_id
    )
    return sa.and_(Meeting.status != MeetingStatus.PLANNED, invited)


def _researched_by(user):
    """The meetings the user researches for their agency: published to it, in the user's areas."""
    return sa.and_(Meeting.area_id.in_(user.area_ids), _published_to_agency(user))


def visible_meetings(user):
    """A WHERE clause on Meeting: coordinators their areas'; chairs the meetings they chair;
    agency representatives and IDVAs the published meetings their agency is invited to, in
    their areas."""
    clauses = []
    if user.has_role(Role.COORDINATOR):
        clauses.append(Meeting.area_id.in_(user.area_ids))
    if user.has_role(Role.CHAIR):
        clauses.append(_chaired_by(user))
    if user.has_role(*RESEARCHERS):
        clauses.append(_researched_by(user))
    return sa.or_(*clauses) if clauses else sa.false()


def attended_meetings(user):
    """A WHERE clause on Meeting: of the meetings the user sees, those whose case list is
    published to their agency. The API lists these; the web's list (visible_meetings) also has,
    for coordinators and chairs, the meetings not published yet or their agency is not invited to."""
    return sa.and_(visible_meetings(user), _published_to_agency(user))


def get_visible_meeting(user, meeting_id):
    return db.session.scalar(sa.select(Meeting).where(Meeting.id == meeting_id, visible_meetings(user)))


def get_attended_meeting(user, meeting_id):
    return db.session.scalar(sa.select(Meeting).where(Meeting.id == meeting_id, attended_meetings(user)))


def manages_meeting(user, meeting):
    """Builds the list, publishes it, records the meeting: the area's coordinator."""
    return user.has_role(Role.COORDINATOR) and meeting.area_id in user.area_ids


def runs_meeting(user, meeting):
    """Meeting mode: the coordinator, or the meeting's chair."""
    return manages_meeting(user, meeting) or (user.has_role(Role.CHAIR) and approves_minutes(user, meeting))


def researches_for(user, meeting):
    """Answers research for their own agency, when it is invited to a published meeting of one
    of the user's areas."""
    return (
        user.has_role(*RESEARCHERS)
        and meeting.area_id in user.area_ids
        and meeting.status != MeetingStatus.PLANNED
        and meeting.invites(user.agency_id)
    )


def own_research(user):
    """A WHERE clause on ResearchRequest: the requests the user answers, their agency's at the
    meetings they research (researches_for)."""
    if not user.has_role(*RESEARCHERS):
        return sa.false()
    researched = sa.select(AgendaItem.id).join(Meeting, Meeting.id == AgendaItem.meeting_id).where(_researched_by(user))
    return sa.and_(ResearchRequest.agency_id == user.agency_id, ResearchRequest.agenda_item_id.in_(researched))


def approves_minutes(user, meeting):
    """The meeting's own chair, while they work in its area (as _chaired_by)."""
    return meeting.chair_id == user.id and meeting.area_id in user.area_ids


def gets_case_list_paper(user, meeting):
    """The case list as a PDF: those who run the meeting, and the agencies asked to research it."""
    return runs_meeting(user, meeting) or researches_for(user, meeting)


def gets_agency_actions_paper(user, meeting, agency_id):
    """One agency's actions from a meeting as a PDF: those who run the meeting, any agency's;
    everyone else only their own agency's."""
    return runs_meeting(user, meeting) or agency_id == user.agency_id


def actions_in_areas(area_ids):
    """A WHERE clause on Action: the actions of these areas' cases."""
    return Action.area_id.in_(area_ids)


def visible_actions(user):
    """A WHERE clause on Action: coordinators the actions of their areas' cases; chairs those
    agreed at meetings they chair; everyone else only their own agency's, in their areas. Never
    another agency's."""
    clauses = []
    if user.has_role(Role.COORDINATOR):
        clauses.append(actions_in_areas(user.area_ids))
    if user.has_role(Role.CHAIR):
        clauses.append(sa.exists().where(Meeting.id == Action.meeting_id, _chaired_by(user)))
    if user.has_role(*RESEARCHERS):
        clauses.append(sa.and_(Action.owner_agency_id == user.agency_id, actions_in_areas(user.area_ids)))
    return sa.or_(*clauses) if clauses else sa.false()


def own_agency_actions(user):
    """A WHERE clause on Action: of the actions the user sees, those their agency owns. For
    agency representatives and IDVAs that is all they see. The API lists these, and the agency's
    home page counts them; the web's list (visible_actions) also has, for coordinators and
    chairs, other agencies' actions."""
    return sa.and_(Action.owner_agency_id == user.agency_id, visible_actions(user))


def get_visible_action(user, action_id):
    return db.session.scalar(sa.select(Action).where(Action.id == action_id, visible_actions(user)))


def get_own_agency_action(user, action_id):
    return db.session.scalar(sa.select(Action).where(Action.id == action_id, own_agency_actions(user)))


# IDVA caseload


def caseload_cases(user):
    """A WHERE clause on Case: the IDVA caseload work this user may see and do. The one rule for
    every caseload page (/caseload), the detail of a case's IDVA tab and the manager's figures.

    IDVAs: the cases allocated to them now. IDVA managers, in their areas: the cases an IDVA of
    their service supports or has supported (closed ones too, so they can be reopened), and the
    high-risk cases waiting for an IDVA (the allocation queue). Nobody else.
    """
    clauses = []
    if user.has_role(Role.IDVA):
        clauses.append(_allocated_to(user))
    if user.has_role(Role.IDVA_MANAGER):
        service_idvas = sa.select(User.id).where(User.agency_id == user.agency_id)
        supported = (
            sa.exists().where(Allocation.case_id == Case.id, Allocation.idva_id.in_(service_idvas)).correlate(Case)
        )
        clauses.append(sa.and_(Case.area_id.in_(user.area_ids), sa.or_(supported, awaiting_allocation())))
    return sa.or_(*clauses) if clauses else sa.false()


def get_caseload_case(user, case_id):
    """The case if it is in this user's IDVA caseload work, else None (the view answers 404)."""
    return db.session.scalar(sa.select(Case).where(Case.id == case_id, caseload_cases(user)))


def works_on_caseload(user, case):
    """Sees the IDVA work on this case (contacts, safety plan, needs, outcomes)."""
    if not user.has_role(*IDVA_WORKERS):
        return False
    return db.session.scalar(sa.select(sa.exists().where(Case.id == case.id, caseload_cases(user))))


def team_idvas(user):
    """A WHERE clause on User: whose caseload this user may look at. An IDVA manager: the IDVAs
    of their service working in their areas; an IDVA: themselves."""
    clauses = []
    if user.has_role(Role.IDVA):
        clauses.append(User.id == user.id)
    if user.has_role(Role.IDVA_MANAGER):
        clauses.append(
            sa.and_(
                User.agency_id == user.agency_id,
                sa.exists().where(user_areas.c.user_id == User.id, user_areas.c.area_id.in_(user.area_ids)),
            )
        )
    return sa.or_(*clauses) if clauses else sa.false()


def exact_caseload_idvas(user):
    """A WHERE clause on User: the IDVAs whose caseload and capacity the user's figures show one by
    one, exactly. Coordinators: every IDVA service's (in their areas); an IDVA manager: their own
    service's only. Anyone else (the steering group), and other services' for an IDVA manager,
    only in the totals, small numbers hidden."""
    if user.has_role(Role.COORDINATOR):
        return sa.true()
    if user.has_role(Role.IDVA_MANAGER):
        return User.agency_id == user.agency_id
    return sa.false()


def exact_caseload_supports(user):
    """A WHERE clause on Support: the periods of IDVA support whose figures (first contact,
    outcomes) the user sees exactly: those of the IDVAs of exact_caseload_idvas."""
    idvas = sa.select(User.id).where(exact_caseload_idvas(user))
    return sa.exists().where(Allocation.support_id == Support.id, Allocation.idva_id.in_(idvas))


def get_team_idva(user, idva_id):
    """The user (an IDVA) whose caseload this user may look at, else None."""
    return db.session.scalar(sa.select(User).where(User.id == idva_id, team_idvas(user)))
