"""The MARAC referral form, the matching step, and the coordinator's triage."""

from dataclasses import replace
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import HiddenInput

from forms.common import (
    BaseForm,
    CheckboxesField,
    CreateForm,
    GovDateField,
    SubmitButton,
    WholeNumberField,
    choices,
    max_length,
    radios,
    single_line,
)
from forms.people import ChildFields, PerpetratorFields, SafetyNoteFields, VictimFields, parse_aliases
from forms.risk import INCIDENTS_MESSAGE
from models.referrals import LAWFUL_BASES, REPEAT_CONFIRMED, REPEAT_REJECTED
from models.risk import MAX_INCIDENTS

TEXT_MAX = 5000
CHILD_SLOTS = 4

CRITERIA_CHOICES = [
    ("visible_high_risk", "Visible high risk: the DASH has 14 or more Yes answers (or the area's threshold)"),
    ("professional_judgement", "Professional judgement: I judge the risk to be high"),
    ("potential_escalation", "Potential escalation: several incidents in the past 12 months"),
    ("repeat", "Repeat: referred to a MARAC in the past 12 months, here or elsewhere"),
]
YES_NO = {"yes": "Yes", "no": "No"}


class OptionalChildFields(ChildFields):
    """A child's details; the whole block may be left empty."""

    def is_empty(self):
        return not any(
            (
                self.first_name.data,
                self.last_name.data,
                self.date_of_birth.raw_data and any(self.date_of_birth.raw_data),
            )
        )

    def validate(self, extra_validators=None):
        if self.is_empty():
            for field in self:
                field.errors = []
            return True
        return super().validate(extra_validators)


class ReferralForm(CreateForm):
    area_id = SelectField("MARAC area", widget=GovSelect(), coerce=int, validators=[DataRequired("Select the area")])
    # Its rules (not in the future, nor before the victim's birth or 2003) are services.date_rules'.
    referred_on = GovDateField("Date of referral", required_message="Enter the date of referral")
    # Shown with the error of a date more than 12 months ago (and kept once ticked).
    past_referral_confirmed = BooleanField(
        "I confirm I am recording a referral made more than 12 months ago",
        widget=GovCheckboxInput(),
        validators=[Optional()],
    )
    referrer_name = StringField(
        "Your name",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[DataRequired("Enter your name"), max_length("Your name", 120)],
    )
    referrer_contact = StringField(
        "Your phone number or email address",
        widget=GovTextInput(),
        filters=[single_line],
        validators=[DataRequired("Enter how the coordinator can contact you"), max_length("Contact details", 200)],
    )
    victim = FormField(VictimFields, label="Victim")
    perpetrator = FormField(PerpetratorFields, label="Perpetrator")
    children = FieldList(
        FormField(OptionalChildFields, label="Child"), min_entries=CHILD_SLOTS, max_entries=CHILD_SLOTS
    )
    notes = FormField(SafetyNoteFields, label="Safety")
    criteria = CheckboxesField(
        "Why are you referring to MARAC?",
        choices=choices(CRITERIA_CHOICES),
        validators=[DataRequired("Select at least one reason for the referral")],
    )
    judgement_reasons = TextAreaField(
        "Reasons for your professional judgement",
        widget=GovTextArea(),
        validators=[Optional(), max_length("Reasons", TEXT_MAX)],
    )
    incidents_in_window = WholeNumberField(
        "Incidents of abuse in the past 12 months",
        validators=[Optional()],
        minimum=0,
        maximum=MAX_INCIDENTS,
        message=INCIDENTS_MESSAGE,
    )
    is_victim_aware = radios(
        "Does the victim know about this referral?", YES_NO, "Select whether the victim knows about the referral"
    )
    has_consent = radios(
        "Has the victim consented to their information being shared?", YES_NO, "Select whether the victim consented"
    )
    lawful_basis = radios("Lawful basis for sharing without consent", LAWFUL_BASES)
    sharing_reason = TextAreaField(
        "Why share without consent?",
        widget=GovTextArea(),
        validators=[Optional(), max_length("Reason for sharing", TEXT_MAX)],
    )
    previous_maracs = TextAreaField(
        "Previous MARACs in other areas",
        widget=GovTextArea(),
        description="Which area and roughly when, if you know.",
        validators=[Optional(), max_length("Previous MARACs", TEXT_MAX)],
    )
    submit = SubmitField("Save and continue", widget=SubmitButton())

    def criteria_answers(self):
        """The answers services.referrals.criteria_problems checks against the area's settings."""
        return {
            "criteria": self.criteria.data or [],
            "judgement_reasons": self.judgement_reasons.data,
            "incidents_in_window": self.incidents_in_window.data,
            "has_consent": self.has_consent.data != "no",
            "lawful_basis": self.lawful_basis.data,
            "sharing_reason": self.sharing_reason.data,
        }

    def draft_data(self):
        """The answers as JSON for Referral.draft (dates as ISO strings)."""

        def plain(value):
            return value.isoformat() if hasattr(value, "isoformat") else value

        def subform(form):
            data = {key: plain(value) for key, value in form.data.items()}
            data["aliases"] = parse_aliases(form.aliases.data)
            return data

        return {
            "victim": subform(self.victim.form),
            "perpetrator": subform(self.perpetrator.form),
            "children": [subform(entry.form) for entry in self.children if not entry.form.is_empty()],
            "notes": self.notes.data,
            "judgement_reasons": self.judgement_reasons.data,
            "incidents_in_window": self.incidents_in_window.data,
            "past_referral_confirmed": bool(self.past_referral_confirmed.data),
        }

    @classmethod
    def from_draft(cls, referral, **kwargs):
        """The form filled with a saved draft, to change it."""
        draft = referral.draft

        def person(data):
            data = dict(data)
            data["aliases"] = "\n".join(f"{first} {last}".strip() for first, last in data.get("aliases", []))
            if data.get("date_of_birth"):
                data["date_of_birth"] = date.fromisoformat(data["date_of_birth"])
            return data

        return cls(
            data={
                "area_id": referral.area_id,
                "referred_on": referral.referred_on,
                "referrer_name": referral.referrer_name,
                "referrer_contact": referral.referrer_contact,
                "victim": person(draft["victim"]),
                "perpetrator": person(draft["perpetrator"]),
                "children": [person(child) for child in draft.get("children", [])],
                "notes": draft.get("notes", {}),
                "criteria": referral.criteria,
                "judgement_reasons": draft.get("judgement_reasons"),
                "incidents_in_window": draft.get("incidents_in_window"),
                "is_victim_aware": {True: "yes", False: "no"}.get(referral.is_victim_aware),
                "has_consent": {True: "yes", False: "no"}.get(referral.has_consent),
                "lawful_basis": referral.lawful_basis,
                "sharing_reason": referral.sharing_reason,
                "previous_maracs": referral.previous_maracs,
                "past_referral_confirmed": draft.get("past_referral_confirmed", False),
            },
            **kwargs,
        )


class MatchForm(BaseForm):
    victim_match = RadioField(
        "Is the victim one of these people?",
        widget=GovRadioInput(),
        validators=[InputRequired("Select a person, or that none of them is the victim")],
    )
    perpetrator_match = RadioField(
        "Is the perpetrator one of these people?",
        widget=GovRadioInput(),
        validators=[InputRequired("Select a person, or that none of them is the perpetrator")],
    )
    submit = SubmitField("Continue", widget=SubmitButton())


class SubmitReferralForm(BaseForm):
    submit = SubmitField("Send referral", widget=SubmitButton())


class TriageForm(BaseForm):
    decision = radios(
        "Decision",
        {
            "accept": "Accept: list for the next meeting",
            "more_information": "Ask the referrer for more information",
            "decline": "Decline",
            "transfer": "Transfer to the MARAC of the area the victim has moved to",
        },
        "Select a decision",
    )
    transfer_area_id = SelectField("Area to transfer to", widget=GovSelect(), coerce=int, validators=[Optional()])
    reason = TextAreaField(
        "Reason or message to the referrer",
        widget=GovTextArea(),
        validators=[Optional(), max_length("Reason", TEXT_MAX)],
    )
    submit = SubmitField("Record decision", widget=SubmitButton())

    def name_the_meeting(self, day):
        """ "Accept" says which meeting's list the case goes on (its date), or that none is set yet."""
        accept = (
            f"Accept: list for the meeting on {day.day} {day:%B %Y}"
            if day
            else ("Accept: list for the next meeting (none is scheduled yet)")
        )
        self.decision.choices = [
            replace(choice, label=accept) if choice.value == "accept" else choice for choice in self.decision.choices
        ]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        decision = self.decision.data
        if decision in ("more_information", "decline", "transfer") and not (self.reason.data or "").strip():
            self.reason.errors.append(
                {
                    "more_information": "Enter what more information you need",
                    "decline": "Enter the reason for declining",
                    "transfer": "Enter the reason for the transfer",
                }[decision]
            )
            valid = False
        if decision == "transfer" and not self.transfer_area_id.data:
            self.transfer_area_id.errors.append("Select the area to transfer to")
            valid = False
        return valid


class LinkPersonForm(BaseForm):
    """At triage: one of the referral's people is someone already on record (triage.link_person
    checks that both are the ones offered)."""

    person_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    on_record_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class RepeatClaimForm(BaseForm):
    """At triage: is the repeat the referrer claims (not found on record) a repeat?"""

    repeat = radios(
        "Is this a repeat MARAC case?",
        {
            REPEAT_CONFIRMED: "Yes: referred to a MARAC in the 12 months before, here or elsewhere",
            REPEAT_REJECTED: "No: not a repeat",
        },
        "Select whether this is a repeat",
    )
    submit = SubmitField("Save", widget=SubmitButton())


class ReplyForm(BaseForm):
    reply = TextAreaField(
        "Your reply",
        widget=GovTextArea(),
        validators=[DataRequired("Enter the information the coordinator asked for"), max_length("Reply", TEXT_MAX)],
    )
    submit = SubmitField("Send to the coordinator", widget=SubmitButton())
