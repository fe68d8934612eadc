"""The victim's voice, recorded before the meeting by their IDVA or the referrer."""

from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Optional

from forms.common import CreateForm, SubmitButton, max_length, radios
from models.voice import KnowsOfReferral

TEXT_MAX = 5000


class VictimViewForm(CreateForm):
    wants = TextAreaField(
        "What the victim wants from MARAC",
        widget=GovTextArea(),
        description="In their words where you can: what would make them safer, what they do not want.",
        validators=[Optional(), max_length("What the victim wants", TEXT_MAX)],
    )
    fears = TextAreaField(
        "What the victim fears",
        widget=GovTextArea(),
        validators=[Optional(), max_length("What the victim fears", TEXT_MAX)],
    )
    agrees_to_share = TextAreaField(
        "What the victim agrees may be shared at the meeting",
        widget=GovTextArea(),
        validators=[Optional(), max_length("What may be shared", TEXT_MAX)],
    )
    knows_of_referral = radios(
        "Does the victim know they have been referred to MARAC?",
        KnowsOfReferral.labels(),
        "Select whether the victim knows of the referral",
    )
    submit = SubmitField("Save the victim's views", widget=SubmitButton())

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not any((self[name].data or "").strip() for name in ("wants", "fears", "agrees_to_share")):
            self.wants.errors.append("Enter what the victim wants, fears or agrees may be shared")
            return False
        return valid
