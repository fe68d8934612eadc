"""How a user hears of their notifications."""

from wtforms import SubmitField

from forms.common import BaseForm, SubmitButton, radios
from models.users import NotificationDelivery


class NotificationSettingsForm(BaseForm):
    delivery = radios(
        "How do you want to hear of your notifications?",
        NotificationDelivery.labels(),
        required="Select how you want to hear of your notifications",
    )
    submit = SubmitField("Save", widget=SubmitButton())
