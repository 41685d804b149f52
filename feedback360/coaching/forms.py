"""The coach's approval of a rater list: a button that carries the list as they saw it."""

from __future__ import annotations

from wtforms import HiddenField
from wtforms.validators import InputRequired

from ..forms import Form


class ApproveListForm(Form):
    # rounds.services.approval.list_fingerprint of the page the coach read
    seen = HiddenField(validators=[InputRequired()])
