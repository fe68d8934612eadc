"""What every form shares: refusing characters the database cannot keep, and edit versions."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import HiddenField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput


class BaseForm(FlaskForm):
    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            values = field.data if isinstance(field.data, list) else [field.data]
            if any(isinstance(value, str) and "\x00" in value for value in values):
                field.errors = [*field.errors, f"{field.label.text} must not contain a null character"]
                valid = False
        return valid


class VersionedForm(BaseForm):
    """An edit form for a record with a version column (optimistic locking).

    The version travels in a hidden field; if the record moved on since the form was shown, the
    save is refused and the user sees both their answers and what is saved now.
    """

    version = HiddenField()

    def is_stale(self, record):
        try:
            return int(self.version.data) != record.version
        except (TypeError, ValueError):
            return True


class CheckboxesField(SelectMultipleField):
    widget = GovCheckboxesInput()
    option_widget = CheckboxInput()


def choices(pairs):
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]
