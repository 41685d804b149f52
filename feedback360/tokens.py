"""Link tokens. Pure: no Flask import.

Tokens carry 192 bits derived from the secret key and a random 128-bit nonce; the database
keeps only their SHA-256, so a copy of the database cannot be turned into working links.
Lookups go by hash, and the final comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


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
