from __future__ import annotations

import hashlib
import hmac


def respondent_ref(secret: str, channel: str, user_id: str | int) -> str:
    """A keyed hash of a chat user id: lets a chat resume without storing who the citizen is."""
    message = f"{channel}:{user_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
