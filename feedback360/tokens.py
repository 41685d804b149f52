"""Link tokens. Pure: no Flask import.

Survey tokens carry 192 bits derived from the secret key and a random 128-bit nonce; the database
keeps only their SHA-256, so a copy of the database cannot be turned into working links.
Lookups go by hash, and the final comparison is constant-time. In a round with maximum anonymity
an answered invitation link is recorded apart from the invitations, under `spent_digest`.

Account links (password reset, finishing a sign-up) are signed and timestamped with the secret
key and stored nowhere: a reset link names the user and a fingerprint of their password hash, so
it stops working once the password changes; a sign-up link names only the email address.

Functions that check or repeat something take `keys`: the current secret key first, then the
keys it replaced (see `keys`), so that rotating the key breaks no link or session.

Login throttling keys an account by an HMAC of its address (`login_account_key`), so the
limiter's storage never holds an address; a browser that has logged in keeps a signed
"known browser" cookie naming that key and a random nonce (`known_browser_token`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import NamedTuple

from itsdangerous import BadData
from itsdangerous import URLSafeTimedSerializer

Keys = str | Sequence[str]


def _key_list(keys: Keys) -> list[str]:
    return [keys] if isinstance(keys, str) else list(keys)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(token: str, token_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), token_hash)


def new_nonce() -> str:
    return secrets.token_hex(16)


def derived_token(secret_key: str, purpose: str, nonce: str) -> str:
    """A link's token from the app's secret key and the link's random nonce.

    The database keeps the nonce and the token's hash; without the secret key neither gives the
    token away. Re-deriving lets a reminder carry the same link as the invitation.
    """
    message = f"{purpose}:{nonce}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def open_link_token(secret_key: str, nonce: str) -> str:
    return derived_token(secret_key, "open-link", nonce)


def invitation_token(secret_key: str, nonce: str) -> str:
    return derived_token(secret_key, "invitation", nonce)


def issued_token(keys: Keys, purpose: str, nonce: str, token_hash: str) -> str | None:
    """A link's token as it was issued: derived under whichever key, the current one or one it
    replaced, gives the stored hash. None when none does (the key was dropped altogether)."""
    for key in _key_list(keys):
        token = derived_token(key, purpose, nonce)
        if token_matches(token, token_hash):
            return token
    return None


def spent_digest(secret_key: str, round_id: int, invitation_id: int) -> str:
    """What `SpentToken.digest` records once an invitation of a maximum-anonymity round is used.

    HMAC-SHA256 under the server's secret key of "spent:<round id>:<invitation id>", as 64 hex
    digits. `Invitation.token_hash` is a plain SHA-256 of the link, so the two columns share no
    value: someone holding only the database cannot join spent_tokens to invitations, and so
    cannot tell who answered. Whoever also holds the secret key can compute the digest of every
    invitation and make that join; that is why the rows are deleted when the round closes.

    It names the invitation rather than hashing the link, so a "New link" for someone who has
    answered does not let them answer a second time. A digest is recorded under the current
    key and looked up under every key (`spent_digests`), so rotating the key with the old one in
    SECRET_KEY_FALLBACKS forgets nothing; dropping the old key while a round is open would.
    """
    message = f"spent:{round_id}:{invitation_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def spent_digests(keys: Keys, round_id: int, invitation_id: int) -> list[str]:
    """The invitation's spent digest under each key: any of them recorded means it was used."""
    return [spent_digest(key, round_id, invitation_id) for key in _key_list(keys)]


def decline_digest(secret_key: str, round_id: int, email: str) -> str:
    """What `MailDecline.digest` records: someone declined mail about a round and its pulse.

    HMAC-SHA256 of "decline:<original round id>:<address, lower case>": by address, not by
    invitation, because the pulse's invitations are new rows for the same people. Like
    `spent_digest`, it shares no value with any other column, so only the key can join it to an
    invitation; recorded under the current key, looked up under every key (`decline_digests`).
    """
    message = f"decline:{round_id}:{email.strip().lower()}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def decline_digests(keys: Keys, round_id: int, email: str) -> list[str]:
    return [decline_digest(key, round_id, email) for key in _key_list(keys)]


def _account_serializer(keys: Keys, purpose: str) -> URLSafeTimedSerializer:
    """Signs with the first (current) key, accepts any: itsdangerous wants the newest last."""
    return URLSafeTimedSerializer(_key_list(keys)[::-1], salt=f"feedback360 {purpose}")


def password_fingerprint(secret_key: str, password_hash: str) -> str:
    """Changes with every new password hash; without the secret key it tells nothing about it."""
    return derived_token(secret_key, "password", password_hash)


def session_fingerprint(secret_key: str, password_hash: str) -> str:
    """Stored in the session cookie; differs from the reset fingerprint, so neither reveals the
    other, and changes with the password."""
    return derived_token(secret_key, "session", password_hash)[:22]


def fingerprint_matches(keys: Keys, make, password_hash: str, fingerprint: str) -> bool:
    """Whether `fingerprint` is `make(key, password_hash)` under any of the keys."""
    return any(
        hmac.compare_digest(fingerprint, make(key, password_hash)) for key in _key_list(keys)
    )


class ResetClaim(NamedTuple):
    user_id: int
    fingerprint: str


def password_reset_token(secret_key: str, user_id: int, password_hash: str) -> str:
    fingerprint = password_fingerprint(secret_key, password_hash)
    return _account_serializer(secret_key, "password reset").dumps([user_id, fingerprint])


def read_password_reset_token(keys: Keys, token: str, max_age: int) -> ResetClaim | None:
    """What a reset link claims, or None when it is forged, malformed or older than `max_age`."""
    try:
        user_id, fingerprint = _account_serializer(keys, "password reset").loads(
            token, max_age=max_age
        )
    except (BadData, TypeError, ValueError, UnicodeError):
        return None
    if not isinstance(user_id, int) or not 0 < user_id < 2**31 or not isinstance(fingerprint, str):
        return None
    return ResetClaim(user_id, fingerprint)


def login_account_key(secret_key: str, email: str) -> str:
    """What login attempts for an address are counted under: the same for an address with or
    without an account, and, without the secret key, no way back to the address."""
    return derived_token(secret_key, "login-account", email)


class KnownBrowser(NamedTuple):
    account_key: str
    nonce: str


def known_browser_token(secret_key: str, account_key: str) -> str:
    """The cookie a browser gets when it logs in: it logged in to this account before."""
    return _account_serializer(secret_key, "known browser").dumps([account_key, new_nonce()])


def read_known_browser_token(keys: Keys, token: str, max_age: int) -> KnownBrowser | None:
    """What a known-browser cookie claims, or None when it is forged, malformed or too old."""
    try:
        account_key, nonce = _account_serializer(keys, "known browser").loads(
            token, max_age=max_age
        )
    except (BadData, TypeError, ValueError, UnicodeError):
        return None
    if not isinstance(account_key, str) or not isinstance(nonce, str) or len(nonce) != 32:
        return None
    return KnownBrowser(account_key, nonce)


def signup_token(secret_key: str, email: str) -> str:
    return _account_serializer(secret_key, "sign-up").dumps(email)


def read_signup_token(keys: Keys, token: str, max_age: int) -> str | None:
    """The email address a sign-up link was sent to, or None when it is forged or too old."""
    try:
        email = _account_serializer(keys, "sign-up").loads(token, max_age=max_age)
    except (BadData, UnicodeError):
        return None
    return email if isinstance(email, str) else None
