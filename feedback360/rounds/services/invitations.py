"""Personal invitations: adding them, new links, declining (reminders are in `reminders`)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy import true

from ...anonymity import invitations_beside_open_link_refused
from ...declines import keep_declines
from ...extensions import db
from ...i18n import local_questionnaire
from ...invitation_list import Invitee
from ...invitation_list import LineError
from ...invitation_list import ListPage
from ...invitation_list import in_list_order
from ...invitation_list import page_of
from ...invitation_list import parse_invitees
from ...models import Invitation
from ...models import OpenLink
from ...models import Round
from ...outbox import enqueue
from ...tokens import hash_token
from ...tokens import invitation_token
from ...tokens import new_nonce
from . import approval
from .common import RoundError
from .common import hold_round
from .common import invitation_counts
from .progress import pool_small_groups_of


def invitation_page(a_round: Round, page: int, per_page: int) -> ListPage:
    """One page of the round's invitations (id, email, rater_group), by group and address as
    a person reads them (invitation_list.in_list_order).

    Ordered here, not in SQL: no ORDER BY sorts person2 before person10 alike on SQLite and
    PostgreSQL. A round has hundreds of invitations, a few thousand at most (a paste takes
    1000 lines), and only these three short columns are read."""
    rows = db.session.execute(
        select(Invitation.id, Invitation.email, Invitation.rater_group).where(
            Invitation.round_id == a_round.id
        )
    ).all()
    groups = local_questionnaire(a_round.questionnaire_version).group_ids
    ordered = in_list_order(rows, groups, lambda row: (row.rater_group, row.email))
    return page_of(ordered, page, per_page)


def invitation_of(a_round: Round, invitation_id: int) -> Invitation | None:
    """The round's invitation with this id; None for another round's."""
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.round_id == a_round.id else None


def forbidden_invitees(a_round: Round, by_coach: bool = False) -> dict[str, str]:
    """Emails that cannot answer anonymously: the leader's own and the coaches'."""
    forbidden = {
        share.coach_email: _("This is a coach of this round; coaches cannot rate anonymously.")
        for share in a_round.shares
    }
    forbidden[a_round.leader.email] = (
        _("That is the leader's own address: they rate themselves in the self-assessment.")
        if by_coach
        else _("That is your own address: rate yourself in the self-assessment instead.")
    )
    return forbidden


def add_invitations(a_round: Round, text: str) -> tuple[list[tuple[Invitee, str]], list[LineError]]:
    """The leader invites: create invitations for the good lines; return each with its raw
    token. In a round whose coach vouches for the list, that asks the coach again (draft) or is
    theirs to do (open: rounds.services.approval)."""
    if a_round.status == "closed":
        raise RoundError(_("This round is closed; no more invitations can be added."))
    approval.refuse_leader_invitations(a_round)
    created, errors = create_invitations(a_round, text, forbidden_invitees(a_round))
    if created:
        approval.leader_changed_list(a_round)
    db.session.commit()
    return created, errors


def create_invitations(
    a_round: Round, text: str, forbidden: dict[str, str]
) -> tuple[list[tuple[Invitee, str]], list[LineError]]:
    """Invitations for the good lines, mailed at once in an open round; the caller commits."""
    if a_round.status == "closed":
        raise RoundError(_("This round is closed; no more invitations can be added."))
    if a_round.is_pulse:
        raise RoundError(
            _(
                "A follow-up goes to the people its round asked, so that the two compare; "
                "no one can be added to it."
            )
        )
    hold_round(a_round.id)
    already = {inv.email for inv in a_round.invitations}
    invitees, errors = parse_invitees(text, already_invited=already, forbidden=forbidden)
    invitees, errors = _refuse_too_few_beside_open_links(a_round, invitees, errors)
    created, invitations = [], []
    for invitee in invitees:
        invitation = Invitation(
            round=a_round, email=invitee.email, rater_group=invitee.group, language=invitee.language
        )
        created.append((invitee, _new_link(invitation)))
        invitations.append(invitation)
    db.session.add_all(invitations)
    if a_round.status == "open":
        db.session.flush()  # one round trip gives every invitation its id for the outbox
        for invitation in invitations:
            enqueue("invitation", invitation.email, a_round.id, invitation.id)
        pool_small_groups_of(a_round)
    return created, errors


def invitations_beside_open_links(a_round: Round) -> dict[str, int]:
    """The personal invitations of each group that has an open link (0 for none)."""
    invited = invitation_counts(a_round.id, true())
    linked = db.session.scalars(
        select(OpenLink.rater_group).where(OpenLink.round_id == a_round.id)
    )  # read again, not the round's loaded links: another request may have added one
    return {group: invited.get(group, 0) for group in linked}


def _refuse_too_few_beside_open_links(
    a_round: Round, invitees: list[Invitee], errors: list[LineError]
) -> tuple[list[Invitee], list[LineError]]:
    """Leave out every new invitee of a group with an open link that would end up with 1 to
    threshold - 1 personal invitations (anonymity.open_link_mix_is_small), each line with why."""
    beside_links = invitations_beside_open_links(a_round)
    groups = {g.id: g for g in local_questionnaire(a_round.questionnaire_version).groups}
    refused_groups = {}
    for group_id, invited in beside_links.items():
        adding = sum(1 for invitee in invitees if invitee.group == group_id)
        if not adding:
            continue
        reason = invitations_beside_open_link_refused(
            groups[group_id], invited, adding, a_round.anonymity_threshold
        )
        if reason:
            refused_groups[group_id] = reason
    if not refused_groups:
        return invitees, errors
    refused = [
        LineError(i.line_number, i.line, refused_groups[i.group])
        for i in invitees
        if i.group in refused_groups
    ]
    kept = [invitee for invitee in invitees if invitee.group not in refused_groups]
    return kept, sorted(errors + refused, key=lambda error: error.line_number)


def _new_link(invitation: Invitation) -> str:
    """Give the invitation a fresh nonce (any older link stops working) and return its token."""
    invitation.nonce = new_nonce()
    token = invitation_token(current_app.config["SECRET_KEY"], invitation.nonce)
    invitation.token_hash = hash_token(token)
    return token


def new_invitation_link(invitation: Invitation) -> str:
    """Replace a lost link: the old one stops working; an open round emails the new one.

    It does the same whether or not the person has answered (their new link then opens the
    "already answered" page), or declined mail: their message is queued all the same and the
    sender withholds it, so the leader learns nothing from asking, not even from the mail counts.
    """
    if invitation.round.status == "closed":
        raise RoundError(_("This round is closed."))
    token = _new_link(invitation)
    if invitation.round.status == "open":
        enqueue("invitation", invitation.email, invitation.round_id, invitation.id)
    db.session.commit()
    return token


def decline(invitation: Invitation) -> None:
    """The invitee wants no more mail about this round; their link keeps working.

    A closed round has forgotten who declined; a decline at its link is kept as a keyed digest
    only (`declines`), which its word back and its pulse honour."""
    a_round = invitation.round
    if a_round.status == "closed":
        keep_declines(a_round.original_id, [invitation.email])
        db.session.commit()
        return
    invitation.declined = True
    db.session.commit()
