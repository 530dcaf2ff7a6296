"""The care team's forms (flask-wtf: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.models import DISPOSITIONS

DISPOSITION_LABELS = {
    "advice_given": "Advice given by phone",
    "seen_in_clinic": "Seen in clinic",
    "sent_to_ed": "Sent to the emergency department",
    "admitted": "Admitted",
    "false_alarm": "False alarm",
    "other": "Other (say in the note)",
}
assert set(DISPOSITION_LABELS) == set(DISPOSITIONS)  # noqa: S101 - a new disposition needs a label


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something (acknowledge, sign out): only the CSRF token and where to go next."""

    next = HiddenField()


class ResolveForm(FlaskForm):
    # The template draws the <select> from DISPOSITION_LABELS (one per queue row, each with its own id).
    disposition = StringField(
        "Disposition",
        validators=[
            DataRequired(message="Choose a disposition."),
            AnyOf(DISPOSITIONS, message="Choose a disposition from the list."),
        ],
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
    next = HiddenField()
