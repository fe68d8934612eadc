"""A referral sent through the API, as the answers the web form's steps take (see
services.referrals.create_and_submit and criteria_problems)."""

from marac.services.referrals import NEW_PERSON
from models.risk import QUESTIONS


def _iso(value):
    return value.isoformat() if value is not None else None


def _person(person):
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "aliases": [[alias.first_name.strip(), alias.last_name] for alias in person.aliases],
        "date_of_birth": _iso(person.date_of_birth),
        "gender": person.gender,
    }


def _address(person):
    return {
        "address": person.address,
        "postcode": person.postcode,
        "is_address_confidential": person.is_address_confidential,
    }


def form_data(data, area):
    """ReferralForm.data, as services.referrals.start takes it."""
    return {
        "area_id": area.id,
        "referred_on": data.referred_on,
        "referrer_name": data.referrer_name,
        "referrer_contact": data.referrer_contact,
        "criteria": list(data.criteria),
        "is_victim_aware": "yes" if data.is_victim_aware else "no",
        "has_consent": "yes" if data.has_consent else "no",
        "lawful_basis": data.lawful_basis,
        "sharing_reason": data.sharing_reason,
        "previous_maracs": data.previous_maracs,
    }


def details(data):
    """ReferralForm.draft_data(): the people as typed, the safety notes and the criteria's details."""
    victim, perpetrator = data.victim, data.perpetrator
    return {
        "victim": {
            **_person(victim),
            **_address(victim),
            "ethnicity": victim.ethnicity,
            "disability": victim.disability,
            "lgbt": victim.lgbt,
            "language": victim.language,
            "needs_interpreter": victim.needs_interpreter,
            "phone": victim.phone,
            "is_safe_to_call": {True: "yes", False: "no", None: "unknown"}[victim.is_safe_to_call],
        },
        "perpetrator": {
            **_person(perpetrator),
            **_address(perpetrator),
            "relationship_to_victim": perpetrator.relationship_to_victim,
        },
        "children": [
            {
                **_person(child),
                "relationship_to_victim": child.relationship_to_victim,
                "relationship_to_perpetrator": child.relationship_to_perpetrator,
                "school": child.school,
            }
            for child in data.children
        ],
        "notes": data.safety.model_dump(),
        "judgement_reasons": data.judgement_reasons,
        "incidents_in_window": data.incidents_in_window,
        "past_referral_confirmed": data.past_referral_confirmed,
    }


def choices(data):
    """(victim choice, perpetrator choice): a person id as text, or a new person."""
    return tuple(
        str(person.person_id) if person.person_id is not None else NEW_PERSON
        for person in (data.victim, data.perpetrator)
    )


def dash(data):
    """(the DASH's details, its answers) as services.referrals.save_dash takes them."""
    given = data.dash
    answers = {}
    for number in QUESTIONS:
        answer = getattr(given.answers, f"q{number}")
        answers[number] = {"answer": answer.answer, "source": answer.source or "", "comment": answer.comment or ""}
    return (
        {
            "assessed_on": given.assessed_on,
            "assessor_name": given.assessor_name,
            "fears_detail": given.fears_detail,
            "judged_level": given.judged_level,
            "judgement_reasons": given.judgement_reasons,
        },
        answers,
    )


def criteria_answers(data):
    """The answers services.referrals.criteria_problems checks, as the web form gives them."""
    return {
        "criteria": list(data.criteria),
        "judgement_reasons": data.judgement_reasons,
        "incidents_in_window": data.incidents_in_window,
        "has_consent": bool(data.has_consent),
        "lawful_basis": data.lawful_basis,
        "sharing_reason": data.sharing_reason,
    }
