"""Records as the API's response models: the same facts the web pages show, no more."""

from marac.api import schemas
from marac.services import actions, referrals
from models import Referral, RiskAssessment, db
from models.meetings import AGENDA_SECTION_LABELS


def named(record):
    return schemas.Named(id=record.id, name=record.name)


def _person(person):
    return {
        "person_id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth,
    }


def _risk(assessment):
    if assessment is None:
        return None
    return schemas.RiskOut(
        tool=assessment.tool,
        assessed_on=assessment.assessed_on,
        score=assessment.score,
        level=assessment.level,
        criteria=[
            schemas.CriterionOut(criterion=criterion, reason=why) for criterion, why in assessment.criteria or []
        ],
    )


def referral_fields(referral, seen_cases, repeats_shown):
    """`seen_cases`: the case ids whose people the user may see (access.seen_case_ids), the rule
    the web's referral page follows: a referral whose case the user may not see (it moved to
    another area) names no one. `repeats_shown`: the referral ids whose earlier referral the user
    is told of (access.repeat_details_shown); of any other repeat, only that it is one."""
    case = referral.case if referral.case_id in seen_cases else None
    assessment = db.session.get(RiskAssessment, referral.risk_assessment_id) if referral.risk_assessment_id else None
    repeat_of = db.session.get(Referral, referral.repeat_of_id) if referral.id in repeats_shown else None
    return {
        "id": referral.id,
        "reference": referral.reference,
        "status": referral.status,
        "status_label": referral.status_label,
        "area": named(referral.area),
        "referring_agency": named(referral.referring_agency),
        "referrer_name": referral.referrer_name,
        "referred_on": referral.referred_on,
        "submitted_at": referral.submitted_at,
        "criteria": list(referral.criteria or []),
        "is_repeat": referral.is_repeat,
        "repeat_claim": referral.repeat_claim,
        "repeat_of": schemas.RepeatOfOut(
            reference=repeat_of.reference,
            referred_on=repeat_of.referred_on,
            is_same_area=repeat_of.area_id == referral.area_id,
        )
        if repeat_of
        else None,
        "case_reference": case.reference if case else None,
        "victim": schemas.PersonOut(**_person(case.victim)) if case else None,
        "perpetrators": [
            schemas.PerpetratorOut(**_person(link.person), relationship_to_victim=link.relationship_to_victim)
            for link in (case.perpetrators if case else [])
        ],
        "children": [
            schemas.ChildOut(
                **_person(link.person),
                relationship_to_victim=link.relationship_to_victim,
                relationship_to_perpetrator=link.relationship_to_perpetrator,
            )
            for link in (case.children if case else [])
        ],
        "risk": _risk(assessment),
        "message": referral.status_reason,
        "warnings": referrals.warnings(referral),
    }


def referral(record, seen_cases, repeats_shown):
    return schemas.ReferralOut(**referral_fields(record, seen_cases, repeats_shown))


def matches(found):
    return schemas.MatchesOut(
        **{
            role: [
                schemas.MatchOut(
                    **_person(person),
                    aliases=[alias.full_name for alias in person.aliases],
                    score=match.score,
                    reasons=list(match.reasons),
                )
                for match, person in found[role]
            ]
            for role in ("victim", "perpetrator")
        }
    )


def action_fields(action, user):
    return {
        "id": action.id,
        "reference": action.reference,
        "case_reference": action.case.reference,
        "meeting_id": action.meeting_id,
        "owner_agency": named(action.owner_agency),
        "owner_person": action.owner_person,
        "protects": action.protects,
        "what": action.what,
        "how_known": action.how_known,
        "due_on": action.due_on,
        "due_reason": action.due_reason,
        "status": action.status,
        "status_label": action.status_label,
        "status_note": action.status_note,
        "completed_on": action.completed_on,
        "evidence": action.evidence,
        "is_overdue": actions.is_overdue(action),
        "allowed_statuses": [status.value for status in actions.allowed_statuses(user, action)],
        "version": action.version,
        "updated_at": action.updated_at,
    }


def action(record, user):
    return schemas.ActionOut(**action_fields(record, user))


def action_detail(record, user):
    return schemas.ActionDetailOut(
        **action_fields(record, user),
        history=[
            schemas.ActionUpdateOut(
                at=update.at, from_status=update.from_status, to_status=update.to_status, note=update.note
            )
            for update in actions.history(record.id)
        ],
    )


def meeting_fields(meeting, case_count):
    return {
        "id": meeting.id,
        "area": named(meeting.area),
        "starts_at": meeting.starts_at,
        "status": meeting.status,
        "status_label": meeting.status_label,
        "case_count": case_count,
    }


def _listed(person):
    return {"first_name": person.first_name, "last_name": person.last_name, "date_of_birth": person.date_of_birth}


def case_list_entry(item, case, is_repeat):
    """One case of a published list, as the web list shows it: names and dates of birth, the
    victim's address unless it is confidential, no perpetrator's or child's address."""
    victim = case.victim
    withheld = bool(victim.is_address_confidential)
    return schemas.CaseListEntryOut(
        position=item.position,
        section=item.section,
        section_label=AGENDA_SECTION_LABELS.get(item.section, item.section),
        case_reference=case.reference,
        is_repeat=is_repeat,
        victim=schemas.ListedVictimOut(
            **_listed(victim),
            address=None if withheld else victim.address,
            postcode=None if withheld else victim.postcode,
            is_address_withheld=withheld,
        ),
        perpetrators=[
            schemas.ListedPerpetratorOut(**_listed(link.person), relationship_to_victim=link.relationship_to_victim)
            for link in case.perpetrators
        ],
        children=[
            schemas.ListedChildOut(
                **_listed(link.person),
                relationship_to_victim=link.relationship_to_victim,
            )
            for link in case.children
        ],
    )
