"""The leader's actions on personal invitations: invite, a new link, remind."""

from __future__ import annotations

from flask import abort
from flask import flash
from flask import render_template
from flask_babel import gettext as _
from flask_login import login_required

from ...anonymity import reminders_queued_notice
from ...forms import ActionForm
from ...i18n import local_questionnaire
from ...invitation_list import in_list_order
from ..forms import InvitationsForm
from ..services import invitations
from ..services import reminders
from .common import back_to_round
from .common import bp
from .common import own_round
from .common import returns_to
from .page import round_page


@bp.post("/rounds/<id:round_id>/invitations")
@login_required
def invite(round_id: int):
    a_round = own_round(round_id)
    form = InvitationsForm()
    if not form.validate_on_submit():
        return round_page(a_round, invite_form=form)
    created, errors = invitations.add_invitations(a_round, form.lines.data)
    q = local_questionnaire(a_round.questionnaire_version)
    invitees = [invitee for invitee, _link in created]
    return render_template(
        "rounds/invitations_created.html",
        a_round=a_round,
        q=q,
        # In the order of the round page's list, which is where the leader finds them next.
        invitees=in_list_order(invitees, q.group_ids, lambda i: (i.group, i.email)),
        errors=errors,
    )


@bp.post("/rounds/<id:round_id>/invitations/<id:invitation_id>/link")
@returns_to("invitations")
@login_required
def new_link(round_id: int, invitation_id: int):
    a_round = own_round(round_id)
    invitation = invitations.invitation_of(a_round, invitation_id)
    if invitation is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    invitations.new_invitation_link(invitation)
    if a_round.status == "open":
        told = _(
            "%(email)s gets a new link by email now; the old one no longer works.",
            email=invitation.email,
        )
    else:
        told = _(
            "%(email)s gets a new link by email when you open the round; the old one no longer "
            "works.",
            email=invitation.email,
        )
    flash(told, "success")
    return back_to_round()


@bp.post("/rounds/<id:round_id>/reminders")
@returns_to("progress")
@login_required
def remind(round_id: int):
    a_round = own_round(round_id)
    if ActionForm().validate_on_submit():
        reminders.send_reminders(a_round)
        flash(reminders_queued_notice(a_round.max_anonymity), "success")
    return back_to_round()
