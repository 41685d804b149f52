"""The coach's side of a rater list they vouch for (rounds.services.approval): the addresses
and groups, adding and removing people, approving.

Only the coach the leader asked gets these pages; anyone else, the round's other coaches and its
leader included, gets a 404. Nothing here says who answered or declined.
"""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from ..forms import ActionForm
from ..i18n import local_questionnaire
from ..rounds.forms import InvitationsForm
from ..rounds.services import approval
from ..rounds.services import rater_list
from ..rounds.services.common import RoundError
from ..rounds.services.invitations import invitation_page
from ..rounds.services.lifecycle import refresh_status
from ..rounds.views.page import requested_page
from .forms import ApproveListForm

bp = Blueprint("coaching", __name__)
INVITATIONS_PER_PAGE = 100


def _reviewed(round_id: int):
    """The round and the current user's share, if they are the coach asked to vouch; else 404."""
    found = approval.reviewed_round(round_id, current_user.email)
    if found is None:
        abort(404)
    a_round, share = found
    if refresh_status(a_round) is None:  # deleted meanwhile
        abort(404)
    return a_round, share


def _back(round_id: int):
    return redirect(url_for("coaching.list_page", round_id=round_id))


@bp.errorhandler(RoundError)
def refused(error: RoundError):
    """What the round's state does not allow: the reason, on the list's page."""
    flash(str(error), "error")
    return _back(request.view_args["round_id"])


def _page(a_round, share, invite_form=None, added=None, line_errors=None):
    q = local_questionnaire(a_round.questionnaire_version)
    return render_template(
        "coaching/rater_list.html",
        a_round=a_round,
        share=share,
        q=q,
        invitations=invitation_page(a_round, requested_page(), INVITATIONS_PER_PAGE),
        open_links=q.in_group_order(a_round.open_links),
        approve_form=ApproveListForm(seen=approval.list_fingerprint(a_round)),
        invite_form=invite_form or InvitationsForm(),
        action_form=ActionForm(),
        added=added or [],
        line_errors=line_errors or [],
    )


@bp.get("/rounds/<id:round_id>/rater-list")
@login_required
def list_page(round_id: int):
    return _page(*_reviewed(round_id))


@bp.post("/rounds/<id:round_id>/rater-list/approve")
@login_required
def approve(round_id: int):
    a_round, share = _reviewed(round_id)
    form = ApproveListForm()
    if not form.validate_on_submit():
        flash(_("That approval could not be read: look at the list again, then approve."), "error")
        return _back(round_id)
    approval.approve(a_round, share, form.seen.data)
    if a_round.status == "draft":
        flash(
            _(
                "You approved the rater list: %(leader)s can open the round.",
                leader=a_round.leader.name,
            ),
            "success",
        )
    else:
        flash(_("You approved the rater list: its open links take answers."), "success")
    return _back(round_id)


@bp.post("/rounds/<id:round_id>/rater-list/invitations")
@login_required
def add(round_id: int):
    a_round, share = _reviewed(round_id)
    form = InvitationsForm()
    if not form.validate_on_submit():
        for error in form.lines.errors:
            flash(error, "error")
        return _back(round_id)
    added, errors = rater_list.coach_adds(a_round, share, form.lines.data)
    form = InvitationsForm(formdata=None)
    form.lines.data = "\n".join(error.line for error in errors if error.line)  # to correct
    return _page(a_round, share, invite_form=form, added=added, line_errors=errors)


@bp.post("/rounds/<id:round_id>/rater-list/invitations/<id:invitation_id>/remove")
@login_required
def remove(round_id: int, invitation_id: int):
    a_round, share = _reviewed(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    email = rater_list.coach_removes(a_round, share, invitation_id)
    flash(_("%(email)s is off the list.", email=email), "success")
    return _back(round_id)
