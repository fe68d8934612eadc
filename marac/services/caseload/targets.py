"""The IDVA service's targets (settings, config.py IDVA_*) and the due dates they give: first
contact within 2 working days of the referral, feedback to the victim within 2 working days after
MARAC, the next contact, a risk review every 8 weeks. Working days are England and Wales ones
(workdays.py)."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from marac.services import workdays
from models.clock import uk_date


@dataclass(frozen=True)
class Targets:
    triage_hours: int = 48
    first_contact_working_days: int = 2
    feedback_working_days: int = 2
    risk_review_weeks: int = 8
    contact_interval_days: int = 14

    @classmethod
    def from_config(cls, config=None):
        config = config if config is not None else current_app.config
        return cls(
            triage_hours=config["IDVA_TRIAGE_HOURS"],
            first_contact_working_days=config["IDVA_FIRST_CONTACT_WORKING_DAYS"],
            feedback_working_days=config["IDVA_MARAC_FEEDBACK_WORKING_DAYS"],
            risk_review_weeks=config["IDVA_RISK_REVIEW_WEEKS"],
            contact_interval_days=config["IDVA_CONTACT_INTERVAL_DAYS"],
        )


def first_contact_due(received_at, targets):
    """The last day for first contact: N working days after the day the referral came in."""
    return workdays.add_working_days(uk_date(received_at), targets.first_contact_working_days)


def feedback_due(meeting_day, targets):
    """The last day to tell the victim what MARAC agreed: N working days after the meeting."""
    return workdays.add_working_days(meeting_day, targets.feedback_working_days)


def next_contact_due(*, next_contact_on, last_contact_at, first_contact_due_on, targets):
    """The date the IDVA set; else the interval after the last contact; else first contact's due date."""
    if next_contact_on:
        return next_contact_on
    if last_contact_at:
        return uk_date(last_contact_at) + timedelta(days=targets.contact_interval_days)
    return first_contact_due_on


def review_due(*, last_assessed_on, opened_at, targets):
    """A risk review every N weeks from the latest completed risk assessment (or the allocation)."""
    base = last_assessed_on or uk_date(opened_at)
    return base + timedelta(weeks=targets.risk_review_weeks)
