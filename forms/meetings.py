"""Forms for meetings: scheduling, the case list, research, meeting mode."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from forms.actions import ActionForm
from forms.common import (
    BaseForm,
    CreateForm,
    GovDateField,
    SubmitButton,
    VersionedForm,
    WholeNumberField,
    case_number,
    max_length,
    radios,
    single_line,
    whole_number,
)
from models.meetings import AGENDA_SECTION_LABELS, MAX_PLANNED_MINUTES
from models.risk import RiskLevel

TEXT_MAX = 20_000


class ScheduleForm(CreateForm):
    area_id = SelectField("MARAC area", widget=GovSelect(), coerce=int, validators=[DataRequired("Select the area")])
    first_day = GovDateField("Date of the first meeting", required_message="Enter the date of the first meeting")
    start_time = StringField(
        "Start time",
        widget=GovTextInput(),
        description="24-hour clock, for example 10:00",
        filters=[single_line],
        validators=[DataRequired("Enter the start time")],
    )
    count = WholeNumberField(
        "How many meetings to create",
        validators=[InputRequired("Enter how many meetings to create")],
        minimum=1,
        maximum=26,
        message="Enter a number from 1 to 26",
    )
    length_minutes = WholeNumberField(
        "Length of each meeting in minutes",
        validators=[InputRequired("Enter the length of the meeting")],
        minimum=30,
        maximum=600,
        message="Enter a length from 30 to 600 minutes",
    )
    cut_off_days = WholeNumberField(
        "Referral cut-off: days before the meeting",
        description="Referrals accepted by then go on the case list.",
        validators=[InputRequired("Enter the cut-off")],
        minimum=0,
        maximum=28,
        message="Enter 0 to 28 days",
    )
    venue = StringField(
        "Venue", widget=GovTextInput(), filters=[single_line], validators=[Optional(), max_length("Venue", 200)]
    )
    online_link = StringField(
        "Online meeting link",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[Optional(), max_length("Online meeting link", 500)],
    )
    chair_id = SelectField("Chair", widget=GovSelect(), coerce=int, validators=[Optional()])
    submit = SubmitField("Create meetings", widget=SubmitButton())

    def validate_start_time(self, field):
        try:
            hours, minutes = (int(part) for part in field.data.replace(".", ":").split(":"))
            if not (0 <= hours < 24 and 0 <= minutes < 60):
                raise ValueError
        except ValueError:
            raise ValidationError("Enter a real time, like 10:00 or 14:30") from None
        field.data = f"{hours:02d}:{minutes:02d}"

    def validate_online_link(self, field):
        if field.data and not field.data.startswith("https://"):
            raise ValidationError("Enter a link that starts with https://")


class AddCaseForm(CreateForm):
    """A case added by hand: found by its number or a name (the `search` button), chosen from what
    was found (case_id: the view sets the choices), with its section and why."""

    find = StringField(
        "Case number or name",
        widget=GovTextInput(),
        description="For example, C000123, or the victim's first and last name",
        filters=[single_line],
        validators=[Optional(), Length(max=200, message="Enter 200 characters or fewer")],
    )
    search = SubmitField("Search", widget=SubmitButton())
    case_id = RadioField(
        "Case to add", widget=GovRadioInput(), coerce=int, validators=[InputRequired("Select the case to add")]
    )
    section = radios("Section of the list", AGENDA_SECTION_LABELS, "Select the section")
    reason = TextAreaField(
        "Why add it",
        widget=GovTextArea(),
        validators=[DataRequired("Enter why you are adding the case"), max_length("Reason", 2000)],
    )
    submit = SubmitField("Add to the list", widget=SubmitButton())

    def searching(self):
        """Sent with the search button: find cases, check nothing else yet."""
        return self.is_submitted() and bool(self.search.data)

    def wanted(self):
        """(case id, name) of what was typed: a case number, else a name."""
        text = (self.find.data or "").strip()
        case_id = case_number(text)
        return (case_id, None) if case_id else (None, text or None)


class RemoveCaseForm(BaseForm):
    reason = TextAreaField(
        "Why remove it",
        widget=GovTextArea(),
        validators=[DataRequired("Enter why you are removing the case"), max_length("Reason", 2000)],
    )
    submit = SubmitField("Remove from the list", widget=SubmitButton())


class ResearchForm(VersionedForm):
    facts = TextAreaField(
        "What your agency's records show",
        widget=GovTextArea(),
        description="Facts only: dates, incidents, contacts, orders. Relevant and proportionate.",
        validators=[Optional(), max_length("Facts", TEXT_MAX)],
    )
    opinion = TextAreaField(
        "Your agency's view of the risk (optional)",
        widget=GovTextArea(),
        description="Kept apart from the facts.",
        validators=[Optional(), max_length("View of the risk", TEXT_MAX)],
    )
    submit = SubmitField("Send research", widget=SubmitButton())

    def validate_facts(self, field):
        if not (field.data or "").strip():
            raise ValidationError("Enter what your records show, or answer 'Nothing known'")


class DiscussionForm(VersionedForm):
    discussion = TextAreaField(
        "Discussion notes", widget=GovTextArea(), validators=[Optional(), max_length("Discussion notes", TEXT_MAX)]
    )
    risk_after = radios("Risk after discussion", RiskLevel.labels())
    submit = SubmitField("Save notes", widget=SubmitButton())


class DraftForm(BaseForm):
    """What meeting mode's page sends as the notes are typed: the text, and the version of the
    notes it was typed over."""

    discussion = TextAreaField(validators=[Optional(), max_length("Discussion notes", TEXT_MAX)])
    version = HiddenField(filters=[whole_number])

    def validate_version(self, field):
        if field.data is None:
            raise ValidationError("The page sent no version of the notes")


class MeetingItemForm(DiscussionForm, ActionForm):
    """Meeting mode's one form for a case: the notes, the risk after discussion and the action
    being added or changed, sent together by whichever button is pressed, so that adding, changing
    or removing an action saves the notes too and an action refused keeps every word typed.
    `changing` is the action being changed (its `action_version` the one it was read at)."""

    submit = None
    save_notes = SubmitField("Save notes", widget=SubmitButton())
    add_action = SubmitField("Add action", widget=SubmitButton())
    save_action = SubmitField("Save the action", widget=SubmitButton())
    cancel_change = SubmitField("Cancel the change", widget=SubmitButton())
    changing = HiddenField(filters=[whole_number])
    action_version = HiddenField()
    # Buttons on each action's row: their value is the action's id.
    change_action = HiddenField(filters=[whole_number])
    remove_action = HiddenField(filters=[whole_number])

    ACTION_FIELDS = ("owner_agency_id", "owner_person", "protects", "what", "how_known", "due_on", "due_reason")

    def pressed(self):
        """(what the button asks, the action it names or None): "add", "save" (the action being
        changed), "change" or "remove" (an action of the list), "cancel", else "notes"."""
        if self.add_action.data:
            return "add", None
        if self.save_action.data and self.changing.data:
            return "save", self.changing.data
        if self.change_action.data:
            return "change", self.change_action.data
        if self.remove_action.data:
            return "remove", self.remove_action.data
        if self.cancel_change.data:
            return "cancel", None
        return "notes", None

    def action_started(self):
        """Something typed or chosen for an action, not yet added or saved."""
        return (
            bool(self.changing.data)
            or any(self[name].data for name in self.ACTION_FIELDS if name not in ("owner_agency_id",))
            or bool(self.owner_agency_id.data)
        )

    def say_action_pending(self):
        """The notes are saved, the action typed is not: say so at the button that would save it."""
        if self.changing.data:
            self.save_action.errors.append(
                "The change to the action below is not saved yet: press Save the action, or Cancel the change"
            )
        else:
            self.add_action.errors.append("The action below is not added yet: press Add action to add it, or clear it")

    def notes_problems(self):
        return bool(self.discussion.errors or self.risk_after.errors)

    def forget_action_errors(self):
        """The notes are saved whatever state the action is in: its problems are shown only when
        it is added or saved."""
        for name in (*self.ACTION_FIELDS, "changing", "action_version", "change_action", "remove_action"):
            self[name].errors = []

    def load_action(self, action):
        """Show `action` in the action fields, to be changed."""
        for name in self.ACTION_FIELDS:
            self[name].data = getattr(action, name)
            self[name].raw_data = None  # shown as the action has it, not as the page sent it
        self.changing.data = action.id
        self.action_version.data = action.version


class TickBox(BooleanField):
    """A checkbox the page sends as "y" when ticked; any other value is not ticked."""

    def process_formdata(self, valuelist):
        self.data = bool(valuelist) and valuelist[0] == "y"


REPRESENTATIVE_MAX = 120  # the column's length


class PlannedMinutesForm(BaseForm):
    """The minutes planned for each case on a meeting's list (minutes-<item id>; blank leaves a
    case's as it is). Made for the list by `for_items`."""

    item_ids = ()

    @classmethod
    def for_items(cls, items):
        fields = {"item_ids": tuple(item.id for item in items)}
        for item in items:
            fields[f"minutes-{item.id}"] = WholeNumberField(
                f"Minutes planned for case {item.case.reference}",
                validators=[Optional()],
                minimum=1,
                maximum=MAX_PLANNED_MINUTES,
                message=f"Case {item.case.reference}: enter minutes from {{minimum}} to {{maximum}}",
            )
        return type(cls.__name__, (cls,), fields)()

    def minutes(self):
        """{item id: minutes} for the cases given a number, as agenda.plan_minutes takes them."""
        return {item_id: self[f"minutes-{item_id}"].data for item_id in self.item_ids}


class AttendanceForm(BaseForm):
    """Attendance at a meeting: for each invited agency, whether it was present
    (present-<agency id>), who came (person-<agency id>) and whether they signed the
    confidentiality statement (signed-<agency id>). Made for the meeting's agencies by `for_agencies`."""

    agency_ids = ()

    @classmethod
    def for_agencies(cls, agency_ids):
        fields = {"agency_ids": tuple(agency_ids)}
        for agency_id in agency_ids:
            fields[f"present-{agency_id}"] = TickBox("Present")
            fields[f"person-{agency_id}"] = StringField(
                "Representative",
                filters=[single_line],
                validators=[Optional(), max_length("Representative", REPRESENTATIVE_MAX)],
            )
            fields[f"signed-{agency_id}"] = TickBox("Signed the confidentiality statement")
        return type(cls.__name__, (cls,), fields)()

    def rows(self):
        """{agency id: (present, representative, signed)}, as meetings.record_attendance takes them."""
        return {
            agency_id: (
                self[f"present-{agency_id}"].data,
                self[f"person-{agency_id}"].data,
                self[f"signed-{agency_id}"].data,
            )
            for agency_id in self.agency_ids
        }


CARRY, REMOVE = "carry", "remove"


class HeldForm(BaseForm):
    """Recording a meeting as held: each case not discussed gets an outcome (outcome-<item id>):
    carried to the next meeting, or removed with a reason (reason-<item id>). Made for the
    undiscussed cases by `for_items`; `carry_to` is the next meeting's date, or None."""

    item_ids = ()

    @classmethod
    def for_items(cls, items, carry_to):
        fields = {"item_ids": tuple(item.id for item in items)}
        for item in items:
            options = {REMOVE: "Remove it from the list"}
            if carry_to:
                options = {CARRY: f"Carry it to the next meeting, on {carry_to:%-d %B %Y}", **options}
            fields[f"outcome-{item.id}"] = radios(
                f"Case {item.case.reference}", options, f"Select what happens to case {item.case.reference}"
            )
            fields[f"reason-{item.id}"] = TextAreaField(
                "Why remove it", widget=GovTextArea(), validators=[Optional(), max_length("Reason", 2000)]
            )
        return type(cls.__name__, (cls,), fields)()

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for item_id in self.item_ids:
            reason = self[f"reason-{item_id}"]
            if self[f"outcome-{item_id}"].data == REMOVE and not (reason.data or "").strip():
                reason.errors = [*reason.errors, "Enter why the case is removed"]
                valid = False
        return valid

    def outcomes(self):
        """{item id: (carried, reason)}, as meetings.hold takes them."""
        return {
            item_id: (self[f"outcome-{item_id}"].data == CARRY, (self[f"reason-{item_id}"].data or "").strip())
            for item_id in self.item_ids
        }


class CorrectionForm(CreateForm):
    reason = TextAreaField(
        "What is wrong in the minutes sent",
        widget=GovTextArea(),
        description="Say what needs correcting, by case number. Do not name anyone.",
        validators=[DataRequired("Enter what is wrong in the minutes sent"), max_length("What is wrong", 2000)],
    )
    submit = SubmitField("Start the correction", widget=SubmitButton())


class BuildListForm(BaseForm):
    """The cases the coordinator confirms adding to the list (case_ids, one checkbox each). Not
    checked against choices: the build adds, of these, only the cases that belong on the list."""

    case_ids = SelectMultipleField("Cases to add", coerce=int, validate_choice=False, validators=[Optional()])
