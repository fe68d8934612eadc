"""Making an API token for a partner system, and revoking one."""

from flask import current_app
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from forms.common import BaseForm, CheckboxesField, CreateForm, SubmitButton, WholeNumberField, single_line


class ApiTokenForm(CreateForm):
    name = StringField(
        "What will use this token?",
        widget=GovTextInput(),
        description="For example, the name of your agency's case system. Only you and administrators see it.",
        filters=[single_line],
        validators=[
            DataRequired("Enter what will use the token"),
            Length(max=100, message="Use 100 characters or fewer"),
        ],
    )
    scopes = CheckboxesField(
        "What may it do?",
        description="Choose only what the system needs. Your role still limits what it can see.",
        validators=[DataRequired("Select at least one thing the token may do")],
    )
    days = WholeNumberField(
        "How many days should it last?",
        validators=[InputRequired("Enter how many days the token should last")],
        minimum=1,
        maximum=lambda: current_app.config["API_TOKEN_MAX_DAYS"],
        message="A token can last from {minimum} to {maximum} days",
    )
    current_password = PasswordField(
        "Your password", widget=GovPasswordInput(), validators=[DataRequired("Enter your password")]
    )
    submit = SubmitField("Create token", widget=SubmitButton())


class RevokeTokenForm(BaseForm):
    submit = SubmitField("Revoke", widget=SubmitButton())
