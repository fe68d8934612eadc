"""What every form shares: refusing characters the database cannot keep, edit versions, one-time
tokens, a confirm button, GOV.UK date fields and choices."""

import secrets
import unicodedata
from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovDateInput, GovSubmitInput, GovTextInput
from wtforms import Field, FormField, HiddenField, IntegerField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput

from models.clock import uk_today


def _text_fields(form):
    for field in form:
        if isinstance(field, FormField):
            yield from _text_fields(field.form)
        else:
            yield field


# WTForms' own messages, in GOV.UK's words. They show when a posted value is not one the page
# offered (usually a tampered or stale form).
GOVUK_MESSAGES = {
    "Not a valid choice.": "Select one of the options",
    "Invalid Choice: could not coerce.": "Select one of the options",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Select from the options",
    "Not a valid integer value.": "Enter a whole number, like 12",
    "Not a valid decimal value.": "Enter a number, like 12.5",
    "'%(value)s' is not a valid choice for this field.": "Select one of the options",
    "'%(value)s' are not valid choices for this field.": "Select from the options",
}


class GovukTranslations:
    def gettext(self, string):
        return GOVUK_MESSAGES.get(string, string)

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def single_line(value):
    """Typed into a one-line box: line breaks become spaces, and text that is only invisible
    characters (zero-width spaces, direction marks) counts as blank."""
    if not isinstance(value, str):
        return value
    value = " ".join(value.split())
    visible = [char for char in value if unicodedata.category(char) not in ("Cf", "Cc", "Zs")]
    return value if visible else ""


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return GovukTranslations()

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in _text_fields(self):
            values = field.data if isinstance(field.data, list) else [field.data]
            if any(isinstance(value, str) and "\x00" in value for value in values):
                field.errors = [*field.errors, f"{field.label.text} must not contain a null character"]
                valid = False
        return valid


class VersionedForm(BaseForm):
    """An edit form for a record with a version column (optimistic locking).

    The version travels in a hidden field; if the record moved on since the form was shown, the
    save is refused (marac/services/versions.py) and the user sees both their answers and what is
    saved now.
    """

    version = HiddenField()


def new_form_token():
    return secrets.token_urlsafe(32)


class CreateForm(BaseForm):
    """A form that makes a record. It carries a one-time token, issued with the page: sent twice
    (a double click, the back button), it makes one record (marac/security/form_tokens.py)."""

    form_token = HiddenField(default=new_form_token)


class SubmitButton(GovSubmitInput):
    """GOV.UK's button, which ignores a second click within a second (preventDoubleClick): a form
    is sent once. The server copes with two sends anyway (versions, one-time tokens, locks)."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("preventDoubleClick", True)
        return params


class ConfirmForm(BaseForm):
    """A button that changes something: the form carries only the CSRF token."""

    submit = SubmitField("Confirm", widget=SubmitButton())


class CheckboxesField(SelectMultipleField):
    widget = GovCheckboxesInput()
    option_widget = CheckboxInput()


class WholeNumberField(IntegerField):
    """A whole number that may be typed with thousands separators ("10,000")."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace(",", "").replace(" ", "")]
        super().process_formdata(valuelist)


def choices(pairs):
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class DateInput(GovDateInput):
    """GOV.UK's three boxes, showing a stored date as people type it ("1 3 2007", like GOV.UK's
    "27 3 2007"): the package's widget pads the day and month with zeros."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if field.raw_data is None and field.data:
            for item, part in zip(params["items"], field._value().split(), strict=True):
                item["value"] = part
        return params


class GovDateField(Field):
    """A date as three boxes (day, month, year), with GOV.UK's error messages.

    Blank is None: add DataRequired-style checks with `required_message`.
    """

    widget = DateInput()

    def __init__(self, label=None, validators=None, required_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required_message = required_message

    def _value(self):
        return f"{self.data.day} {self.data.month} {self.data.year}" if self.data else ""

    def process_formdata(self, valuelist):
        # Always exactly three parts, whatever was posted, so the widget can render them.
        parts = [str(value).strip() for value in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        day, month, year = parts
        label = self.label.text
        if not any(parts):
            self.data = None
            if self.required_message:
                raise ValueError(self.required_message)
            return
        missing = [name for name, value in (("day", day), ("month", month), ("year", year)) if not value]
        if missing:
            self.data = None
            raise ValueError(f"{label} must include a {' and '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            self.data = None
            raise ValueError(f"{label} must be a real date, like 27 3 2007")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            self.data = None
            raise ValueError(f"{label} must be a real date") from None

    def pre_validate(self, form):
        # A required date that was never posted at all.
        if self.raw_data is None and self.data is None and self.required_message:
            raise ValidationError(self.required_message)


class NotInFuture:
    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if field.data and field.data > uk_today():
            raise ValidationError(self.message or f"{field.label.text} must be today or in the past")


class AgeAtMost:
    """A date of birth no more than `years` ago."""

    def __init__(self, years=120):
        self.years = years

    def __call__(self, form, field):
        if field.data:
            today = uk_today()
            earliest = today.replace(year=today.year - self.years, day=min(today.day, 28))
            if field.data < earliest:
                raise ValidationError(f"{field.label.text} must be after {earliest.day} {earliest:%B %Y}")
