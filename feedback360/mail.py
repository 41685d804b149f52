"""Composing and delivering email with the standard library.

Messages are plain text plus HTML, rendered from `templates/mail/`: the HTML part shows each
link as a button or as words, never as an address; the plain text is wrapped by `mail_text`.
With no `MAIL_SERVER` configured, each message is written as a `.eml` file under
`instance/outbox/` instead, so a development machine never needs an SMTP server.
"""

from __future__ import annotations

import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext
from flask_babel import ngettext
from sqlalchemy import select

from .declines import has_declined
from .extensions import N_
from .extensions import db
from .followup.survey import pulse_minutes
from .i18n import current_language
from .i18n import language_of_address
from .i18n import local_questionnaire
from .keys import secret_keys
from .language_choice import first_supported
from .language_choice import invitation_mail_locale
from .mail_text import wrap_plain_text
from .models import ACCOUNT_MAIL_KINDS
from .models import OutboxMessage
from .models import User
from .models import WordBack
from .storage import private_folder
from .storage import write_private_file
from .survey_time import stated_minutes
from .text import header_text
from .text import is_header_safe_address
from .tokens import issued_token
from .tokens import password_reset_token
from .tokens import signup_token

# Translated when a message is composed, in its reader's language (`mail_language`).
SUBJECTS = {
    "invitation": N_("%(leader)s asks for your view: how do they show up online?"),
    "reminder": N_("Reminder: %(leader)s would value your view"),
    "coach_share": N_("%(leader)s shared a feedback round with you"),
    "round_closed": N_("%(leader)s's feedback round has closed: the report is ready"),
    "pulse_round_closed": N_("%(leader)s's follow-up has closed: its results are ready"),
    "list_review": N_("%(leader)s asks you to approve who is invited"),
    "word_back": N_("%(leader)s: what I heard from your feedback, and what I will do"),
    "pulse_invitation": N_("%(leader)s asks: have you noticed a change? (under two minutes)"),
    "pulse_reminder": N_("Reminder: %(leader)s asks whether you have noticed a change"),
    "password_reset": N_("Reset your feedback360 password"),
    "reset_no_account": N_("About resetting a feedback360 password"),
    "signup": N_("Finish creating your feedback360 account"),
    "signup_taken": N_("Someone tried to create a feedback360 account with your address"),
}


class Undeliverable(Exception):
    """The message can never be sent (its round, invitation or account is gone, or declined).

    Its reason is kept as the message's last error and shown to the leader: an English msgid
    (`N_`), translated where it is shown (rounds.services.progress)."""


class Declined(Undeliverable):
    """The invitee has declined all mail of this round: the message is withheld, never sent."""


class DeclinedQuietly(Declined):
    """The invitee declined mail about a round that has closed since, which keeps the decline
    only as a keyed digest (`declines`): the message is not sent, and is recorded as sent, for a
    row marked "withheld" would name whom the digest hides."""


def site_link(path: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}{path}"


def survey_link(token: str) -> str:
    return site_link(f"/s/{token}")


def mail_language(message: OutboxMessage) -> str:
    """The language a message is written in: mail to an invitation line (invitation, reminder,
    word back) is in the line's language, else its round's default; mail to someone with an
    account is in the language they picked; a coach without one gets their leader's; account
    mail to an address without an account, the language of the page that asked for it."""
    if message.kind in ("invitation", "reminder", "word_back"):  # mail to an invitation line
        invitation, a_round = message.invitation, message.round
        return invitation_mail_locale(
            invitation.language if invitation is not None else None,
            a_round.default_language if a_round is not None else None,
        )
    if message.user is not None:
        return first_supported(message.user.language)
    if message.kind in ACCOUNT_MAIL_KINDS:
        return first_supported(message.language)
    leader = message.round.leader if message.round is not None else None
    return first_supported(
        language_of_address(message.to_address), leader.language if leader is not None else None
    )


def compose(message: OutboxMessage) -> EmailMessage:
    """Render the email for an outbox row in its reader's language, deriving any link in it
    only now."""
    with force_locale(mail_language(message)):
        return _compose(message)


def _compose(message: OutboxMessage) -> EmailMessage:
    if message.kind in ACCOUNT_MAIL_KINDS:
        context = _account_context(message)
        subject = gettext(SUBJECTS[message.kind])
    else:
        context = _round_context(message)
        subject = gettext(SUBJECTS[context.get("template", message.kind)], leader=context["leader"])
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    for address in (message.to_address, sender):
        if not is_header_safe_address(address):
            raise Undeliverable(N_("the address cannot be written safely into a mail header"))
    email = EmailMessage()
    # Every header from text someone typed goes through header_text: Python's email package
    # decodes encoded words and, before the fix for CVE-2024-6923, re-folds what they decode to,
    # line breaks included, into new header lines (a Bcc: of the leader's choosing).
    email["Subject"] = header_text(subject)
    # An Address object, not a formatted string: the display name is quoted as needed (commas,
    # quotes, angle brackets) and never parsed again.
    email["From"] = Address(
        display_name=header_text(current_app.config["MAIL_SENDER_NAME"]), addr_spec=sender
    )
    email["To"] = message.to_address
    sender_domain = sender.split("@")[-1]
    email["Message-ID"] = make_msgid(domain=sender_domain)
    # Templates write a paragraph per line; wrapping is done once, here, for every mail.
    template = context.get("template", message.kind)
    email.set_content(wrap_plain_text(render_template(f"mail/{template}.txt", **context)))
    html = render_template(f"mail/{template}.html", subject=subject, **context)
    email.add_alternative(html, subtype="html")
    # After the body: setting content clears every Content-* header.
    email["Content-Language"] = current_language()
    return email


def _round_context(message: OutboxMessage) -> dict:
    a_round = message.round
    if a_round is None or a_round.leader is None:  # deleted, with its leader's account or alone
        raise Undeliverable(N_("the round is gone"))
    leader = header_text(a_round.leader.name)  # goes into the Subject
    context = {
        "a_round": a_round,
        "leader": leader,
        "kind": message.kind,
        "template": _round_template(a_round.kind, message.kind),
    }
    if message.invitation_id is not None:
        invitation = message.invitation
        if invitation is not None and invitation.declined:
            raise Declined("the invitee declined mail about this round")
        if invitation is None or invitation.nonce is None:
            raise Undeliverable(N_("the invitation was replaced"))
        if has_declined(a_round.original_id, invitation.email):
            raise DeclinedQuietly("the invitee declined mail about this round and its follow-up")
        # A reminder goes out even if its person answered after it was queued: its text thanks
        # those who did, and a failure marked against the address would tell the leader who.
        # The link as issued, even if under a key since replaced (see `keys`).
        token = issued_token(secret_keys(), "invitation", invitation.nonce, invitation.token_hash)
        if token is None:
            raise Undeliverable(N_("the link was made with a secret key no longer configured"))
        context["link"] = survey_link(token)
        context["decline_link"] = survey_link(token) + "/decline"
        # The figure the survey itself states for this person's group (`survey_time`).
        if a_round.is_pulse:
            context["minutes"] = pulse_minutes(a_round, invitation.rater_group, open_link=False)
        else:
            q = local_questionnaire(a_round.questionnaire_version)
            context["minutes"] = stated_minutes(q, invitation.rater_group, open_link=False)
        if message.kind == "word_back":
            context["paragraphs"] = _word_back_paragraphs(a_round)
    else:
        context.update(_coach_links(message))
    return context


def _round_template(round_kind: str, mail_kind: str) -> str:
    """A pulse's invitations, reminders and note to the coach have words of their own."""
    if round_kind == "pulse" and mail_kind in ("invitation", "reminder", "round_closed"):
        return f"pulse_{mail_kind}"
    return mail_kind


def _word_back_paragraphs(a_round) -> list[str]:
    """The word back as sent, in paragraphs (blank lines between them, as the leader typed)."""
    word_back = db.session.get(WordBack, a_round.id)
    if word_back is None:
        raise Undeliverable(N_("the word back is gone"))
    return [p.strip() for p in word_back.text.split("\n\n") if p.strip()]


# Where each mail to a coach leads once they are logged in.
COACH_PAGES = {
    "coach_share": "/",
    "round_closed": "/rounds/{round_id}/results",
    "list_review": "/rounds/{round_id}/rater-list",
}


def _coach_links(message: OutboxMessage) -> dict:
    """A coach with an account goes to the page (a login first, if needed); one without gets a
    link that creates an account for this address, as the sign-up mail's does: a share is for
    an address, and only its owner can create the account that sees it."""
    page = site_link(COACH_PAGES[message.kind].format(round_id=message.round_id))
    has_account = db.session.scalar(select(User.id).where(User.email == message.to_address))
    if has_account is not None:
        return {"link": page, "has_account": True}
    token = signup_token(current_app.config["SECRET_KEY"], message.to_address)
    return {
        "link": site_link(f"/register/{token}"),
        "has_account": False,
        "valid_for": duration(current_app.config["SIGNUP_LINK_MAX_AGE"]),
        "register_link": site_link("/register"),
    }


def _account_context(message: OutboxMessage) -> dict:
    """Links for account mail. A reset link is derived from the password hash as it is now."""
    secret_key = current_app.config["SECRET_KEY"]
    context = {
        "login_link": site_link("/login"),
        "forgot_link": site_link("/forgot-password"),
        "register_link": site_link("/register"),
    }
    if message.kind == "password_reset":
        user = message.user
        if user is None:
            raise Undeliverable(N_("the account is gone"))
        token = password_reset_token(secret_key, user.id, user.password_hash)
        context["link"] = site_link(f"/reset-password/{token}")
        context["valid_for"] = duration(current_app.config["PASSWORD_RESET_MAX_AGE"])
    elif message.kind == "signup":
        context["link"] = site_link(f"/register/{signup_token(secret_key, message.to_address)}")
        context["valid_for"] = duration(current_app.config["SIGNUP_LINK_MAX_AGE"])
    return context


def duration(seconds: int) -> str:
    """A link's lifetime in words, in the language being rendered: "1 hour", "30 minutes",
    "2 days" (one message per unit, so each language has its own plural forms)."""
    if seconds >= 86400 and seconds % 86400 == 0:
        return ngettext("%(num)d day", "%(num)d days", seconds // 86400)
    if seconds >= 3600 and seconds % 3600 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    if seconds >= 60 and seconds % 60 == 0:
        return ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)
    return ngettext("%(num)d second", "%(num)d seconds", seconds)


class SmtpTransport:
    """One SMTP connection for a batch of messages."""

    def __init__(self, config) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        cls = smtplib.SMTP_SSL if self.config.get("MAIL_USE_SSL") else smtplib.SMTP
        self.connection = cls(
            self.config["MAIL_SERVER"],
            int(self.config.get("MAIL_PORT", 25)),
            timeout=float(self.config.get("MAIL_TIMEOUT", 10)),
        )
        if self.config.get("MAIL_USE_TLS"):
            self.connection.starttls()
        if self.config.get("MAIL_USERNAME"):
            self.connection.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
        return self

    def send(self, email: EmailMessage) -> None:
        # The envelope names the one addressee, never what the headers might add.
        self.connection.send_message(email, to_addrs=[email["To"].addresses[0].addr_spec])

    def __exit__(self, *exc_info) -> None:
        try:
            self.connection.quit()
        except (smtplib.SMTPException, OSError):
            self.connection.close()


class FileTransport:
    """Development stand-in: each message becomes instance/outbox/<n>.eml."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> FileTransport:
        private_folder(self.folder)
        return self

    def send(self, email: EmailMessage) -> None:
        name = email["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
        write_private_file(self.folder / f"{name}.eml", bytes(email))

    def __exit__(self, *exc_info) -> None:
        return None


def transport():
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SmtpTransport(config)
    return FileTransport(Path(current_app.instance_path) / "outbox")
