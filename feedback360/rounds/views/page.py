"""The round page: everything a leader sees and does for one round, drawn in one place so a
refused form can be shown again on it with its errors at its field."""

from __future__ import annotations

from flask import current_app
from flask import render_template
from flask import request

from ...followup.forecasts import forecast_values
from ...forms import ActionForm
from ...i18n import local_date
from ...i18n import local_questionnaire
from ...keys import secret_keys
from ...models import OpenLink
from ...models import Round
from ...tokens import issued_token
from ...tokens import open_link_token
from ..forms import InvitationsForm
from ..forms import OpenLinkForm
from ..forms import OpenLinkSettingsForm
from ..forms import ShareForm
from ..services import approval
from ..services.invitations import invitation_page
from ..services.open_links import open_link_cautions
from ..services.opening import missing_before_open_of
from ..services.progress import mail_status
from ..services.progress import progress_of
from ..services.reminders import reminder_timing_of
from .common import survey_url

INVITATIONS_PER_PAGE = 50
# No round has this many pages; a larger ?page= would overflow the database's OFFSET.
MAX_PAGE = 100_000


def open_link_url(link: OpenLink) -> str:
    """The link as issued, even under a key since replaced (see `keys`)."""
    token = issued_token(secret_keys(), "open-link", link.nonce, link.token_hash)
    return survey_url(token or open_link_token(current_app.config["SECRET_KEY"], link.nonce))


def open_links_on_page(a_round: Round) -> list[tuple[OpenLink, str, OpenLinkSettingsForm]]:
    """Each open link the round page shows, in the questionnaire's group order: the link, its
    URL, its settings form."""
    q = local_questionnaire(a_round.questionnaire_version)
    return [
        (
            link,
            open_link_url(link),
            OpenLinkSettingsForm(
                prefix=link.rater_group,
                data={"max_responses": link.max_responses, "paused": link.paused},
            ),
        )
        for link in q.in_group_order(a_round.open_links)
        if link.nonce
    ]


def new_open_link_form(a_round: Round) -> OpenLinkForm | None:
    """The form that makes an open link, offering the groups that have none; None when every
    group has one (replacing one is asked first, on its own page)."""
    linked = {link.rater_group for link in a_round.open_links if link.nonce}
    form = OpenLinkForm(version=a_round.questionnaire_version)
    form.group.choices = [c for c in form.group.choices if c.value not in linked]
    if not form.group.choices:
        return None
    if form.group.data in linked:
        form.group.data = form.group.choices[0].value
    return form


def requested_page() -> int:
    """The ?page= number; the first page for a missing, odd or absurd one."""
    page = request.args.get("page", 1, type=int)
    return page if 1 <= page <= MAX_PAGE else 1


def round_page(
    a_round: Round,
    invite_form: InvitationsForm | None = None,
    share_form: ShareForm | None = None,
    refused_settings: tuple[str, OpenLinkSettingsForm] | None = None,
) -> str:
    """The round page; a form that was refused is shown again with its errors at its field
    (`refused_settings`: an open link's group and its settings form as sent)."""
    links = open_links_on_page(a_round)
    if refused_settings is not None:
        group, refused = refused_settings
        links = [
            (link, url, refused if link.rater_group == group else form) for link, url, form in links
        ]
    return render_template(
        "rounds/detail.html",
        a_round=a_round,
        q=local_questionnaire(a_round.questionnaire_version),
        progress=progress_of(a_round),
        mail=mail_status(a_round),
        invitations=invitation_page(a_round, requested_page(), INVITATIONS_PER_PAGE),
        open_links=links,
        open_link_cautions=open_link_cautions(a_round),
        self_done=bool(a_round.self_ratings),
        reviewer=approval.reviewer_of(a_round),
        invite_form=invite_form or InvitationsForm(),
        open_link_form=new_open_link_form(a_round),
        missing=missing_before_open_of(a_round),
        reminders=reminder_timing_of(a_round),
        share_form=share_form or ShareForm(),
        action_form=ActionForm(),
        day_words=lambda day: local_date(day, "day"),
        forecast_made=a_round.status != "draft" and bool(forecast_values(a_round)),
    )
