"""Counter tokens: unguessable for the QR code, short and unambiguous for typing into a chat."""

from __future__ import annotations

import re
import secrets

# 16 random bytes = 128 bits, 22 characters of base64url: "s_" + token stays far below
# Telegram's 64-character start payload limit. Longer tokens than ours are still read (up to
# what fits in a payload after "c_"), in case a deployment ever issues longer ones.
TOKEN_BYTES = 16
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,62}$")

# No 0/O, 1/I/L: people copy these from a poster in a dim hall.
SHORT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SHORT_CODE_LENGTH = 6


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def looks_like_token(value: str) -> bool:
    return bool(TOKEN_PATTERN.match(value))


def normalise_short_code(value: str) -> str | None:
    """A typed short code, forgiving case, spaces and dashes; None if it cannot be one."""
    code = re.sub(r"[\s-]", "", value).upper()
    if len(code) != SHORT_CODE_LENGTH or any(c not in SHORT_CODE_ALPHABET for c in code):
        return None
    return code


def start_payload(token: str) -> str:
    """Telegram /start payload for a counter: "c_" + token (at most 64 of A-Z a-z 0-9 _ -)."""
    return f"c_{token}"


def token_from_payload(payload: str) -> str | None:
    if payload.startswith("c_") and looks_like_token(payload[2:]):
        return payload[2:]
    return None
