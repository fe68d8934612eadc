"""The SMART action form and the status update form."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextArea, GovTextInput
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from forms.common import CreateForm, GovDateField, SubmitButton, VersionedForm, max_length, radios, single_line
from models.actions import ACTION_STATUS_LABELS, ACTION_TARGET_LABELS

TEXT_MAX = 5000


class ActionForm(CreateForm):
    """SMART: specific (what), measurable (how completion is known), owned (agency and person),
    time-bound (due date). The rules that need the meeting live in services.actions."""

    owner_agency_id = SelectField(
        "Agency that owns the action", widget=GovSelect(), coerce=int, validators=[Optional()]
    )
    owner_person = StringField(
        "Named person (optional)",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[Optional(), max_length("Named person", 120)],
    )
    protects = radios("Who the action protects", ACTION_TARGET_LABELS)
    what = TextAreaField(
        "What will be done",
        widget=GovTextArea(),
        description="Be specific: who will do what, and how.",
        validators=[Optional(), max_length("What", TEXT_MAX)],
    )
    how_known = TextAreaField(
        "How will we know it is done?",
        widget=GovTextArea(),
        validators=[Optional(), max_length("How it is known", TEXT_MAX)],
    )
    due_on = GovDateField("Due date", description="For example, 17 12 2026")
    due_reason = TextAreaField(
        "Why more than 3 months?", widget=GovTextArea(), validators=[Optional(), max_length("Reason", TEXT_MAX)]
    )
    submit = SubmitField("Add action", widget=SubmitButton())


class ActionStatusForm(VersionedForm):
    status = radios("Status", ACTION_STATUS_LABELS)
    completed_on = GovDateField("Date completed")
    evidence = TextAreaField(
        "Evidence it is complete", widget=GovTextArea(), validators=[Optional(), max_length("Evidence", TEXT_MAX)]
    )
    note = TextAreaField("Note or reason", widget=GovTextArea(), validators=[Optional(), max_length("Note", TEXT_MAX)])
    submit = SubmitField("Save update", widget=SubmitButton())
