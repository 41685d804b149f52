"""The two steps of a round that cannot be undone, each asked first: opening (mail goes out),
after saying what the round still lacks, and closing (no more answers), after saying what
closing does."""

from __future__ import annotations

from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required

from ...forms import ActionForm
from ..forms import OpenRoundForm
from ..services import closing
from ..services import opening
from ..services.progress import mail_status
from ..services.progress import progress_of
from .common import back_to_round
from .common import bp
from .common import own_round


@bp.route("/rounds/<id:round_id>/open", methods=["GET", "POST"])
@login_required
def open_round(round_id: int):
    """The round page posts here at once when nothing is missing, and links here (a GET) when
    something is: this page says what, and why it matters."""
    a_round = own_round(round_id)
    form = OpenRoundForm()
    if form.validate_on_submit():
        if not opening.open_if_ready(a_round, accepted=form.anyway.data):
            flash(_("The round is open: links now work."), "success")
            return back_to_round()
        return redirect(url_for("rounds.open_round", round_id=a_round.id))
    opening.check_openable(a_round)
    return render_template(
        "rounds/open.html",
        a_round=a_round,
        missing=opening.missing_before_open_of(a_round),
        form=form,
    )


@bp.route("/rounds/<id:round_id>/close", methods=["GET", "POST"])
@login_required
def close_round(round_id: int):
    """What closing does, then a button. A round already closed (a second click, another tab,
    its closing date) is no failure: the leader is told so on the round page."""
    a_round = own_round(round_id)
    form = ActionForm()
    try:
        if form.validate_on_submit():
            closing.close_round(a_round)
            flash(_("The round is closed. The results and report are ready."), "success")
            return back_to_round()
        closing.check_closable(a_round.status)
    except closing.RoundAlreadyClosed as already:
        flash(str(already), "info")
        return back_to_round()
    return render_template(
        "rounds/close.html",
        a_round=a_round,
        progress=progress_of(a_round),
        mail=mail_status(a_round),
        self_done=bool(a_round.self_ratings),
        form=form,
    )
