"""Chat replies as Zalo messages: text, and buttons as a template of at most five.

Zalo cannot change a message once sent, so a reply's edit of the tapped message is left out
(the next question follows anyway) and a note on a tapped button becomes a message of its
own. Each button sends its payload back as a message (oa.query.hide), prefixed so the webhook
tells a tap from typed text.
"""

from __future__ import annotations

from typing import Any

from bot.chat.conversation import Reply
from bot.chat.screens import Button, Screen
from bot.zalo import api


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def button(item: Button) -> dict[str, str]:
    return {
        "title": shorten(item.label, api.BUTTON_TITLE_CHARS),
        "type": api.BUTTON_TYPE,
        "payload": api.PAYLOAD_PREFIX + item.payload.pack(),
    }


def message(screen: Screen) -> dict[str, Any]:
    """The `message` of a send: its text, and its buttons when it has any."""
    body: dict[str, Any] = {"text": shorten(screen.text, api.TEXT_CHARS)}
    buttons = [button(item) for row in screen.buttons for item in row]
    if len(buttons) > api.MAX_BUTTONS:
        # The conversation lays questions out for five (bot.chat.compact): more is a bug.
        raise ValueError(f"{len(buttons)} buttons; Zalo shows at most {api.MAX_BUTTONS}")
    if buttons:
        body["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    return body


def messages(reply: Reply) -> list[dict[str, Any]]:
    """What the citizen receives for one reply, in order."""
    out: list[dict[str, Any]] = []
    if reply.notice:
        out.append(message(Screen(reply.notice)))
    if reply.message is not None:
        out.append(message(reply.message))
    return out
