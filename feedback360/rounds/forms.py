from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from .. import questionnaire
from ..anonymity import MIN_THRESHOLD
from ..forms import CheckboxesField
from ..forms import Form
from ..forms import email_field
from ..i18n import local_questionnaire
from ..language_choice import DEFAULT_LOCALE
from ..language_choice import language_choices
from ..text import clean_line
from ..text import clean_text


class RoundForm(Form):
    title = StringField(
        _l("Title of this round"),
        validators=[InputRequired(_l("Give the round a title.")), Length(max=200)],
        filters=[clean_line],
        description=_l("For example: “Spring 2026: how I show up on LinkedIn”."),
    )
    why = TextAreaField(
        _l("Why are you online? What are you trying to foster, create or achieve?"),
        validators=[Length(max=2000)],
        filters=[clean_text],
        description=_l("Respondents never see this; the report puts it next to what they think."),
    )
    success_measures = TextAreaField(
        _l("How will you know it is working?"),
        validators=[Length(max=2000)],
        filters=[clean_text],
    )
    # The respondents' list, from the round's questionnaire: one list, the same labels.
    platforms = CheckboxesField(_l("Where are you active?"), validate_choice=True)
    closes_on = DateField(
        _l("Closing date (optional)"),
        validators=[Optional()],
        description=_l(
            "The round takes answers until this day ends in UTC, then closes by itself."
        ),
    )
    default_language = SelectField(
        _l("Survey language"),
        choices=[SelectChoice(code, name) for code, name in language_choices()],
        default=DEFAULT_LOCALE,
        description=_l(
            "The language of the invitations and reminders (a line of the invitation list can "
            "set another), and of the survey for anyone whose browser asks for none of these. "
            "Each respondent can switch the survey to another language."
        ),
    )
    anonymity_threshold = IntegerField(
        _l("Anonymity threshold"),
        default=MIN_THRESHOLD,
        validators=[
            InputRequired(_l("Enter a number, 3 or more.")),
            NumberRange(min=MIN_THRESHOLD, max=50, message=_l("Use a number from 3 to 50.")),
        ],
        description=_l(
            "A group's results are shown only when at least this many people in it answered. "
            "It can be raised later but never lowered once links have gone out."
        ),
    )
    max_anonymity = BooleanField(
        _l("Maximum anonymity: nobody records who answered"),
        description=_l(
            "On: not even someone holding the database can see which invitation was answered. "
            "In exchange you see responses per group but not how many of your invitations were "
            "answered, and reminders go to everyone who has not declined, thanking those who "
            "already answered. Off: an invitation records only that it was answered (never "
            "when or what), so reminders skip people who answered. "
            "Fixed once links have gone out."
        ),
    )
    reminder_days_before_close = IntegerField(
        _l("Automatic reminder (optional)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=30, message=_l("Use a number of days from 1 to 30.")),
        ],
        description=_l(
            "Days before the closing date to remind everyone who has not answered yet. "
            "Needs a closing date."
        ),
    )

    def __init__(self, *args, version: str = questionnaire.CURRENT_VERSION, **kwargs):
        super().__init__(*args, **kwargs)
        q = local_questionnaire(version)
        self.platforms.choices = [SelectChoice(p.id, p.label) for p in q.platforms]
        if not self.is_submitted():  # a round from before 2026.3 stored labels
            self.platforms.data = q.platform_ids(self.platforms.data)


class InvitationsForm(Form):
    lines = TextAreaField(
        _l("One person per line: email, group"),
        validators=[InputRequired(_l("Paste at least one line.")), Length(max=200_000)],
        description=_l(
            "Groups: follower, colleague, staff, other. Example: sam@example.com, staff. "
            "Add a language for someone who needs another than the round's: "
            "sam@example.com, staff, es (en, es, fr or de)."
        ),
    )


class OpenLinkForm(Form):
    group = SelectField(_l("Group"), default="follower")

    def __init__(self, *args, version: str = questionnaire.CURRENT_VERSION, **kwargs):
        super().__init__(*args, **kwargs)
        # The groups as the questionnaire names them (questionnaire.Group.plural).
        groups = local_questionnaire(version).groups
        self.group.choices = [SelectChoice(g.id, g.plural) for g in groups]


MAX_OPEN_LINK_CAP = 100_000


class OpenLinkSettingsForm(Form):
    """Per open link: an optional cap on answers, and pausing it."""

    max_responses = IntegerField(
        _l("Stop after this many answers (optional)"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_OPEN_LINK_CAP,
                message=_l("Use a number from 1 to 100,000, or leave it empty."),
            ),
        ],
        description=_l("Leave empty for no limit."),
    )
    paused = BooleanField(_l("Paused: the link takes no answers for now"))


class ShareForm(Form):
    email = email_field(_l("Coach's email"))


class DeleteRoundForm(Form):
    """A tick, not just a button: deleting cannot be undone."""

    confirm = BooleanField(
        _l("Yes, delete this round and all its answers and comments for good"),
        validators=[DataRequired(_l("Tick the box to confirm, or go back to keep the round."))],
    )


class OpenRoundForm(Form):
    """Open the round; `anyway` once the leader has read what is missing and goes without it."""

    anyway = BooleanField()
