"""The secret key, and the keys it replaced, for rotating it without breaking links.

`SECRET_KEY` signs and derives everything new. `SECRET_KEY_FALLBACKS` (oldest first, as Flask
takes them) lists keys that were in use before: sessions, CSRF tokens, account links and the
open-link cookie made under them are still accepted, survey links made under them still resolve
(only their hash is stored) and are repeated as issued in reminders, and an invitation used under
them in a maximum-anonymity round still counts as used. Keys shorter than 32 bytes are refused:
every link and session rests on them.
"""

from __future__ import annotations

from flask import current_app

MIN_SECRET_KEY_BYTES = 32
NEW_KEY_HINT = "python -c 'import secrets; print(secrets.token_hex(32))'"


class SecretKeyError(RuntimeError):
    """The configured secret key (or a fallback) is too weak to start with."""


def check_secret_keys(config) -> None:
    """Refuse short keys; normalise SECRET_KEY_FALLBACKS to a list; let CSRF tokens made under a
    fallback key still pass (Flask-WTF signs with WTF_CSRF_SECRET_KEY, which may be a list)."""
    fallbacks = config.get("SECRET_KEY_FALLBACKS") or []
    if isinstance(fallbacks, str | bytes):
        fallbacks = [fallbacks]
    fallbacks = list(fallbacks)
    config["SECRET_KEY_FALLBACKS"] = fallbacks
    named = [("SECRET_KEY", config["SECRET_KEY"])]
    named += [(f"SECRET_KEY_FALLBACKS[{i}]", key) for i, key in enumerate(fallbacks)]
    for name, key in named:
        size = len(key.encode() if isinstance(key, str) else key)
        if size < MIN_SECRET_KEY_BYTES:
            raise SecretKeyError(
                f"{name} is {size} bytes long; feedback360 needs at least "
                f"{MIN_SECRET_KEY_BYTES}. Set FLASK_SECRET_KEY to a long random value, e.g. the "
                f"output of {NEW_KEY_HINT}, or leave it unset to use instance/secret_key."
            )
    if fallbacks and not config.get("WTF_CSRF_SECRET_KEY"):
        config["WTF_CSRF_SECRET_KEY"] = [*fallbacks, config["SECRET_KEY"]]


def secret_keys() -> list[str]:
    """The current key first, then the ones it replaced, newest first."""
    config = current_app.config
    return [config["SECRET_KEY"], *reversed(config.get("SECRET_KEY_FALLBACKS") or [])]
