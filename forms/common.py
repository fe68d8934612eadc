"""What every form shares: text in one Unicode form, refusing characters the database cannot
keep, numbers and dates parsed within explicit bounds, edit versions, one-time tokens, a confirm
button, GOV.UK date fields, radios and choices, and the length limit's message."""

import re
import secrets
import unicodedata
from datetime import date
from decimal import Decimal

from flask import g, has_request_context
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    DecimalField,
    Field,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput

from models.clock import uk_today


def every_field(form, part=""):
    """(the part of the form it is in, field) for every field, inside parts (FormField) and lists
    of parts (FieldList): ("Perpetrator: ", last_name), ("Child 2: ", school)."""
    for field in form:
        if isinstance(field, FieldList):
            for number, entry in enumerate(field.entries, start=1):
                if isinstance(entry, FormField):
                    yield from every_field(entry.form, f"{part}{entry.label.text} {number}: ")
                else:
                    yield part, entry
        elif isinstance(field, FormField):
            yield from every_field(field.form, f"{part}{field.label.text}: ")
        else:
            yield part, field


def typed_text(value):
    """Text as typed, in Unicode's composed form (NFC): "José" typed as "e" and a combining accent
    is the same name as "José" with "é", to matching, to search and to the papers' fonts."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [typed_text(item) for item in value]
    return value


# The digits 0 to 9 only: str.isdigit() also passes "²" and "٣", which int() refuses or reads.
DIGITS = re.compile(r"[0-9]+")


def whole_number(text, most_digits=9):
    """The whole number typed (digits 0 to 9, leading zeros allowed), if it has at most
    `most_digits` digits after them; else None."""
    text = (text or "").strip()
    if not DIGITS.fullmatch(text):
        return None
    significant = text.lstrip("0") or "0"
    return int(significant) if len(significant) <= most_digits else None


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


def case_number(reference):
    """The case id of a reference typed like "C000123" (or "c123", or "123"), else None."""
    return whole_number((reference or "").strip().upper().removeprefix("C"))


class BaseForm(FlaskForm):
    """Every form of the app. Typed text is kept in composed form (NFC) and a NUL character is
    refused with a message (PostgreSQL cannot keep one). Each form made during a request is noted,
    so the page's error summary lists the errors of whichever form the user sent."""

    class Meta:
        def get_translations(self, form):
            return GovukTranslations()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if has_request_context():
            g.setdefault("forms", []).append(self)

    def process(self, *args, **kwargs):
        super().process(*args, **kwargs)
        for _part, field in every_field(self):
            if not isinstance(field, PasswordField):
                field.data = typed_text(field.data)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for _part, field in every_field(self):
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
    """A whole number from `minimum` to `maximum` (a number, or a function that reads a setting),
    typed with the digits 0 to 9 and perhaps thousands separators ("10,000"). "²", "1e26", "-1"
    and "NaN" are not whole numbers; a number out of range is refused with `message`, which may
    name {minimum} and {maximum}. No number box is unbounded."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, minimum, maximum, message, **kwargs):
        super().__init__(label, [*(validators or []), self._in_range], **kwargs)
        self.minimum, self.maximum, self.message = minimum, maximum, message

    def _bounds(self):
        return self.minimum, self.maximum() if callable(self.maximum) else self.maximum

    def _out_of_range(self):
        low, high = self._bounds()
        return self.message.format(minimum=f"{low:,}", maximum=f"{high:,}")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        text = valuelist[0].replace(",", "").replace(" ", "")
        if not DIGITS.fullmatch(text):
            raise ValueError(self.gettext("Not a valid integer value."))
        self.data = whole_number(text, most_digits=15)
        if self.data is None:
            raise ValueError(self._out_of_range())

    def _in_range(self, form, field):
        low, high = self._bounds()
        if self.data is not None and not low <= self.data <= high:
            raise ValidationError(self._out_of_range())


class PercentageField(DecimalField):
    """A percentage from 0 to 100, like 12.5. Python's Decimal also reads "NaN", "sNaN" (which
    raises when compared), "Infinity" and "1e26": none of them is a percentage."""

    widget = GovTextInput()
    PATTERN = re.compile(r"[0-9]{1,3}(\.[0-9]{1,6})?|\.[0-9]{1,6}")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=2, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        text = valuelist[0].strip()
        if not self.PATTERN.fullmatch(text):
            raise ValueError(self.gettext("Not a valid decimal value."))
        if Decimal(text) > 100:
            raise ValueError("Enter a percentage from 0 to 100")
        self.data = Decimal(text)


def choices(pairs):
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def radios(label, options, required=None, **kwargs):
    """GOV.UK radios offering {value: label}. `required` is the message when none is chosen;
    without it the question may be left unanswered."""
    return RadioField(
        label,
        widget=GovRadioInput(),
        choices=choices(options.items()),
        validators=[InputRequired(required) if required else Optional()],
        **kwargs,
    )


def max_length(label, size):
    """At most `size` characters, in GOV.UK's words."""
    return Length(max=size, message=f"{label} must be {size:,} characters or fewer")


class DateInput(GovDateInput):
    """GOV.UK's three boxes, showing a stored date as people type it ("1 3 2007", like GOV.UK's
    "27 3 2007"): the package's widget pads the day and month with zeros."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if field.raw_data is None and field.data:
            for item, part in zip(params["items"], field._value().split(), strict=True):
                item["value"] = part
        return params


# The years a date box takes.
FIRST_YEAR, LAST_YEAR = 1900, 2100


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
        # Bounded before date() is asked: a 40-digit day would overflow it.
        numbers = (whole_number(day, 2), whole_number(month, 2), whole_number(year, 4) if len(year) == 4 else None)
        if None in numbers:
            self.data = None
            raise ValueError(f"{label} must be a real date, like 27 3 2007")
        day, month, year = numbers
        if not FIRST_YEAR <= year <= LAST_YEAR:
            # Year 1 or 9999 is a date, but none the app means; a day added to it would overflow.
            self.data = None
            raise ValueError(f"{label} must have a year from {FIRST_YEAR} to {LAST_YEAR}")
        try:
            self.data = date(year, month, day)
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
