"""The leader's actions on sharing a round with a coach, and asking them to vouch for the
rater list (rounds.services.approval)."""

from __future__ import annotations

from flask import abort
from flask import flash
from flask_babel import gettext as _
from flask_login import login_required

from ...forms import ActionForm
from ..forms import ShareForm
from ..services import approval
from ..services import sharing
from .common import back_to_round
from .common import bp
from .common import own_round
from .common import returns_to
from .page import round_page


@bp.post("/rounds/<id:round_id>/shares")
@returns_to("coach")
@login_required
def share(round_id: int):
    a_round = own_round(round_id)
    form = ShareForm()
    if not form.validate_on_submit():
        return round_page(a_round, share_form=form)
    sharing.share_with_coach(a_round, form.email.data)
    flash(_("Shared with %(email)s: they are emailed a way in.", email=form.email.data), "success")
    return back_to_round()


@bp.post("/rounds/<id:round_id>/shares/<id:share_id>/remove")
@returns_to("coach")
@login_required
def unshare(round_id: int, share_id: int):
    a_round, share_row = own_share(round_id, share_id)
    if ActionForm().validate_on_submit():
        coach_email = share_row.coach_email
        sharing.stop_sharing(share_row)
        flash(_("%(email)s no longer sees this round.", email=coach_email), "success")
    return back_to_round()


@bp.post("/rounds/<id:round_id>/shares/<id:share_id>/review")
@returns_to("coach")
@login_required
def ask_review(round_id: int, share_id: int):
    """Ask this coach to approve the rater list before the round opens."""
    a_round, share_row = own_share(round_id, share_id)
    if ActionForm().validate_on_submit():
        approval.ask_coach_to_review(a_round, share_row)
        flash(
            _(
                "%(email)s is asked by email to approve the rater list. "
                "The round can open once they have.",
                email=share_row.coach_email,
            ),
            "success",
        )
    return back_to_round()


@bp.post("/rounds/<id:round_id>/review/withdraw")
@returns_to("coach")
@login_required
def withdraw_review(round_id: int):
    """Open without a coach's approval after all: the report then does not claim one."""
    a_round = own_round(round_id)
    if ActionForm().validate_on_submit():
        approval.withdraw_review_request(a_round)
        flash(_("Your coach no longer needs to approve the rater list."), "success")
    return back_to_round()


def own_share(round_id: int, share_id: int):
    """The signed-in leader's round and its share with this id; 404 for anyone else's."""
    a_round = own_round(round_id)
    share_row = sharing.share_of(a_round, share_id)
    if share_row is None:
        abort(404)
    return a_round, share_row
