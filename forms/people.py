"""Forms for people (victims, perpetrators, children) and cases."""

import re

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, Form, FormField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from forms.common import (
    AgeAtMost,
    BaseForm,
    CreateForm,
    GovDateField,
    NotInFuture,
    SubmitButton,
    VersionedForm,
    choices,
    max_length,
    radios,
    single_line,
)
from models.cases import CHILD_TO_PERPETRATOR, CHILD_TO_VICTIM, PERPETRATOR_RELATIONSHIPS
from models.people import ETHNICITIES, GENDER_LABELS, NAME_MAX, YES_NO_PREFER_NOT_LABELS
from models.search import SEARCH_TERMS_MAX

# Lenient: the shape of a UK postcode, any case, with or without the space.
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?\s*[0-9][A-Z]{2}$", re.IGNORECASE)
NOTE_MAX = 5000


def parse_aliases(text):
    """One alias a line, 'First Last' (the last word is the last name)."""
    aliases = []
    for line in (text or "").splitlines():
        words = line.split()
        if words:
            aliases.append((" ".join(words[:-1]), words[-1]))
    return aliases


class NameFields(Form):
    first_name = StringField(
        "First name",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[DataRequired("Enter the first name"), max_length("First name", NAME_MAX)],
    )
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[DataRequired("Enter the last name"), max_length("Last name", NAME_MAX)],
    )
    aliases = TextAreaField(
        "Other names they use or have used",
        widget=GovTextArea(),
        description="One name a line, first name then last name. Include maiden names and nicknames.",
        validators=[Optional(), max_length("Other names", 1000)],
    )
    date_of_birth = GovDateField(
        "Date of birth",
        description="For example, 27 3 1990. Leave blank if not known.",
        validators=[NotInFuture("Date of birth must be in the past"), AgeAtMost(120)],
    )
    gender = radios("Gender", GENDER_LABELS)

    def person_data(self):
        """The answers for services.people: other names as (first, last) pairs."""
        return {**self.data, "aliases": parse_aliases(self.aliases.data)}

    def validate_aliases(self, field):
        for first, last in parse_aliases(field.data):
            if len(first) > NAME_MAX or len(last) > NAME_MAX:
                raise ValidationError(f"Each other name must be {NAME_MAX} characters or fewer")


class AddressFields(Form):
    address = TextAreaField("Address", widget=GovTextArea(), validators=[Optional(), max_length("Address", 500)])
    postcode = StringField(
        "Postcode", widget=GovTextInput(), filters=[single_line], validators=[Optional(), max_length("Postcode", 10)]
    )
    is_address_confidential = BooleanField(
        "The address is confidential (for example, a refuge)",
        widget=GovCheckboxInput(),
        description="It will be hidden from lists, papers and agency representatives.",
    )

    def validate_postcode(self, field):
        if field.data and not POSTCODE.match(field.data):
            raise ValidationError("Enter a real postcode, like AB1 2CD")


class EqualityFields(Form):
    ethnicity = SelectField(
        "Ethnic group",
        widget=GovSelect(),
        choices=choices([("", "Not recorded")] + [(code, label) for code, label, _g, _m in ETHNICITIES]),
        validators=[Optional()],
    )
    disability = radios("Do they consider themselves to have a disability?", YES_NO_PREFER_NOT_LABELS)
    lgbt = radios(
        "Do they identify as lesbian, gay, bisexual, trans or another minority sexual orientation or gender identity?",
        YES_NO_PREFER_NOT_LABELS,
    )
    language = StringField(
        "Main language",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[Optional(), max_length("Main language", 60)],
    )
    needs_interpreter = BooleanField("They need an interpreter", widget=GovCheckboxInput())


class ContactFields(Form):
    phone = StringField(
        "Safe contact number",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[Optional(), max_length("Phone number", 30)],
    )
    is_safe_to_call = radios("Is it safe to call this number?", {"yes": "Yes", "no": "No", "unknown": "Not known"})

    def validate_phone(self, field):
        if field.data and not re.fullmatch(r"[0-9+() -]{6,30}", field.data):
            raise ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")


class VictimFields(NameFields, AddressFields, EqualityFields, ContactFields):
    pass


class PerpetratorFields(NameFields, AddressFields):
    relationship_to_victim = radios(
        "Relationship to the victim", PERPETRATOR_RELATIONSHIPS, "Select the perpetrator's relationship to the victim"
    )


class ChildFields(NameFields):
    relationship_to_victim = radios(
        "Relationship to the victim", CHILD_TO_VICTIM, "Select the child's relationship to the victim"
    )
    relationship_to_perpetrator = radios(
        "Relationship to the perpetrator", CHILD_TO_PERPETRATOR, "Select the child's relationship to the perpetrator"
    )
    school = StringField(
        "School or nursery",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[Optional(), max_length("School", 200)],
    )


class SafetyNoteFields(Form):
    victim_fears = TextAreaField(
        "Who does the victim fear?",
        widget=GovTextArea(),
        validators=[Optional(), max_length("Who the victim fears", NOTE_MAX)],
    )
    safe_to_share_with = TextAreaField(
        "Who is it safe to share information with?",
        widget=GovTextArea(),
        validators=[Optional(), max_length("Who is safe", NOTE_MAX)],
    )
    not_safe_to_share_with = TextAreaField(
        "Who must information not be shared with?",
        widget=GovTextArea(),
        description="Only the coordinator and IDVAs see this.",
        validators=[Optional(), max_length("Who is not safe", NOTE_MAX)],
    )


class NewCaseForm(CreateForm):
    area_id = SelectField("MARAC area", widget=GovSelect(), coerce=int, validators=[DataRequired("Select the area")])
    victim = FormField(VictimFields, label="Victim")
    perpetrator = FormField(PerpetratorFields, label="Perpetrator")
    notes = FormField(SafetyNoteFields, label="Safety")
    submit = SubmitField("Create case", widget=SubmitButton())


class VictimForm(VersionedForm, VictimFields):
    submit = SubmitField("Save", widget=SubmitButton())


class PersonForm(VersionedForm, NameFields, AddressFields):
    """A perpetrator's or child's own details, edited from a case."""

    submit = SubmitField("Save", widget=SubmitButton())


class AddPerpetratorForm(CreateForm, PerpetratorFields):
    submit = SubmitField("Add perpetrator", widget=SubmitButton())


class AddChildForm(CreateForm, ChildFields):
    submit = SubmitField("Add child", widget=SubmitButton())


class SafetyNotesForm(VersionedForm, SafetyNoteFields):
    submit = SubmitField("Save", widget=SubmitButton())


class PersonSearchForm(BaseForm):
    """One box: names, references, a date of birth, a postcode (services/search.parse reads them)."""

    terms = StringField(
        "Search cases",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[
            DataRequired("Enter a name, a reference, a date of birth or a postcode"),
            max_length("Search", SEARCH_TERMS_MAX),
        ],
    )
    submit = SubmitField("Search", widget=SubmitButton())
