"""The leader's actions on sharing a round with a coach."""

from __future__ import annotations

from flask import abort
from flask import flash
from flask_login import login_required

from ...forms import ActionForm
from ..forms import ShareForm
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
    flash(f"Shared with {form.email.data}. They see it once logged in.", "success")
    return back_to_round()


@bp.post("/rounds/<id:round_id>/shares/<id:share_id>/remove")
@returns_to("coach")
@login_required
def unshare(round_id: int, share_id: int):
    a_round = own_round(round_id)
    share_row = sharing.share_of(a_round, share_id)
    if share_row is None:
        abort(404)
    if ActionForm().validate_on_submit():
        coach_email = share_row.coach_email
        sharing.stop_sharing(share_row)
        flash(f"{coach_email} no longer sees this round.", "success")
    return back_to_round()
