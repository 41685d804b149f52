"""The leader's actions on open links: make one, replace it (asked first), cap or pause it,
its QR code."""

from __future__ import annotations

import io

import segno
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from ...forms import ActionForm
from ...i18n import local_questionnaire
from ...models import GROUP_IDS
from ...models import OpenLink
from ...models import Round
from ..forms import OpenLinkForm
from ..forms import OpenLinkSettingsForm
from ..services import open_links
from .common import back_to_round
from .common import bp
from .common import own_round
from .common import returns_to
from .page import open_link_url
from .page import round_page


def own_open_link(a_round: Round, group: str) -> OpenLink:
    """The round's open link for `group`, or 404."""
    link = open_links.find_open_link(a_round, group) if group in GROUP_IDS else None
    if link is None or not link.nonce:
        abort(404)
    return link


@bp.post("/rounds/<id:round_id>/open-links")
@returns_to("open-links")
@login_required
def open_link(round_id: int):
    """Make a group's open link. If it has one already (a page from before it was made, or
    another tab), the leader is asked first: that link may already be posted."""
    a_round = own_round(round_id)
    form = OpenLinkForm(version=a_round.questionnaire_version)
    if form.validate_on_submit():
        link = open_links.ensure_open_link(a_round, form.group.data)
        if link.nonce:
            return redirect(
                url_for("rounds.replace_open_link", round_id=a_round.id, group=link.rater_group)
            )
        open_links.rotate_open_link(link, current_app.config["SECRET_KEY"])
        flash(_("Open link ready to post."), "success")
    return back_to_round()


@bp.route("/rounds/<id:round_id>/open-links/<group>/replace", methods=["GET", "POST"])
@returns_to("open-links")
@login_required
def replace_open_link(round_id: int, group: str):
    """Asked first: the link being replaced may be on a post, a slide or a printed QR code."""
    a_round = own_round(round_id)
    link = own_open_link(a_round, group)
    open_links.check_replaceable(a_round)
    form = ActionForm()
    named = local_questionnaire(a_round.questionnaire_version).group(group)
    if form.validate_on_submit():
        open_links.replace_open_link(link, current_app.config["SECRET_KEY"])
        flash(
            _(
                "New open link for %(group)s made; the old one no longer works. Post the new one "
                "(or its QR code) wherever the old one was.",
                group=named.in_sentence,
            ),
            "success",
        )
        return back_to_round()
    return render_template(
        "rounds/replace_open_link.html", a_round=a_round, link=link, group=named, form=form
    )


@bp.post("/rounds/<id:round_id>/open-links/<group>")
@returns_to("open-links")
@login_required
def open_link_settings(round_id: int, group: str):
    link = own_open_link(own_round(round_id), group)
    form = OpenLinkSettingsForm(prefix=group)
    if not form.validate_on_submit():
        return round_page(link.round, refused_settings=(group, form))
    open_links.set_open_link_settings(link, form.max_responses.data, form.paused.data)
    flash(_settings_message(link), "success")
    return back_to_round()


def _settings_message(link: OpenLink) -> str:
    group = local_questionnaire(link.round.questionnaire_version).group(link.rater_group)
    name = group.in_sentence
    if link.paused:
        return _(
            "The open link for %(group)s is paused: it takes no answers until you resume it.",
            group=name,
        )
    if link.max_responses is None:
        return _("The open link for %(group)s takes answers, with no limit.", group=name)
    if link.responses >= link.max_responses:
        return ngettext(
            "The open link for %(group)s already has %(num)d answer, so with a limit of "
            "%(most)d it takes no more.",
            "The open link for %(group)s already has %(num)d answers, so with a limit of "
            "%(most)d it takes no more.",
            link.responses,
            group=name,
            most=link.max_responses,
        )
    return _(
        "The open link for %(group)s takes answers until it has %(most)d (%(sofar)d so far).",
        group=name,
        most=link.max_responses,
        sofar=link.responses,
    )


@bp.get("/rounds/<id:round_id>/open-links/<group>/qr.svg")
@login_required
def open_link_qr(round_id: int, group: str):
    """The open link as a QR code, for slides and events."""
    link = own_open_link(own_round(round_id), group)
    svg = io.BytesIO()
    segno.make(open_link_url(link), error="m", micro=False).save(
        svg, kind="svg", scale=5, border=4, xmldecl=False, title=_("Survey link")
    )
    headers = {"Cache-Control": "private, no-store"}
    if request.args.get("download"):
        filename = f"feedback360-round-{link.round_id}-{group}-open-link.svg"
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return current_app.response_class(svg.getvalue(), mimetype="image/svg+xml", headers=headers)
