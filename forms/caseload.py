"""IDVA caseload forms: allocation, contacts, the safety plan, intake, onward referrals, closure
and an IDVA's full-time equivalent. Messages in GOV.UK's words; answers are kept on error."""

import re
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from forms.common import (
    BaseForm,
    CheckboxesField,
    CreateForm,
    GovDateField,
    NotInFuture,
    SubmitButton,
    VersionedForm,
    choices,
    max_length,
    radios,
    single_line,
    whole_number,
)
from models.caseload import (
    CLOSURE_REASON_LABELS,
    CONTACT_METHOD_LABELS,
    CONTACT_OUTCOME_LABELS,
    FEELS_SAFE_LABELS,
    LEGAL_ORDERS,
    NEED_CATEGORIES,
    NEED_LEVELS,
    ONWARD_SERVICES,
    QUALITY_OF_LIFE_LABELS,
    RESTORATIVE_JUSTICE,
    SAFETY_PLAN_AREAS,
    SATISFACTION_LABELS,
    ClosureReason,
)
from models.clock import UK, uk_now, uk_today
from models.risk import RiskLevel

TEXT_MAX = 5000
TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
YES_NO_NOT_KNOWN = {"yes": "Yes", "no": "No", "not_known": "Not known"}
NOT_ANSWERED = "Not asked, or they did not answer"


def yes_no(value):
    """'yes' → True, 'no' → False, anything else → None."""
    return {"yes": True, "no": False}.get(value)


def yes_no_value(flag):
    return {True: "yes", False: "no"}.get(flag, "not_known")


def number_or_none(value):
    return whole_number(str(value or ""))


def parse_time(text):
    """'14:30', '14.30', '2:30pm', '2pm' → time, or None if it is not a real time."""
    match = TIME.match((text or "").strip())
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _scale(label, labels, *, descending=False, blank=NOT_ANSWERED):
    items = sorted(labels.items(), reverse=descending)
    return radios(label, {str(value): text for value, text in items} | {"": blank}, default="")


def _need_fields(when):
    return {
        f"need_{key}": radios(
            label,
            NEED_LEVELS,
            f"Select the level of need {when} for {label[0].lower()}{label[1:]}",
        )
        for key, label in NEED_CATEGORIES.items()
    }


def need_levels(form):
    """{category: level} from a form's need fields."""
    return {key: form[f"need_{key}"].data for key in NEED_CATEGORIES}


def _outcome_fields(when):
    return {
        "abuse_ongoing": radios(
            f"Is the abuse still happening {when}?",
            YES_NO_NOT_KNOWN,
            default="not_known",
        ),
        "feels_safe": _scale(f"How safe does the victim feel {when}?", FEELS_SAFE_LABELS),
        "quality_of_life": _scale(f"How does the victim rate their quality of life {when}?", QUALITY_OF_LIFE_LABELS),
    }


class AllocateForm(BaseForm):
    idva_id = RadioField(
        "Who will support this victim?",
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired("Select the IDVA to allocate the case to")],
    )
    submit = SubmitField("Allocate", widget=SubmitButton())


class ContactForm(CreateForm):
    contacted_on = GovDateField(
        "Date",
        description="For example, 27 11 2026",
        required_message="Enter the date of the contact or attempt",
        validators=[NotInFuture("The date of the contact must be today or in the past")],
    )
    contacted_time = StringField(
        "Time",
        widget=GovTextInput(),
        description="For example, 14:30 or 2:30pm",
        filters=[single_line],
        validators=[InputRequired("Enter the time of the contact or attempt")],
    )
    method = radios("How", CONTACT_METHOD_LABELS, "Select how you contacted or tried to contact the victim")
    outcome = radios("Outcome", CONTACT_OUTCOME_LABELS, "Select the outcome")
    was_safe = radios(
        "Was it safe?",
        YES_NO_NOT_KNOWN,
        "Select whether it was safe",
        description="For example, the victim could talk freely and the perpetrator was not there.",
    )
    note = TextAreaField(
        "Notes (optional)", widget=GovTextArea(), validators=[Optional(), max_length("Notes", TEXT_MAX)]
    )
    next_contact_on = GovDateField(
        "Next contact due (optional)",
        description="Leave blank to use the usual interval after a contact.",
    )
    submit = SubmitField("Save", widget=SubmitButton())

    def validate_contacted_time(self, field):
        if field.data and parse_time(field.data) is None:
            raise ValidationError("Enter a real time, like 14:30 or 2:30pm")

    def validate_next_contact_on(self, field):
        if field.data and field.data < uk_today():
            raise ValidationError("Next contact due must be today or in the future")

    def contacted_at(self):
        """The moment of the contact (UK time), or None if the date or time is missing."""
        day, at = self.contacted_on.data, parse_time(self.contacted_time.data)
        return datetime.combine(day, at, tzinfo=UK) if day and at else None

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        moment = self.contacted_at()
        if valid and moment and moment > uk_now():
            self.contacted_time.errors.append("The time of the contact must be in the past")
            valid = False
        return valid


def _plan_part(area, hint=""):
    """The safety plan's notes on one of SAFETY_PLAN_AREAS, optional."""
    label = SAFETY_PLAN_AREAS[area]
    return TextAreaField(
        label, widget=GovTextArea(), description=hint, validators=[Optional(), max_length(label, TEXT_MAX)]
    )


class SafetyPlanForm(VersionedForm):
    home_security = _plan_part(
        "home_security", "For example, lock changes, door and window alarms, a sanctuary scheme, a police marker."
    )
    emergency_plan = _plan_part(
        "emergency_plan", "In an emergency: 999 (press 55 if they cannot speak), a safe place to go, a code word."
    )
    legal_orders = CheckboxesField(
        "Orders in place or applied for",
        choices=choices(LEGAL_ORDERS.items()),
        validators=[Optional()],
    )
    legal_protection = _plan_part(
        "legal_protection",
        "For example, the non-molestation order hearing date, bail conditions, a Clare's Law disclosure.",
    )
    housing = _plan_part("housing")
    children = _plan_part(
        "children", "For example, school collection arrangements and who the school may release them to."
    )
    online_safety = _plan_part(
        "online_safety", "For example, location sharing turned off, passwords changed, devices checked."
    )
    review_on = GovDateField(
        "Review the plan by",
        description="For example, 27 12 2026",
        required_message="Enter the date to review the safety plan by",
    )
    submit = SubmitField("Save safety plan", widget=SubmitButton())

    def validate_review_on(self, field):
        if field.data and field.data < uk_today():
            raise ValidationError("The review date must be today or in the future")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not any((self[area].data or "").strip() for area in SAFETY_PLAN_AREAS) and not self.legal_orders.data:
            self.home_security.errors.append("Enter at least one part of the safety plan")
            valid = False
        return valid


_intake_fields = _need_fields("at intake")
_intake_fields.update(_outcome_fields("now"))
_intake_fields["submit"] = SubmitField("Save intake", widget=SubmitButton())
IntakeForm = type("IntakeForm", (VersionedForm,), _intake_fields)
IntakeForm.__doc__ = """Needs at intake in the eight categories, and the victim's own baseline answers."""


class OnwardReferralForm(CreateForm):
    service = radios("Service", ONWARD_SERVICES, "Select the service you referred the victim to")
    victim_asked = BooleanField(
        "The victim asked for restorative justice", widget=GovCheckboxInput(), validators=[Optional()]
    )
    judged_safe = BooleanField(
        "Restorative justice has been assessed as safe for the victim",
        widget=GovCheckboxInput(),
        validators=[Optional()],
    )
    referred_on = GovDateField(
        "Date of the referral",
        required_message="Enter the date of the referral",
        validators=[NotInFuture("The date of the referral must be today or in the past")],
    )
    note = TextAreaField(
        "Notes (optional)", widget=GovTextArea(), validators=[Optional(), max_length("Notes", TEXT_MAX)]
    )
    submit = SubmitField("Save referral", widget=SubmitButton())

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.service.data == RESTORATIVE_JUSTICE:
            if not self.victim_asked.data:
                self.victim_asked.errors.append("Restorative justice is only arranged when the victim asks for it")
                valid = False
            if not self.judged_safe.data:
                self.judged_safe.errors.append("Restorative justice is only arranged when it has been assessed as safe")
                valid = False
        return valid


def _closure_fields():
    fields = {
        "reason": radios("Why is the case closing?", CLOSURE_REASON_LABELS, "Select why the case is closing"),
        "note": TextAreaField(
            "Closing note",
            widget=GovTextArea(),
            description="Required when the reason is Other.",
            validators=[Optional(), max_length("Closing note", TEXT_MAX)],
        ),
        "risk_level": radios(
            "Risk level at closure",
            {level: level.label for level in reversed(RiskLevel)} | {"": "Not known"},
            description="From the latest risk review. It is matched with the risk level at intake.",
            default="",
        ),
    }
    fields.update(_outcome_fields("at closure"))
    fields.update(_need_fields("at closure"))
    fields["satisfaction"] = _scale(
        "How satisfied is the victim with the service?", SATISFACTION_LABELS, descending=True, blank="Not given"
    )
    fields["submit"] = SubmitField("Close the case", widget=SubmitButton())
    return fields


class _ClosureBase(VersionedForm, CreateForm):
    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.reason.data == ClosureReason.OTHER and not (self.note.data or "").strip():
            self.note.errors.append("Enter why the case is closing")
            valid = False
        return valid


ClosureForm = type("ClosureForm", (_ClosureBase,), _closure_fields())
ClosureForm.__doc__ = """Closure: the reason, needs and the victim's answers at exit (matched with
intake), and their satisfaction if given. Versioned against the support."""


class FteForm(VersionedForm):
    fte = StringField(
        "Full-time equivalent",
        widget=GovTextInput(),
        description="For example, 1 for full time, 0.6 for three days a week.",
        filters=[single_line],
        validators=[InputRequired("Enter the full-time equivalent")],
    )
    submit = SubmitField("Save", widget=SubmitButton())

    def validate_fte(self, field):
        try:
            value = Decimal(field.data)
        except (InvalidOperation, TypeError):
            raise ValidationError("Full-time equivalent must be a number, like 0.6") from None
        if not value.is_finite() or value <= 0 or value > 1 or value != value.quantize(Decimal("0.01")):
            raise ValidationError("Full-time equivalent must be more than 0 and at most 1, to two decimal places")

    def value(self):
        return Decimal(self.fte.data).quantize(Decimal("0.01"))
