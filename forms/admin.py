"""Forms for administering areas, agencies and users."""

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovTextInput
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from forms.common import (
    BaseForm,
    CheckboxesField,
    CreateForm,
    PercentageField,
    SubmitButton,
    VersionedForm,
    WholeNumberField,
    case_number,
    choices,
    max_length,
    radios,
    single_line,
    strip_text,
)
from models import AgencyKind, MeetingCadence, Role


def _setting(label, hint, missing, bounds):
    """A whole number an area must have: `missing` is the message when it is blank; `bounds` is
    (lowest, highest, the message when it is outside them)."""
    minimum, maximum, message = bounds
    return WholeNumberField(
        label, description=hint, validators=[InputRequired(missing)], minimum=minimum, maximum=maximum, message=message
    )


DASH_SCORE = (1, 24, "Enter a score between 1 and 24")


def _percent(label):
    """A share of the population, as a percentage, optional."""
    return PercentageField(label, validators=[Optional()])


class AreaForm(VersionedForm, CreateForm):
    name = StringField(
        "Area name",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[DataRequired("Enter the area name"), max_length("Area name", 120)],
    )
    adult_female_population = WholeNumberField(
        "Adult female population (aged 16 and over)",
        description="Used for cases per 10,000 adult women. Leave blank if not known.",
        validators=[Optional()],
        minimum=1,
        maximum=50_000_000,
        message="Enter a population between 1 and 50,000,000",
    )
    meeting_cadence = radios(
        "How often the MARAC meets",
        {cadence: cadence.capitalize() for cadence in MeetingCadence},
        "Select how often the MARAC meets",
    )
    dash_high_threshold = _setting(
        "DASH score for visible high risk",
        "Number of Yes answers. SafeLives recommends 14.",
        "Enter the DASH score for visible high risk",
        DASH_SCORE,
    )
    dash_medium_threshold = _setting(
        "DASH score for medium risk",
        "Scores from this up to the high-risk score are medium. Commonly 10.",
        "Enter the DASH score for medium risk",
        DASH_SCORE,
    )
    escalation_incident_count = _setting(
        "Incidents that show potential escalation",
        "Commonly 3.",
        "Enter the number of incidents",
        (1, 50, "Enter a number between 1 and 50"),
    )
    escalation_window_months = _setting(
        "Within this many months",
        "Commonly 12.",
        "Enter the number of months",
        (1, 24, "Enter a number of months between 1 and 24"),
    )
    idva_capacity_per_fte = _setting(
        "Active cases per full-time IDVA",
        "An IDVA's capacity is this times their FTE. SafeLives suggests 60 to 80.",
        "Enter the cases per full-time IDVA",
        (1, 200, "Enter a number from 1 to 200"),
    )
    pct_racially_minoritised = _percent("Black, Asian or racially minoritised (% of the population)")
    pct_lgbt = _percent("LGBT+ (% of the population)")
    pct_disabled = _percent("Disabled (% of the population)")
    pct_male = _percent("Male (% of the adult population)")
    pct_aged_16_17 = _percent("Aged 16 or 17 (% of the population aged 16 and over)")
    is_active = BooleanField("This area is in use", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save area", widget=SubmitButton())

    def validate_dash_medium_threshold(self, field):
        if field.data and self.dash_high_threshold.data and field.data >= self.dash_high_threshold.data:
            raise ValidationError("The medium-risk score must be lower than the high-risk score")


class AgencyForm(VersionedForm, CreateForm):
    name = StringField(
        "Agency name",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[DataRequired("Enter the agency name"), max_length("Agency name", 120)],
    )
    kind = SelectField(
        "Kind of agency",
        widget=GovSelect(),
        choices=choices([("", "Select the kind of agency")] + [(kind.value, kind.label) for kind in AgencyKind]),
        validators=[DataRequired("Select the kind of agency")],
    )
    area_ids = CheckboxesField("Areas it takes part in", coerce=int, validators=[Optional()])
    is_active = BooleanField("This agency is in use", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save agency", widget=SubmitButton())


class UserForm(VersionedForm, CreateForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[DataRequired("Enter the person's full name"), max_length("Full name", 120)],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            DataRequired("Enter the email address"),
            max_length("Email address", 254),
            Email("Enter an email address in the correct format, like name@example.org"),
        ],
    )
    agency_id = SelectField("Agency", widget=GovSelect(), coerce=int, validators=[DataRequired("Select the agency")])
    roles = CheckboxesField(
        "Roles",
        choices=choices((role.value, role.label) for role in Role),
        validators=[DataRequired("Select at least one role")],
    )
    area_ids = CheckboxesField("MARAC areas", coerce=int, validators=[DataRequired("Select at least one area")])
    is_active = BooleanField("This account can sign in", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save user", widget=SubmitButton())


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    user_id = SelectField("User", widget=GovSelect(), coerce=int, validators=[Optional()])
    event = SelectField("Event", widget=GovSelect(), validators=[Optional()])
    date_from = StringField(
        "From", description="For example, 2026-11-01", widget=GovTextInput(), validators=[Optional()]
    )
    date_to = StringField("To", description="For example, 2026-11-30", widget=GovTextInput(), validators=[Optional()])
    submit = SubmitField("Filter", widget=SubmitButton())

    def validate_date_from(self, field):
        field.data = _parse_iso_date(field.data)

    def validate_date_to(self, field):
        field.data = _parse_iso_date(field.data)
        if isinstance(self.date_from.data, date) and field.data < self.date_from.data:
            raise ValidationError("The 'to' date must be the same as or after the 'from' date")


def _parse_iso_date(text):
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("Enter a real date in the format 2026-11-22") from None
    if not date(2000, 1, 1) <= day <= date(2999, 12, 30):
        raise ValidationError("Enter a date between 2000 and 2999")
    return day


class RetentionDecisionForm(BaseForm):
    decision = radios(
        "What should happen to this case?",
        {
            "keep": "Keep it for another year, then review it again",
            "anonymise": "Anonymise it: remove names, contact details and all free text, keep the figures",
            "delete": "Delete it and everything recorded on it",
        },
        "Select what should happen to this case",
    )
    confirm = BooleanField(
        "I understand that anonymising or deleting cannot be undone",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save decision", widget=SubmitButton())

    def validate_confirm(self, field):
        if self.decision.data in ("anonymise", "delete") and not field.data:
            raise ValidationError("Confirm that you understand this cannot be undone")


class LegalHoldForm(CreateForm):
    case_reference = StringField(
        "Case number",
        widget=GovTextInput(),
        description="As on the case list, like C000123.",
        filters=[strip_text],
        validators=[DataRequired("Enter the case number"), Length(max=20, message="Enter a case number like C000123")],
    )
    reason = StringField(
        "Reason for the hold",
        widget=GovTextInput(),
        description="A reference, not personal details: a claim number, “domestic homicide review”.",
        filters=[single_line],
        validators=[DataRequired("Enter the reason for the hold"), max_length("Reason", 200)],
    )
    submit = SubmitField("Place legal hold", widget=SubmitButton())

    def case_id(self):
        return case_number(self.case_reference.data)
