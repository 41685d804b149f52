"""Mail headers built from user text, checked as a real SMTP server (aiosmtpd) receives them.

Python 3.11.7 lacks the fix for CVE-2024-6923: an encoded word that decodes to a line break
(`=?UTF-8?Q?=0A?=`) in a header value once became a real `Bcc:` or `Reply-To:` header. The app
cleans every header it builds from user text itself, whatever the interpreter does.
"""

from __future__ import annotations

import email
import unicodedata
from email import policy

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import select

from feedback360.auth import services as auth_services
from feedback360.extensions import db
from feedback360.invitation_list import parse_invitees
from feedback360.mail import transport
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.outbox import enqueue
from feedback360.outbox import send_pending
from feedback360.rounds import services as round_services
from feedback360.text import header_text
from feedback360.text import is_header_safe_address
from tests.helpers import add_user
from tests.helpers import invite
from tests.helpers import time_passes
from tests.test_mail import Inbox
from tests.test_mail import smtp_server

EVIL = "evil@example.com"
ATTACKS = [
    f"=?UTF-8?Q?=0A?=Bcc: {EVIL}",
    f"Lee =?UTF-8?Q?=0D=0A?=Reply-To: {EVIL}",
    "=?UTF-8?B?CkJjYzogZXZpbEBleGFtcGxlLmNvbQ==?=",  # base64 of "\nBcc: evil@example.com"
    f"=?=?UTF-8?Q?x?=UTF-8?Q?=0A?=Bcc: {EVIL}",  # a second encoded word once the first is gone
    f"=?utf-8?q?=0A=0ABcc=3A_{EVIL}=0A?=",
    f"Lee\r\nBcc: {EVIL}",
    f"Lee\x85Bcc: {EVIL}",  # NEL
    f"Lee\u2028Reply-To: {EVIL}\u2029X-Extra: 1",
    f"Lee\x0bBcc: {EVIL}\x7f\x1c",
]
HEADERS_OF_EVERY_MAIL = {
    "subject",
    "from",
    "to",
    "message-id",
    "content-type",
    "mime-version",
    "content-language",
}


class EnvelopeInbox(Inbox):
    """Keeps, with each message, the recipients the SMTP envelope named."""

    def __init__(self) -> None:
        super().__init__()
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients.append(list(envelope.rcpt_tos))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp(app):
    with smtp_server(app, EnvelopeInbox()) as inbox:
        yield inbox


def deliver_all():
    return send_pending(transport(), 100)


def assert_only_the_usual_headers(inbox: EnvelopeInbox, addressee: str) -> None:
    """One message, to `addressee` alone, with no header but those every mail has."""
    (message,) = inbox.messages
    assert inbox.recipients == [[addressee]], "no recipient beyond the addressee"
    names = {name.lower() for name in message.keys()}
    assert names == HEADERS_OF_EVERY_MAIL, names
    assert [a.addr_spec for a in message["To"].addresses] == [addressee]
    assert message["Bcc"] is None and message["Reply-To"] is None
    (sender,) = message["From"].addresses
    assert sender.addr_spec == "feedback360@localhost"
    for name, value in message.items():
        if name.lower() not in ("subject", "from"):  # the text typed shows, as text
            assert EVIL not in str(value), f"{name}: {value}"
    assert "\n" not in message["Subject"] and "=?" not in message["Subject"]


def round_inviting_ann(leader_name: str, title: str):
    """An open round of a leader so named, with this title, inviting ann@example.org."""
    leader = add_user("leader@example.org", leader_name)
    a_round = round_services.create_round(
        leader, title=title, anonymity_threshold=3, closes_on=None, platforms=[]
    )
    invite(a_round, "ann@example.org, staff")
    round_services.open_round(a_round)
    return a_round


@pytest.mark.parametrize("name", ATTACKS)
def test_a_leader_name_cannot_add_headers_to_an_invitation(smtp, ctx, name):
    round_inviting_ann(name, "Spring")
    assert deliver_all().sent == 1
    assert_only_the_usual_headers(smtp, "ann@example.org")
    assert smtp.messages[0]["Subject"].endswith("asks for your view: how do they show up online?")


@pytest.mark.parametrize("name", ATTACKS[:3])
def test_a_leader_name_cannot_add_headers_to_a_reminder_or_a_coach_notice(smtp, ctx, name):
    a_round = round_inviting_ann(name, "Spring")
    deliver_all()
    smtp.messages.clear(), smtp.recipients.clear()
    time_passes(days=3)
    round_services.send_reminders(a_round)
    assert deliver_all().sent == 1
    assert_only_the_usual_headers(smtp, "ann@example.org")
    smtp.messages.clear(), smtp.recipients.clear()
    round_services.share_with_coach(a_round, "coach@example.org")
    assert deliver_all().sent == 1
    assert_only_the_usual_headers(smtp, "coach@example.org")


@pytest.mark.parametrize("title", ATTACKS[:3])
def test_a_round_title_cannot_add_headers(smtp, ctx, title):
    round_inviting_ann("Lee Leader", title)
    assert deliver_all().sent == 1
    assert_only_the_usual_headers(smtp, "ann@example.org")


@pytest.mark.parametrize("name", ATTACKS[:3])
def test_a_user_name_cannot_add_headers_to_account_mail(smtp, ctx, name):
    add_user("user@example.org", name)
    auth_services.request_password_reset("user@example.org")
    db.session.commit()
    assert deliver_all().sent == 1
    assert_only_the_usual_headers(smtp, "user@example.org")


@pytest.mark.parametrize(
    "sender_name",
    ['Team, "Feedback" <boss@evil.example>', f"Team =?UTF-8?Q?=0A?=Bcc: {EVIL}", "Ünï, (x)"],
)
def test_the_sender_name_is_quoted_and_cleaned(app, smtp, ctx, sender_name):
    app.config["MAIL_SENDER_NAME"] = sender_name
    add_user("user@example.org")
    auth_services.request_password_reset("user@example.org")
    db.session.commit()
    assert deliver_all().sent == 1
    assert_only_the_usual_headers(smtp, "user@example.org")
    (sender,) = smtp.messages[0]["From"].addresses
    assert sender.addr_spec == app.config["MAIL_DEFAULT_SENDER"]
    assert sender.display_name == header_text(sender_name)
    assert sender.display_name.startswith(sender_name[:3])


ENCODED_ADDRESS = "=?UTF-8?Q?=0ABcc=3A_evil=40example.com=0A?=@example.org"


def test_an_address_holding_an_encoded_word_is_refused_when_typed(ctx):
    invitees, errors = parse_invitees(
        f"{ENCODED_ADDRESS}, staff", already_invited=set(), forbidden={}
    )
    assert invitees == [] and len(errors) == 1 and "=?" in errors[0].message


def test_an_address_holding_an_encoded_word_is_never_sent_to(smtp, ctx):
    """Stored before the check existed: the message fails with its reason, nothing is sent."""
    enqueue("signup", ENCODED_ADDRESS)
    db.session.commit()
    report = deliver_all()
    assert (report.sent, report.failed) == (0, 1)
    assert smtp.messages == [] and smtp.recipients == []
    message = db.session.scalars(select(OutboxMessage)).one()
    assert "header" in message.last_error


def test_an_invitee_address_stored_with_an_encoded_word_is_never_sent_to(smtp, ctx):
    leader = add_user("leader@example.org", "Lee Leader")
    a_round = round_services.create_round(
        leader, title="Spring", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    invite(a_round, "ann@example.org, staff")
    db.session.scalars(select(Invitation)).one().email = ENCODED_ADDRESS
    db.session.commit()
    round_services.open_round(a_round)
    assert deliver_all().failed == 1
    assert smtp.messages == [] and smtp.recipients == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_header_text_never_leaves_an_encoded_word_or_a_line_break(value):
    cleaned = header_text(value)
    assert "=?" not in cleaned
    assert not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in cleaned)
    for around in (f"{cleaned} asks", f"x{cleaned}", f"={cleaned}?="):
        assert "=?" not in header_text(around)
    message = email.message.EmailMessage()
    message["Subject"] = f"{cleaned} asks for your view"
    message["To"] = "ann@example.org"
    parsed = email.message_from_bytes(bytes(message), policy=policy.default)
    assert list(parsed.keys()) == ["Subject", "To"]


@pytest.mark.parametrize(
    "address, safe",
    [
        ("ann@example.org", True),
        ("a=b?c@example.org", True),
        ("a=?b@example.org", False),
        ("a b@example.org", False),
        ("a\x85b@example.org", False),
        ("", False),
    ],
)
def test_which_addresses_are_header_safe(address, safe):
    assert is_header_safe_address(address) is safe
