"""Zalo's webhook events: the signature checked, the event read into what the chat needs.

Pure functions over the raw body: no network, no database. Ids are large numbers that JSON
may carry as numbers or strings: they are kept as strings, never as floats.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.zalo import api

# inbound_event.event_id's width.
EVENT_ID_CHARS = 64


class EventKind(StrEnum):
    text = "text"  # typed text, or a button's payload sent as text
    button = "button"  # a tap documented as its own event
    follow = "follow"
    other = "other"  # an image, a sticker...: a message we cannot read
    ignored = "ignored"  # delivery receipts, the OA's own messages, unfollow...


@dataclass(frozen=True)
class Event:
    kind: EventKind
    event_name: str
    # The citizen's Zalo user id (scoped to the OA), a string of digits; "" when ignored.
    user_id: str = ""
    text: str = ""
    # What makes a redelivery recognisable: the message's id, or the follow's moment.
    event_id: str = ""

    @property
    def tapped(self) -> bool:
        return self.kind is EventKind.button or self.text.startswith(api.PAYLOAD_PREFIX)


class BadEvent(Exception):
    """Not JSON, or not an object: refused with a 400 (Zalo would not send it)."""


@dataclass(frozen=True)
class Envelope:
    """The body as parsed, with what the signature covers, as it appears in the body."""

    body: dict[str, Any]
    app_id: str
    timestamp: str


def read(raw: bytes) -> Envelope:
    try:
        body = json.loads(raw, parse_int=str, parse_float=str)
    except (ValueError, UnicodeDecodeError):
        raise BadEvent() from None
    if not isinstance(body, dict):
        raise BadEvent()
    return Envelope(
        body=body, app_id=_text(body.get("app_id")), timestamp=_text(body.get("timestamp"))
    )


def is_probe(envelope: Envelope, signature: str | None) -> bool:
    """The unsigned `{}` Zalo may post when a webhook address is saved: a 200, nothing more."""
    return not envelope.body and not signature


def expected_signature(raw: bytes, *, app_id: str, timestamp: str, oa_secret: str) -> str:
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(raw)
    digest.update(timestamp.encode())
    digest.update(oa_secret.encode())
    return digest.hexdigest()


def authentic(
    raw: bytes,
    envelope: Envelope,
    signature: str | None,
    *,
    app_id: str,
    oa_secret: str,
    now: float | None = None,
) -> bool:
    """Signed by Zalo for our app, recently. Constant time on the signature, so it cannot be
    guessed a character at a time."""
    if not signature or not envelope.app_id or not envelope.timestamp:
        return False
    sent = signature.strip()
    if sent.lower().startswith(api.SIGNATURE_PREFIX):
        sent = sent[len(api.SIGNATURE_PREFIX) :]
    wanted = expected_signature(
        raw, app_id=envelope.app_id, timestamp=envelope.timestamp, oa_secret=oa_secret
    )
    signed = hmac.compare_digest(sent.strip().lower().encode(), wanted.encode())
    ours = hmac.compare_digest(envelope.app_id.encode(), app_id.encode())
    return signed and ours and _recent(envelope.timestamp, now)


def _recent(timestamp: str, now: float | None) -> bool:
    try:
        moment = int(timestamp) / 1000  # milliseconds
    except ValueError:
        return False
    age = (time.time() if now is None else now) - moment
    return -api.EVENT_MAX_AHEAD_SECONDS <= age <= api.EVENT_MAX_AGE_SECONDS


def event(envelope: Envelope) -> Event:
    """What the event is, for the chat; anything unexpected is ignored rather than failed."""
    body = envelope.body
    name = _text(body.get("event_name"))
    found = body.get("message")
    message: dict[str, Any] = found if isinstance(found, dict) else {}
    sender = _id(body.get("sender"))
    if name in api.FOLLOW_EVENTS:
        user = _id(body.get("follower")) or sender
        if not user:
            return Event(EventKind.ignored, name)
        return Event(
            EventKind.follow, name, user, event_id=_event_id(f"follow:{user}:{envelope.timestamp}")
        )
    msg_id = _text(message.get("msg_id"))
    if not sender or not msg_id:
        return Event(EventKind.ignored, name)
    if name in api.TEXT_EVENTS or name in api.BUTTON_EVENTS:
        kind = EventKind.button if name in api.BUTTON_EVENTS else EventKind.text
        return Event(kind, name, sender, _text(message.get("text")), _event_id(msg_id))
    if name.startswith(api.OTHER_MESSAGE_PREFIX):
        return Event(EventKind.other, name, sender, event_id=_event_id(msg_id))
    return Event(EventKind.ignored, name)


def _id(holder: object) -> str:
    return _text(holder.get("id")) if isinstance(holder, dict) else ""


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _event_id(value: str) -> str:
    if len(value) <= EVENT_ID_CHARS:
        return value
    # Still one id per event, within the column's width.
    return hashlib.sha256(value.encode()).hexdigest()[:EVENT_ID_CHARS]
