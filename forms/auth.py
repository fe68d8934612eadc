from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Regexp

from forms.common import BaseForm, SubmitButton, max_length, strip_text


class SignInForm(BaseForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[DataRequired("Enter your email address"), max_length("Email address", 254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your password"), max_length("Password", 128)],
    )
    submit = SubmitField("Sign in", widget=SubmitButton())


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        "Current password", widget=GovPasswordInput(), validators=[DataRequired("Enter your current password")]
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="Use 12 characters or more. A few unrelated words together make a strong password.",
        validators=[DataRequired("Enter a new password")],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Confirm your new password"), EqualTo("new_password", "Passwords must match")],
    )
    submit = SubmitField("Change password", widget=SubmitButton())


def _without_spaces(value):
    return "".join(value.split()) if isinstance(value, str) else value


class MfaCodeForm(BaseForm):
    code = StringField(
        "Security code",
        widget=GovTextInput(),
        description="The 6-digit code your authenticator app shows now.",
        filters=[_without_spaces],
        validators=[
            DataRequired("Enter the security code from your authenticator app"),
            Regexp(r"^\d{6}$", message="The security code must be 6 digits"),
        ],
    )
    submit = SubmitField("Continue", widget=SubmitButton())


class RecoveryCodeForm(BaseForm):
    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        description=(
            "One of the recovery codes you kept when you set up two-factor sign-in, like abcde-fghjk-mnpqr-stuvw."
        ),
        filters=[strip_text],
        validators=[DataRequired("Enter one of your recovery codes"), max_length("Recovery code", 40)],
    )
    submit = SubmitField("Continue", widget=SubmitButton())


class RenewRecoveryCodesForm(MfaCodeForm):
    submit = SubmitField("Make new recovery codes", widget=SubmitButton())
