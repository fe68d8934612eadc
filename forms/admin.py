"""Forms for administering areas, agencies and users."""

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovTextInput,
)
from wtforms import BooleanField, DecimalField, EmailField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from forms.common import (
    BaseForm,
    CheckboxesField,
    CreateForm,
    SubmitButton,
    VersionedForm,
    WholeNumberField,
    choices,
    single_line,
    strip_text,
)
from models import AgencyKind, MeetingCadence, Role
from models.areas import AGENCY_KIND_LABELS
from models.users import ROLE_LABELS


def _percent(label):
    """A share of the population, as a percentage, optional."""
    return DecimalField(
        label,
        places=2,
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=0, max=100, message="Enter a percentage from 0 to 100")],
    )


class AreaForm(VersionedForm, CreateForm):
    name = StringField(
        "Area name",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[
            DataRequired("Enter the area name"),
            Length(max=120, message="Area name must be 120 characters or fewer"),
        ],
    )
    adult_female_population = WholeNumberField(
        "Adult female population (aged 16 and over)",
        description="Used for cases per 10,000 adult women. Leave blank if not known.",
        validators=[
            Optional(),
            NumberRange(min=1, max=50_000_000, message="Enter a population between 1 and 50,000,000"),
        ],
    )
    meeting_cadence = RadioField(
        "How often the MARAC meets",
        widget=GovRadioInput(),
        choices=choices((c.value, c.value.capitalize()) for c in MeetingCadence),
        validators=[InputRequired("Select how often the MARAC meets")],
    )
    dash_high_threshold = WholeNumberField(
        "DASH score for visible high risk",
        widget=GovTextInput(),
        description="Number of Yes answers. SafeLives recommends 14.",
        validators=[
            InputRequired("Enter the DASH score for visible high risk"),
            NumberRange(min=1, max=24, message="Enter a score between 1 and 24"),
        ],
    )
    dash_medium_threshold = WholeNumberField(
        "DASH score for medium risk",
        widget=GovTextInput(),
        description="Scores from this up to the high-risk score are medium. Commonly 10.",
        validators=[
            InputRequired("Enter the DASH score for medium risk"),
            NumberRange(min=1, max=24, message="Enter a score between 1 and 24"),
        ],
    )
    escalation_incident_count = WholeNumberField(
        "Incidents that show potential escalation",
        widget=GovTextInput(),
        description="Commonly 3.",
        validators=[
            InputRequired("Enter the number of incidents"),
            NumberRange(min=1, max=50, message="Enter a number between 1 and 50"),
        ],
    )
    escalation_window_months = WholeNumberField(
        "Within this many months",
        widget=GovTextInput(),
        description="Commonly 12.",
        validators=[
            InputRequired("Enter the number of months"),
            NumberRange(min=1, max=24, message="Enter a number of months between 1 and 24"),
        ],
    )
    idva_capacity_per_fte = WholeNumberField(
        "Active cases per full-time IDVA",
        description="An IDVA's capacity is this times their FTE. SafeLives suggests 60 to 80.",
        validators=[
            InputRequired("Enter the cases per full-time IDVA"),
            NumberRange(min=1, max=200, message="Enter a number from 1 to 200"),
        ],
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
        validators=[
            DataRequired("Enter the agency name"),
            Length(max=120, message="Agency name must be 120 characters or fewer"),
        ],
    )
    kind = SelectField(
        "Kind of agency",
        widget=GovSelect(),
        choices=choices(
            [("", "Select the kind of agency")] + [(kind.value, AGENCY_KIND_LABELS[kind]) for kind in AgencyKind]
        ),
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
        validators=[
            DataRequired("Enter the person's full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            DataRequired("Enter the email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.org"),
        ],
    )
    agency_id = SelectField("Agency", widget=GovSelect(), coerce=int, validators=[DataRequired("Select the agency")])
    roles = CheckboxesField(
        "Roles",
        choices=choices((role.value, ROLE_LABELS[role]) for role in Role),
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
    decision = RadioField(
        "What should happen to this case?",
        widget=GovRadioInput(),
        choices=choices(
            [
                ("keep", "Keep it for another year, then review it again"),
                ("anonymise", "Anonymise it: remove names, contact details and all free text, keep the figures"),
                ("delete", "Delete it and everything recorded on it"),
            ]
        ),
        validators=[InputRequired("Select what should happen to this case")],
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
        validators=[
            DataRequired("Enter the reason for the hold"),
            Length(max=200, message="Reason must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Place legal hold", widget=SubmitButton())

    def case_id(self):
        text = (self.case_reference.data or "").strip().upper().removeprefix("C")
        return int(text) if text.isdigit() and len(text) <= 9 else None
