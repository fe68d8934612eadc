"""Triage: the coordinator's decision on a sent referral (accept, ask for more information,
decline, transfer to another area), the referrer's reply to a request for more, and the people on
record anywhere who may be the referral's, linked by the coordinator."""

from dataclasses import dataclass

import sqlalchemy as sa

from marac.services import access, agenda, people, referrals, versions
from marac.services.notifications import notify_area_coordinators, notify_user
from models import Action, Area, Case, CasePerpetrator, Person, Referral, ReferralStatus, db
from models.cases import case_reference
from models.clock import uk_date, utcnow

REPLY_FROM_REFERRER = "Reply from the referrer: "

# The statuses a coordinator decides a referral from.
TRIAGE_STATUSES = (ReferralStatus.SUBMITTED, ReferralStatus.MORE_INFORMATION)


def awaits_triage(referral):
    return referral.status in TRIAGE_STATUSES


def listing_meeting(referral):
    """The meeting an accepted referral goes on the list of (the first whose cut-off takes its
    date), else None."""
    return agenda.meeting_for(referral.area_id, referral.referred_on) if referral.referred_on else None


def transfer_areas(referral):
    """The areas a referral can be transferred to: the others in use."""
    return db.session.scalars(
        sa.select(Area).where(Area.id != referral.area_id, Area.is_active).order_by(Area.name)
    ).all()


def decide(referral, decision, *, reason, coordinator, transfer_area=None):
    """The coordinator's decision; the referrer is told in the app."""
    referral.status_reason = (reason or "").strip() or None
    referral.decided_at = utcnow()
    referral.decided_by_id = coordinator.id
    message = {
        "accept": f"Referral {referral.reference} was accepted for the next MARAC",
        "more_information": f"The coordinator asked for more information about referral {referral.reference}",
        "decline": f"Referral {referral.reference} was declined",
        "transfer": f"Referral {referral.reference} was transferred to another area's MARAC",
    }[decision]
    referral.status = {
        "accept": ReferralStatus.ACCEPTED,
        "more_information": ReferralStatus.MORE_INFORMATION,
        "decline": ReferralStatus.DECLINED,
        "transfer": ReferralStatus.TRANSFERRED,
    }[decision]
    moved = transfer(referral, transfer_area, coordinator) if decision == "transfer" else None
    notify_user(referral.referrer_id, message, f"/referrals/{referral.id}")
    return moved


def transfer(referral, area, coordinator):
    """The victim moved: the case and its history go to the other area as a new referral there."""
    case = db.session.get(Case, referral.case_id)
    case.area_id = area.id
    db.session.execute(sa.update(Action).where(Action.case_id == case.id).values(area_id=area.id))
    moved = Referral(
        area_id=area.id,
        case_id=case.id,
        status=ReferralStatus.SUBMITTED,
        referred_on=referral.referred_on,
        referring_agency_id=referral.referring_agency_id,
        referrer_id=referral.referrer_id,
        referrer_name=referral.referrer_name,
        referrer_contact=referral.referrer_contact,
        draft={},
        criteria=referral.criteria,
        risk_assessment_id=referral.risk_assessment_id,
        is_victim_aware=referral.is_victim_aware,
        has_consent=referral.has_consent,
        lawful_basis=referral.lawful_basis,
        sharing_reason=referral.sharing_reason,
        previous_maracs=referral.previous_maracs,
        is_repeat=referral.is_repeat,
        repeat_of_id=referral.repeat_of_id,
        transferred_from_id=referral.id,
        submitted_at=utcnow(),
    )
    db.session.add(moved)
    db.session.flush()
    notify_area_coordinators(
        area.id,
        f"Referral {moved.reference} was transferred to your area and is waiting for triage",
        f"/referrals/{moved.id}",
    )
    return moved


def reply(referral, text, user):
    """The referrer answers a request for more information: back to the coordinator."""
    note = referral.status_reason or ""
    referral.status_reason = f"{note}\n\n{REPLY_FROM_REFERRER}{text.strip()}".strip()
    referral.status = ReferralStatus.SUBMITTED
    notify_area_coordinators(
        referral.area_id, f"The referrer replied about referral {referral.reference}", f"/referrals/{referral.id}"
    )


def replied(referral, user, text):
    """This is the referrer's reply already sent (a second send of the same answer)."""
    reason = referral.status_reason or ""
    return referral.referrer_id == user.id and reason.endswith(f"{REPLY_FROM_REFERRER}{text.strip()}")


@dataclass
class OtherCase:
    """Another case of the same victim in the same area (with another perpetrator, or the same)."""

    id: int
    reference: str
    year: int
    same_perpetrator: bool


@dataclass
class VictimHistory:
    areas: list  # names of other areas where the victim has a case
    cases: list  # OtherCase: the victim's other cases in this area that the user may see


def victim_history(case_id, area_id, user, *, with_areas):
    """The victim's history with MARAC beyond this case: the other areas where they have a case
    (`with_areas`: for the area's coordinator, who asks that area's coordinator for it; says that
    there is history, never what it is), and their other cases in this area, e.g. with another
    perpetrator, that the user may see (access.seen_case_ids). On the referral and the case."""
    case = db.session.get(Case, case_id) if case_id else None
    if case is None:
        return VictimHistory([], [])
    rows = db.session.execute(
        sa.select(Case.id, Case.area_id, Area.name, Case.created_at)
        .join(Area, Area.id == Case.area_id)
        .where(Case.victim_id == case.victim_id, Case.id != case.id)
        .order_by(Case.created_at.desc(), Case.id.desc())
    ).all()
    areas = sorted({name for _id, other_area, name, _at in rows if other_area != area_id}) if with_areas else []
    seen = access.seen_case_ids(user, [other_id for other_id, other_area, _name, _at in rows if other_area == area_id])
    shared = set()
    if seen:
        own = sa.select(CasePerpetrator.person_id).where(CasePerpetrator.case_id == case.id)
        shared = set(
            db.session.scalars(
                sa.select(CasePerpetrator.case_id).where(
                    CasePerpetrator.case_id.in_(sorted(seen)), CasePerpetrator.person_id.in_(own)
                )
            )
        )
    cases = [
        OtherCase(other_id, case_reference(other_id), uk_date(created_at).year, other_id in shared)
        for other_id, _area, _name, created_at in rows
        if other_id in seen
    ]
    return VictimHistory(areas, cases)


def possible_duplicates(referral):
    """For the coordinator at triage: the referral's victim, then each perpetrator, with the people
    on record anywhere in the deployment who may be them (the referrer was offered only those of
    cases they may see): [(role, person, [(Match, candidate, names of the areas of their cases)])],
    for those with any. A victim who moved areas is found here."""
    case = db.session.get(Case, referral.case_id) if referral.case_id else None
    if case is None:
        return []
    own = [("Victim", case.victim)] + [("Perpetrator", link.person) for link in case.perpetrators]
    in_this_case = [person.id for _role, person in own] + [link.person_id for link in case.children]
    found = [
        (role, person, people.possible_matches(people.details_of(person), within=Person.id.not_in(in_this_case)))
        for role, person in own
    ]
    found = [(role, person, matches) for role, person, matches in found if matches]
    areas = _areas_of([candidate.id for _role, _person, matches in found for _match, candidate in matches])
    return [
        (role, person, [(match, candidate, areas.get(candidate.id, [])) for match, candidate in matches])
        for role, person, matches in found
    ]


def _areas_of(person_ids):
    """{person id: sorted names of the areas of their cases}."""
    if not person_ids:
        return {}
    links = people.case_links(person_ids)
    rows = db.session.execute(
        sa.select(links.c[0], Area.name)
        .join(Case, Case.id == links.c[1])
        .join(Area, Area.id == Case.area_id)
        .distinct()
        .order_by(Area.name)
    ).all()
    areas = {}
    for person_id, name in rows:
        areas.setdefault(person_id, []).append(name)
    return areas


class LinkRefused(Exception):
    """Not a link the triage page offered, or two records that cannot be one person."""


class AlreadyDecided(Exception):
    """The referral was decided (by another coordinator, at the same moment perhaps): its people
    are no longer linked from triage."""


def link_person(referral, person_id, on_record_id, coordinator):
    """The coordinator's "same person": the referral's person `person_id` is merged into
    `on_record_id`, one the triage page offered for them (people.merge), and the repeat check runs
    again on the people now linked: on this referral, and on the later ones of the same victim and
    perpetrator, which may now repeat it (rechecked in the coordinator's name). Returns (the person
    on record, how many cases moved to them, the ids of the areas of that person's cases now).
    Raises AlreadyDecided or LinkRefused, changing nothing. One transaction: the caller commits."""
    versions.lock(referral)  # two coordinators linking (or deciding) at once take turns
    if not awaits_triage(referral):  # read again under the lock: a decision made meanwhile counts
        raise AlreadyDecided
    offered = {
        (person.id, candidate.id): (person, candidate)
        for _role, person, matches in possible_duplicates(referral)
        for _match, candidate, _areas in matches
    }
    if (person_id, on_record_id) not in offered:
        raise LinkRefused("Link only a person to one of the matches shown for them")
    duplicate, on_record = offered[(person_id, on_record_id)]
    try:
        moved = people.merge(duplicate, into=on_record)
    except people.CannotMerge as refused:
        raise LinkRefused(str(refused)) from refused
    case = db.session.get(Case, referral.case_id)
    perpetrator_ids = [link.person_id for link in case.perpetrators]
    referrals.flag_repeat(referral, case.victim_id, perpetrator_ids)
    referrals.recheck_later_repeats(
        referral, case.victim_id, perpetrator_ids, coordinator, why="was linked to the same people at triage"
    )
    links = people.case_links([on_record.id])
    area_ids = db.session.scalars(
        sa.select(Case.area_id).join(links, links.c[1] == Case.id).distinct().order_by(Case.area_id)
    ).all()
    return on_record, moved, area_ids
