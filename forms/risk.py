"""The DASH checklist form and the form for another tool's result."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional

from forms.common import (
    CreateForm,
    GovDateField,
    NotInFuture,
    SubmitButton,
    VersionedForm,
    WholeNumberField,
    choices,
    max_length,
    radios,
    single_line,
)
from models.risk import ANSWER_LABELS, MAX_INCIDENTS, QUESTIONS, RiskLevel, RiskTool

TEXT_MAX = 5000
WHAT_CHANGED_MAX = 1000  # shown in the case's header while it stands
INCIDENTS_MESSAGE = "Enter a number of incidents from {minimum} to {maximum}"


class DashFormBase(VersionedForm, CreateForm):
    assessed_on = GovDateField(
        "Date of the assessment", validators=[NotInFuture("Date of the assessment must be today or in the past")]
    )
    assessor_name = StringField(
        "Assessor's name",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[Optional(), max_length("Assessor's name", 120)],
    )
    agency_id = SelectField("Assessor's agency", widget=GovSelect(), coerce=int, validators=[Optional()])
    fears_detail = TextAreaField(
        "What are they afraid of, and for whom?",
        widget=GovTextArea(),
        description="For example, further injury or violence, being killed, the children being harmed.",
        validators=[Optional(), max_length("What they are afraid of", TEXT_MAX)],
    )
    incidents_in_window = WholeNumberField(
        "Incidents of abuse in the past 12 months",
        widget=GovTextInput(),
        description="Include incidents not reported to the police.",
        validators=[Optional()],
        minimum=0,
        maximum=MAX_INCIDENTS,
        message=INCIDENTS_MESSAGE,
    )
    judged_level = radios(
        "Professional judgement of the risk",
        {"": "No professional judgement: use the score"} | {level: f"{level.label} risk" for level in RiskLevel},
        default="",
    )
    judgement_reasons = TextAreaField(
        "Reasons for your professional judgement",
        widget=GovTextArea(),
        validators=[Optional(), max_length("Reasons", TEXT_MAX)],
    )
    correction_reason = TextAreaField(
        "Why is this assessment being corrected?",
        widget=GovTextArea(),
        validators=[Optional(), max_length("Reason for the correction", TEXT_MAX)],
    )
    save_draft = SubmitField("Save as draft", widget=SubmitButton())
    complete = SubmitField("Complete assessment", widget=SubmitButton())

    def answers(self):
        """{question number: {"answer", "source", "comment"}} for what was given."""
        result = {}
        for number in QUESTIONS:
            answer = self[f"q{number}"].data or ""
            source = (self[f"q{number}_source"].data or "").strip()
            comment = (self[f"q{number}_comment"].data or "").strip()
            if answer or source or comment:
                result[number] = {"answer": answer, "source": source, "comment": comment}
        return result

    def fill(self, answers):
        """Show saved answers (keys may be strings, as JSON stores them)."""
        for key, given in answers.items():
            number = int(key)
            self[f"q{number}"].data = given.get("answer") or None
            self[f"q{number}_source"].data = given.get("source", "")
            self[f"q{number}_comment"].data = given.get("comment", "")

    def question_fields(self):
        return [
            (number, self[f"q{number}"], self[f"q{number}_source"], self[f"q{number}_comment"]) for number in QUESTIONS
        ]


class QuestionRadios(GovRadioInput):
    """Radios whose legend is always the question.

    GovRadioInput only uses the label as the legend when the template passes no `fieldset`
    params; the DASH templates pass some (to size the legend), which dropped the question's text.
    No empty hint either: it would be announced with every question.
    """

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        legend = params.setdefault("fieldset", {}).setdefault("legend", {})
        if not legend.get("text") and not legend.get("html"):
            legend["text"] = field.label.text
        hint = params.get("hint")
        if hint is not None and not hint.get("text") and not hint.get("html"):
            del params["hint"]
        return params


def _build_dash_form():
    fields = {}
    for number, label in QUESTIONS.items():
        fields[f"q{number}"] = RadioField(
            f"{number}. {label}",
            widget=QuestionRadios(),
            choices=choices((answer.value, text) for answer, text in ANSWER_LABELS.items()),
            validators=[Optional()],
        )
        fields[f"q{number}_source"] = StringField(
            "Source, if not the victim", widget=GovTextInput(), validators=[Optional(), max_length("Source", 200)]
        )
        fields[f"q{number}_comment"] = TextAreaField(
            "Comment", widget=GovTextArea(), validators=[Optional(), max_length("Comment", TEXT_MAX)]
        )
    return type("DashForm", (DashFormBase,), fields)


DashForm = _build_dash_form()


class OtherToolForm(CreateForm):
    tool = radios(
        "Risk tool", {tool: tool.label for tool in (RiskTool.POLICE_DASH, RiskTool.DARA)}, "Select the risk tool"
    )
    level = radios("Risk level it gave", RiskLevel.labels(), "Select the risk level")
    assessed_on = GovDateField(
        "Date of the assessment",
        required_message="Enter the date of the assessment",
        validators=[NotInFuture("Date of the assessment must be today or in the past")],
    )
    source = StringField(
        "Who carried it out",
        widget=GovTextInput(),
        description="For example, the officer's collar number and force.",
        validators=[DataRequired("Enter who carried out the assessment"), max_length("Who carried it out", 200)],
    )
    rationale = TextAreaField(
        "Rationale",
        widget=GovTextArea(),
        validators=[DataRequired("Enter the rationale for the risk level"), max_length("Rationale", TEXT_MAX)],
    )
    # Required when the level is lower than the case's current one (services.assessments checks).
    what_changed = TextAreaField(
        "What has changed since the last assessment?",
        widget=GovTextArea(),
        validators=[Optional(), max_length("What has changed", WHAT_CHANGED_MAX)],
    )
    submit = SubmitField("Save result", widget=SubmitButton())
