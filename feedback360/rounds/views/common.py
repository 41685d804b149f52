"""The leader's blueprint, and what its views share: the round lookup and where a view returns."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user

from ...models import Round
from ..services.common import RoundError
from ..services.lifecycle import led_round

bp = Blueprint("rounds", __name__)


def own_round(round_id: int) -> Round:
    """The current user's round, or 404: someone else's round does not exist for them."""
    a_round = led_round(round_id, current_user)
    if a_round is None:
        abort(404)
    return a_round


def survey_url(token: str) -> str:
    return url_for("survey.answer", token=token, _external=True)


def returns_to(section: str):
    """Declare the part of the round page (its anchor) that a view sends the leader back to,
    whether it did what was asked or was refused (`refused`, below)."""

    def declare(view):
        view.round_page_section = section
        return view

    return declare


def back_to_round():
    """Redirect to the round of this request, at the part of its page the view declared."""
    view = current_app.view_functions[request.endpoint]
    return redirect(
        url_for(
            "rounds.detail",
            round_id=request.view_args["round_id"],
            _anchor=getattr(view, "round_page_section", None),
        )
    )


@bp.errorhandler(RoundError)
def refused(error: RoundError):
    """What the round's state does not allow: the reason, on the round page.

    The service has left nothing half done (it rolls back what it began before refusing)."""
    flash(str(error), "error")
    return back_to_round()
