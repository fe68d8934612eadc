"""Synthetic demo cases across the risk range. Every name is made up; the seed keeps them stable."""

import random
from datetime import date, time, timedelta

import sqlalchemy as sa

from marac.services import (
    actions,
    agenda,
    assessments,
    cases,
    meetings,
    repeats,
    risk_scoring,
    triage,
    victim_views,
)
from models import (
    ActionStatus,
    ActionTarget,
    Agency,
    AgencyKind,
    AgendaItem,
    AgendaSection,
    Allocation,
    Case,
    CaseAgency,
    Meeting,
    MeetingStatus,
    Referral,
    ReferralStatus,
    ResearchRequest,
    RiskAssessment,
    Role,
    User,
    db,
)
from models.clock import uk_date, uk_today, utcnow

FIRST_NAMES_F = [
    "Amara",
    "Bethany",
    "Chloe",
    "Danielle",
    "Esme",
    "Farah",
    "Gemma",
    "Hollie",
    "Imani",
    "Jodie",
    "Kerry",
    "Leanne",
    "Maya",
    "Nadia",
    "Olivia",
    "Priya",
    "Rosa",
    "Sadie",
    "Tanya",
    "Zara",
]
FIRST_NAMES_M = [
    "Aaron",
    "Bradley",
    "Callum",
    "Dean",
    "Ethan",
    "Fraser",
    "Gavin",
    "Harvey",
    "Jordan",
    "Kyle",
    "Lewis",
    "Mason",
    "Nathan",
    "Owen",
    "Reece",
    "Shane",
    "Tyler",
    "Warren",
]
CHILD_NAMES = ["Alfie", "Bella", "Charlie", "Daisy", "Evie", "Freddie", "Isla", "Leo", "Mia", "Noah", "Poppy", "Theo"]
# Invented surnames, so no demo person shares a real family's name by design.
SURNAMES = [
    "Ashcombe",
    "Brindlewood",
    "Corrowdale",
    "Dunmere",
    "Elderholt",
    "Fennick",
    "Gorsefield",
    "Hallowmere",
    "Ivesby",
    "Juniperwell",
    "Kestleford",
    "Larchmoor",
    "Mossgrove",
    "Nettlecombe",
    "Orrinwick",
    "Pellowgate",
    "Quarrendon",
    "Rushbeck",
    "Sallowfield",
    "Thistleby",
    "Umberslade",
    "Vennacott",
    "Wrenshall",
    "Yarrowby",
]
STREETS = ["Mill Lane", "Station Road", "Church Street", "Orchard Close", "Beech Avenue", "Victoria Terrace"]
# Fictional postcode districts ("ZZ" is not a real postcode area).
POSTCODE_AREA = {"Northmoor": "ZZ1", "Eastwick Vale": "ZZ9"}


def _yes_answers(rng, yes_count):
    chosen = set(rng.sample(sorted(risk_scoring.QUESTIONS), yes_count))
    answers = {}
    for number in risk_scoring.QUESTIONS:
        if number in chosen:
            answer = risk_scoring.Answer.YES
        else:
            answer = risk_scoring.Answer.DONT_KNOW if rng.random() < 0.1 else risk_scoring.Answer.NO
        answers[number] = {"answer": answer.value, "source": "", "comment": ""}
    return answers


def _person(rng, first_names, area_name, *, born_between):
    start, end = born_between
    born = start + timedelta(days=rng.randrange((end - start).days))
    return {
        "first_name": rng.choice(first_names),
        "last_name": rng.choice(SURNAMES),
        "aliases": [],
        "date_of_birth": born,
        "gender": "female" if first_names is FIRST_NAMES_F else "male",
        "address": f"{rng.randrange(1, 120)} {rng.choice(STREETS)}\n{area_name}",
        "postcode": f"{POSTCODE_AREA[area_name]} {rng.randrange(1, 9)}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}",
    }


def seed_cases(areas, today=None, count_per_area=(24, 8)):
    """Add demo cases, each with a DASH (some drafts, one correction), spread over the last year.

    Most go to the first area, where the demo IDVA and agency representatives work.
    """
    rng = random.Random(20261122)
    today = today or uk_today()
    idva = db.session.query(User).filter_by(email="idva@example.org").one()
    manager = db.session.query(User).filter_by(email="idva.manager@example.org").one()
    coordinator = db.session.query(User).filter_by(email="coordinator@example.org").one()
    for area, count in zip(areas, count_per_area, strict=True):
        agencies = {agency.kind: agency for agency in db.session.query(Agency).filter(Agency.areas.contains(area))}
        thresholds = risk_scoring.Thresholds.for_area(area)
        for index in range(count):
            victim_data = _person(
                rng,
                FIRST_NAMES_F if index % 9 else FIRST_NAMES_M,
                area.name,
                born_between=(date(1958, 1, 1), date(2008, 1, 1)),
            )
            if index == 3:
                victim_data["address"] = "Refuge address withheld"
                victim_data["is_address_confidential"] = True
            if index % 7 == 2:
                victim_data["needs_interpreter"] = True
                victim_data["language"] = "Polish"
            victim = cases.new_person(victim_data)
            perpetrator = cases.new_person(
                _person(
                    rng,
                    FIRST_NAMES_M if index % 9 else FIRST_NAMES_F,
                    area.name,
                    born_between=(date(1955, 1, 1), date(2006, 1, 1)),
                )
            )
            # The demo IDVA works in the first area only.
            creator = idva if index % 3 == 0 and area is areas[0] else coordinator
            case = cases.create_case(
                area=area,
                victim=victim,
                perpetrators=[(perpetrator, rng.choice(["partner", "ex_partner"]))],
                notes={
                    "victim_fears": f"{perpetrator.first_name}, and what he may do to the children"
                    if index % 2
                    else None
                },
                user=creator,
            )
            case.created_at = case.created_at - timedelta(days=rng.randrange(5, 360))
            for _ in range(rng.choice([0, 0, 1, 2])):
                cases.add_child(
                    case,
                    {
                        **_person(rng, CHILD_NAMES, area.name, born_between=(date(2010, 1, 1), date(2025, 6, 1))),
                        "last_name": victim.last_name,
                        "relationship_to_victim": "child",
                        "relationship_to_perpetrator": rng.choice(["child", "stepchild"]),
                        "school": f"{area.name} Primary School",
                    },
                )
            police = agencies[AgencyKind.POLICE]
            db.session.add(CaseAgency(case_id=case.id, agency_id=police.id, reason="referred"))
            if index % 4 == 0:
                db.session.add(
                    CaseAgency(case_id=case.id, agency_id=agencies[AgencyKind.HOUSING].id, reason="research")
                )
            if creator is coordinator and index % 3 == 1 and area is areas[0]:
                db.session.add(Allocation(case_id=case.id, idva_id=idva.id, allocated_by_id=manager.id))
                cases.involve_agency(case, idva.agency_id, "allocated")
            _seed_assessments(rng, case, index, police, thresholds, today)
    db.session.commit()
    _seed_referrals(rng, areas, today, coordinator)
    db.session.commit()


def _seed_assessments(rng, case, index, police, thresholds, today):
    # Scores across the range: standard, medium, high, and high by professional judgement.
    yes_count = [4, 8, 11, 13, 14, 15, 17, 19, 6, 12][index % 10]
    # Every sixth case was last referred well over a year ago: the agenda's closing section.
    assessed_on = today - timedelta(days=rng.randrange(400, 540) if index % 6 == 5 else rng.randrange(20, 300))
    if index % 5 == 0:
        # An earlier assessment, so the risk chart has a history to show.
        _completed(rng, case, max(yes_count - 5, 1), assessed_on - timedelta(days=90), police, thresholds)
    judged = (
        {"judged_level": "high", "judgement_reasons": "Recent escalation: threats to kill after separation"}
        if yes_count == 12
        else {}
    )
    latest = _completed(rng, case, yes_count, assessed_on, police, thresholds, **judged)
    if index == 6:
        correction = assessments.new_dash(case, _rep_of(police) or _any_coordinator(), corrects=latest)
        correction.answers = {**correction.answers, "1": {"answer": "yes", "source": "Police log", "comment": ""}}
        correction.correction_reason = "Question 1 was recorded as No in error"
        db.session.add(correction)
        db.session.flush()
        assessments.complete(correction, thresholds, None)
    if index == 9:
        draft = RiskAssessment(
            case_id=case.id,
            created_by_id=None,
            agency_id=police.id,
            assessor_name="PC Demo",
            answers=_yes_answers(rng, 5),
            assessed_on=today,
        )
        draft.answers = dict(list(draft.answers.items())[:10])
        db.session.add(draft)


def _rep_of(agency):
    return (
        db.session.query(User).filter_by(agency_id=agency.id).filter(User.role_rows.any(role=Role.AGENCY_REP)).first()
    )


def _any_coordinator():
    return db.session.query(User).filter(User.role_rows.any(role=Role.COORDINATOR)).first()


def _completed(rng, case, yes_count, assessed_on, agency, thresholds, **details):
    assessment = RiskAssessment(
        case_id=case.id,
        agency_id=agency.id,
        assessor_name=f"PC {rng.choice(SURNAMES)}",
        assessed_on=assessed_on,
        answers={str(n): given for n, given in _yes_answers(rng, yes_count).items()},
        incidents_in_window=rng.choice([1, 1, 2, 3, 4]),
        **details,
    )
    db.session.add(assessment)
    db.session.flush()
    assessments.complete(assessment, thresholds, None)
    return assessment


def case_count():
    return db.session.query(Case).count()


def _seed_referrals(rng, areas, today, coordinator):
    """A referral for each demo case, dated with its first DASH; then repeats within 12 months,
    a serial perpetrator, a transfer, and a few referrals still waiting for triage."""
    police_rep = db.session.query(User).filter_by(email="police@example.org").one()
    for area in areas:
        police = next(a for a in area.agencies if a.kind == AgencyKind.POLICE)
        referrer = police_rep if police_rep.agency_id == police.id else coordinator
        area_cases = db.session.query(Case).filter_by(area_id=area.id).order_by(Case.id).all()
        for index, case in enumerate(area_cases):
            first_dash = (
                db.session.query(RiskAssessment).filter_by(case_id=case.id).order_by(RiskAssessment.assessed_on).first()
            )
            waiting = area is areas[0] and index >= len(area_cases) - 3
            _referral(
                case,
                first_dash,
                first_dash.assessed_on,
                police,
                referrer,
                ReferralStatus.SUBMITTED if waiting else ReferralStatus.ACCEPTED,
            )
            if index % 4 == 1 and index % 6 != 5:
                again = min(today - timedelta(days=3), first_dash.assessed_on + timedelta(days=rng.randrange(60, 300)))
                _referral(
                    case,
                    first_dash,
                    again,
                    police,
                    referrer,
                    ReferralStatus.ACCEPTED if index % 8 == 1 else ReferralStatus.SUBMITTED,
                )
        _serial_perpetrator_case(rng, area, area_cases, police, referrer, today)
    # A victim who moved: her referral in the second area is transferred to the first.
    moving = db.session.query(Referral).filter_by(area_id=areas[1].id).order_by(Referral.id.desc()).first()
    moving.status_reason = "The victim has moved to a refuge in Northmoor"
    moving.status = ReferralStatus.TRANSFERRED
    triage.transfer(moving, areas[0], coordinator)


def _referral(case, assessment, on, agency, referrer, status):
    perpetrator_ids = {link.person_id for link in case.perpetrators}
    repeat_of = repeats.find_repeat(case.victim_id, perpetrator_ids, on)
    referral = Referral(
        area_id=case.area_id,
        case_id=case.id,
        status=status,
        referred_on=on,
        referring_agency_id=agency.id,
        referrer_id=referrer.id,
        referrer_name=referrer.name,
        referrer_contact=referrer.email,
        draft={},
        criteria=[c for c, _why in assessment.criteria] + (["repeat"] if repeat_of else []),
        risk_assessment_id=assessment.id,
        is_victim_aware=True,
        has_consent=True,
        is_repeat=repeat_of is not None,
        repeat_of_id=repeat_of.id if repeat_of else None,
        submitted_at=utcnow(),
    )
    db.session.add(referral)
    db.session.flush()
    cases.involve_agency(case, agency.id, "referred")
    return referral


def _serial_perpetrator_case(rng, area, area_cases, police, referrer, today):
    """The perpetrator of one case harms a second victim too."""
    original = area_cases[1]
    perpetrator = original.perpetrators[0].person
    victim = cases.new_person(_person(rng, FIRST_NAMES_F, area.name, born_between=(date(1975, 1, 1), date(2000, 1, 1))))
    case = cases.create_case(
        area=area, victim=victim, perpetrators=[(perpetrator, "ex_partner")], notes={}, user=referrer
    )
    assessment = _completed(rng, case, 16, today - timedelta(days=10), police, risk_scoring.Thresholds.for_area(area))
    _referral(case, assessment, assessment.assessed_on, police, referrer, ReferralStatus.SUBMITTED)


def seed_meetings(areas, today=None):
    """A past meeting of the first area (held, minutes sent, actions in every state, some overdue)
    and an upcoming one (list published, research half done); the second area's next meeting."""
    rng = random.Random(20261123)
    today = today or uk_today()
    coordinator = db.session.query(User).filter_by(email="coordinator@example.org").one()
    chair = db.session.query(User).filter_by(email="chair@example.org").one()
    first, second = areas
    past_day = today - timedelta(days=9)  # fortnightly: the next one is in five days
    past, upcoming = meetings.schedule(
        first,
        first_day=past_day,
        start_time=time(10, 0),
        count=2,
        length_minutes=180,
        venue="Northmoor Civic Centre, Committee Room 2",
        online_link=None,
        chair_id=chair.id,
        cut_off_days=7,
    )
    db.session.flush()
    agenda.build(past)
    meetings.publish(past, meetings.title(past))
    listed = agenda.items(past.id)
    for agency in past.invited_agencies:
        for item in listed:
            research = db.session.query(ResearchRequest).filter_by(agenda_item_id=item.id, agency_id=agency.id).one()
            if rng.random() < 0.6:
                meetings.answer_research(research, coordinator, nothing_known=True)
            else:
                meetings.answer_research(
                    research,
                    coordinator,
                    nothing_known=False,
                    facts="Contact recorded with the household in the past six months.",
                )
    meetings.record_attendance(past, {agency.id: (rng.random() < 0.85, "", True) for agency in past.invited_agencies})
    statuses = list(ActionStatus)
    agencies = [agency for agency in past.invited_agencies if agency.kind != AgencyKind.OTHER]
    for index, item in enumerate(listed):
        meetings.save_discussion(item, "Risk discussed with all agencies present. Safety plan reviewed.", "high")
        for number in range(rng.randint(3, 6)):
            owner = agencies[(index + number) % len(agencies)]
            action = actions.create(
                item.case,
                {
                    "owner_agency_id": owner.id,
                    "owner_person": "",
                    "protects": rng.choice(list(ActionTarget)),
                    "what": rng.choice(DEMO_ACTIONS[owner.kind]),
                    "how_known": "Confirmed to the MARAC coordinator by email",
                    "due_on": past_day + timedelta(days=rng.choice([7, 10, 14, 21, 28, 42])),
                    "due_reason": "",
                },
                coordinator,
                meeting=past,
                item=item,
            )
            status = statuses[(2 * index + 3 * number) % len(statuses)]  # every agency gets a mix
            if status != ActionStatus.NOT_STARTED:
                actions.change_status(
                    action,
                    coordinator,
                    status,
                    note="Update given at the review",
                    evidence="Confirmed by the agency",
                    completed_on=min(today, action.due_on) if status == ActionStatus.COMPLETED else None,
                )
    meetings.mark_held(past)
    meetings.approve_minutes(past, chair)
    meetings.send_minutes(past, meetings.title(past))
    past.minutes_sent_at = past.starts_at + timedelta(days=2)

    upcoming.referral_cut_off = today - timedelta(days=1)
    agenda.build(upcoming)
    meetings.publish(upcoming, meetings.title(upcoming))
    for research in db.session.query(ResearchRequest).join(AgendaItem).filter(AgendaItem.meeting_id == upcoming.id):
        if rng.random() < 0.5:
            meetings.answer_research(
                research,
                coordinator,
                nothing_known=rng.random() < 0.7,
                facts="One call-out last month; no further action.",
            )
    meetings.schedule(
        second,
        first_day=today + timedelta(days=9),
        start_time=time(14, 0),
        count=1,
        length_minutes=120,
        venue="Eastwick Vale Police Station",
        online_link=None,
        chair_id=chair.id,
        cut_off_days=7,
    )
    db.session.commit()


# Actions each kind of agency would own: who does what at a MARAC.
DEMO_ACTIONS = {
    AgencyKind.POLICE: [
        "Flag the victim's address for an urgent police response and brief the neighbourhood team",
        "Check the perpetrator's bail conditions and act on any breach",
        "Ask the perpetrator's home force for any intelligence and share what is relevant",
    ],
    AgencyKind.IDVA_SERVICE: [
        "Contact the victim within two working days and review the safety plan with her",
        "Support the victim to apply for a non-molestation order",
    ],
    AgencyKind.HEALTH: [
        "Offer the victim a GP appointment with an interpreter and a routine enquiry about abuse",
        "Ask the midwife to see the victim alone at her next antenatal appointment",
        "Flag the victim's records so that the GP practice never shares her contact details",
    ],
    AgencyKind.HOUSING: [
        "Fit additional locks and a door camera at the victim's home through the sanctuary scheme",
        "Review the tenancy and consider action against the perpetrator for breach of tenancy",
        "Make a priority housing assessment and offer temporary accommodation away from the area",
    ],
    AgencyKind.CHILDREN_SOCIAL_CARE: [
        "Complete a child and family assessment and share the outcome with the IDVA",
        "Check whether children live at or visit the address and record what is found",
    ],
    AgencyKind.ADULT_SOCIAL_CARE: [
        "Complete a care and support needs assessment with the victim",
    ],
    AgencyKind.PROBATION: [
        "Review the perpetrator's licence conditions with offender management",
        "Refer the perpetrator to the behaviour change programme and report attendance",
    ],
    AgencyKind.MENTAL_HEALTH: [
        "Offer the victim an assessment with the community mental health team",
    ],
    AgencyKind.SUBSTANCE_MISUSE: [
        "Offer the victim an appointment with a drug and alcohol worker",
    ],
    AgencyKind.EDUCATION: [
        "Share the safety plan with the school's designated safeguarding lead",
    ],
}


def complete_the_lists(area, today=None):
    """Run last, once every demo referral exists (the caseload's too): each accepted referral
    received by the held meeting's cut-off and on no list was heard at an earlier fortnightly
    meeting (minutes sent); those received since go on the upcoming list, which is then complete
    before its cut-off, its planned minutes within the meeting's length."""
    today = today or uk_today()
    held = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.area_id == area.id, Meeting.status == MeetingStatus.MINUTES_SENT)
        .order_by(Meeting.starts_at.desc())
    ).first()
    upcoming = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.area_id == area.id, Meeting.status == MeetingStatus.LIST_PUBLISHED)
        .order_by(Meeting.starts_at)
    ).first()
    if held is None or upcoming is None:
        return
    on_no_list = ~sa.exists().where(AgendaItem.case_id == Referral.case_id)
    stale = db.session.scalars(
        sa.select(Referral)
        .where(
            Referral.area_id == area.id,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.referred_on <= held.referral_cut_off,
            on_no_list,
        )
        .order_by(Referral.referred_on, Referral.id)
    ).all()
    held_day = uk_date(held.starts_at)
    earlier = {}
    for referral in stale:
        fortnights = (held_day - referral.referred_on - timedelta(days=7)).days // 14
        earlier.setdefault(held_day - timedelta(weeks=2 * max(fortnights, 1)), []).append(referral)
    for day, referrals in sorted(earlier.items()):
        _held_with(held, day, referrals)
    agenda.build(upcoming)
    meetings.after_list_change(upcoming)
    listed = agenda.items(upcoming.id)
    minutes = {AgendaSection.CHILDREN: 10, AgendaSection.ADULTS: 8}
    for item in listed:
        item.planned_minutes = minutes.get(item.section, 5)
    while agenda.timing(listed, upcoming)[2]:  # a long list: every case a minute shorter
        for item in listed:
            item.planned_minutes = max(item.planned_minutes - 1, 3)


def _held_with(model, day, referrals):
    """A meeting like `model` on `day` that heard these referrals' cases; its minutes sent."""
    (meeting,) = meetings.schedule(
        model.area,
        first_day=day,
        start_time=time(10, 0),
        count=1,
        length_minutes=model.length_minutes,
        venue=model.venue,
        online_link=None,
        chair_id=model.chair_id,
        cut_off_days=7,
    )
    db.session.flush()
    for position, referral in enumerate(referrals, start=1):
        has_children = bool(db.session.get(Case, referral.case_id).children)
        db.session.add(
            AgendaItem(
                meeting_id=meeting.id,
                case_id=referral.case_id,
                referral_id=referral.id,
                section=AgendaSection.CHILDREN if has_children else AgendaSection.ADULTS,
                position=position,
                discussion="Risk discussed with all agencies present. Safety plan agreed.",
                risk_after="high",
                discussed_at=meeting.starts_at,
            )
        )
    meeting.status = MeetingStatus.MINUTES_SENT
    meeting.list_published_at = meeting.starts_at - timedelta(days=5)
    meeting.held_at = meeting.starts_at + timedelta(hours=3)
    meeting.minutes_approved_at = meeting.minutes_sent_at = meeting.starts_at + timedelta(days=2)
    meeting.minutes_approved_by_id = model.chair_id


VICTIM_WANTS = [
    "To stay in her home with the locks changed and a police marker on the address",
    "To move somewhere he does not know about, near her sister",
    "For the children to stay at their school and for contact to stop",
]
VICTIM_FEARS = [
    "That he will come back when his bail conditions end",
    "That the children will be taken from her if she speaks to anyone",
    "That his family will find out where she is staying",
]
VICTIM_AGREES = [
    "Everything discussed, except her new phone number",
    "Her safety plan and the risk; not her health information",
    "All of it",
]


def seed_victim_views(areas):
    """The victim's voice for two in three cases on the first area's next meeting, recorded by the
    case's IDVA (or the coordinator where none is allocated) a day before the list was published."""
    rng = random.Random(20261206)
    coordinator = db.session.query(User).filter_by(email="coordinator@example.org").one()
    upcoming = (
        db.session.query(Meeting)
        .filter(Meeting.area_id == areas[0].id, Meeting.status == MeetingStatus.LIST_PUBLISHED)
        .order_by(Meeting.starts_at)
        .first()
    )
    for index, item in enumerate(agenda.items(upcoming.id)):
        if index % 3 == 2:
            continue
        idva_id = db.session.scalar(
            sa.select(Allocation.idva_id).where(Allocation.case_id == item.case_id, Allocation.ended_at.is_(None))
        )
        recorder = db.session.get(User, idva_id) if idva_id else coordinator
        view = victim_views.record(
            item.case,
            {
                "wants": rng.choice(VICTIM_WANTS),
                "fears": rng.choice(VICTIM_FEARS),
                "agrees_to_share": rng.choice(VICTIM_AGREES),
                "knows_of_referral": rng.choice(["yes", "yes", "no"]),
            },
            recorder,
        )
        view.recorded_at = utcnow() - timedelta(days=1)
    db.session.commit()
