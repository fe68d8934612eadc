"""Which dates a record may carry: the one place that says so, for the web forms (their views add
the messages to the fields) and the API alike.

A date of something that has happened (a referral, a risk assessment, a contact with the victim,
an action's completion) is not in the future, not before the victim was born, and not before
MARACs existed (the first met in Cardiff in 2003). A referral dated more than 12 months ago (the
repeat window, services/repeats.py) is accepted only once the referrer confirms they are recording
a past referral: a typing slip of the year is likelier than a referral a year late.
"""

from marac.services.repeats import window_end
from models.clock import uk_today

FIRST_MARAC_YEAR = 2003
PAST_REFERRAL_MESSAGE = (
    "The date of referral is more than 12 months ago: check it, or confirm you are recording a past referral"
)


def happened_problem(on, what, *, born=None, today=None):
    """The message for a date of something that has happened (`what` starts the message, like
    "The date of referral"), or None when the date is acceptable or not given."""
    if on is None:
        return None
    today = today or uk_today()
    if on > today:
        return f"{what} must be today or in the past"
    if born is not None and on < born:
        return f"{what} must be on or after the victim's date of birth"
    if on.year < FIRST_MARAC_YEAR:
        return f"{what} must be in {FIRST_MARAC_YEAR} or later, when MARACs began"
    return None


def is_long_ago(on, today=None):
    """Whether `on` is more than 12 months before today: its repeat window ended before today
    (so 12 months ago to the day is not; from 29 February, 28 February a year on is not)."""
    return window_end(on) < (today or uk_today())


def referral_date_problem(on, *, born=None, past_confirmed=False, today=None):
    """The message for a referral's date, or None. A date more than 12 months ago needs
    `past_confirmed`; the message then is PAST_REFERRAL_MESSAGE (the form shows the box to tick)."""
    if problem := happened_problem(on, "The date of referral", born=born, today=today):
        return problem
    if on is not None and is_long_ago(on, today) and not past_confirmed:
        return PAST_REFERRAL_MESSAGE
    return None


def assessment_date_problem(on, *, born=None, today=None):
    return happened_problem(on, "The date of the assessment", born=born, today=today)


def contact_date_problem(on, *, born=None, today=None):
    return happened_problem(on, "The date of the contact", born=born, today=today)


def completion_date_problem(on, *, agreed_on, today=None):
    """An action's completion: as any past date, and not before the day it was agreed."""
    if problem := happened_problem(on, "The completion date", today=today):
        return problem
    if on is not None and agreed_on is not None and on < agreed_on:
        return f"The completion date must be on or after the day the action was agreed ({agreed_on:%-d %B %Y})"
    return None
