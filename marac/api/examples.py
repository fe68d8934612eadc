"""Example requests shown in the OpenAPI description (and sent by Schemathesis's examples phase)."""

from datetime import timedelta

from models.clock import uk_today
from models.risk import QUESTIONS


def _referral():
    today = uk_today()
    return {
        "area_id": 1,
        "referred_on": today.isoformat(),
        "referrer_name": "Pat Constable",
        "referrer_contact": "01632 960 001",
        "victim": {
            "first_name": "Tessa",
            "last_name": "Quillfeather",
            "date_of_birth": "1990-04-03",
            "gender": "female",
            "postcode": "NM1 4AB",
            "phone": "07700 900 982",
            "is_safe_to_call": False,
        },
        "perpetrator": {
            "first_name": "Rex",
            "last_name": "Bramblecote",
            "date_of_birth": "1988-01-09",
            "relationship_to_victim": "ex_partner",
        },
        "children": [
            {
                "first_name": "Milo",
                "last_name": "Quillfeather",
                "date_of_birth": "2019-06-30",
                "relationship_to_victim": "child",
                "relationship_to_perpetrator": "child",
            }
        ],
        "safety": {"victim_fears": "Rex Bramblecote and his brother"},
        "criteria": ["visible_high_risk"],
        "is_victim_aware": True,
        "has_consent": True,
        "dash": {
            "answers": {str(number): {"answer": "yes" if number <= 15 else "no"} for number in QUESTIONS},
            "assessed_on": (today - timedelta(days=1)).isoformat(),
            "assessor_name": "Pat Constable",
            "fears_detail": "Being killed",
        },
    }


def examples():
    """{operation id: example body}, with today's dates."""
    return {
        "referral_create": _referral(),
        "action_status": {"version": 1, "status": "in_progress", "note": "Visit booked for Tuesday"},
    }
