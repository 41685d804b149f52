"""CSRF protection bound to a personal survey link rather than to a session cookie.

Flask-WTF keeps its CSRF secret in the session cookie, so a browser that refuses cookies could
never answer. A personal link is itself a secret only its invitee holds: a token signed with the
server's key for that link, and dated, proves the post came from that link's page as well, and
needs no cookie. Open links are public (anyone can fetch a token for one), so they keep
Flask-WTF's session-bound token.

The token is `survey.<time>.<signature>`: it names neither the link nor the person, and it
expires after WTF_CSRF_TIME_LIMIT seconds like Flask-WTF's. Keys in SECRET_KEY_FALLBACKS are
still accepted, so a key rotation does not turn an open page into an expired one.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import TimestampSigner
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

from ..keys import secret_keys

SALT = "feedback360.survey-link-csrf:"
PAYLOAD = b"survey"


def _signer(link_token: str) -> TimestampSigner:
    """Signs for this link only: its token is part of the derived key, never of the output."""
    keys = list(reversed(secret_keys()))  # oldest first: itsdangerous signs with the last
    return TimestampSigner(
        keys, salt=SALT + link_token, key_derivation="hmac", digest_method=hashlib.sha256
    )


class LinkCSRF(CSRF):
    """A WTForms CSRF class; the form's `meta.csrf_context` is the link's token."""

    def setup_form(self, form):
        self.form_meta = form.meta
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field) -> str:
        return _signer(self.form_meta.csrf_context).sign(PAYLOAD).decode()

    def validate_csrf_token(self, form, field) -> None:
        if not field.data or not isinstance(field.data, str):
            raise ValidationError("The CSRF token is missing.")
        try:
            signed = _signer(self.form_meta.csrf_context).unsign(
                field.data, max_age=self.form_meta.csrf_time_limit
            )
        except SignatureExpired:
            raise ValidationError("The CSRF token has expired.") from None
        except BadSignature:
            raise ValidationError("The CSRF token is invalid.") from None
        if signed != PAYLOAD:
            raise ValidationError("The CSRF token is invalid.")


def link_csrf_meta(link_token: str) -> dict:
    """The `meta` for a form on a personal link's page."""
    return {"csrf_class": LinkCSRF, "csrf_context": link_token}
