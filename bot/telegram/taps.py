"""Button taps, most of what the webhook receives, read and handed straight to their handler.

A tap carries the whole tapped message, its text and its keyboard, and aiogram's Update model
builds an object with a hook of its own for each button: that was most of a tap's parsing,
and nearly as much as storing its answer. Its handler reads only who tapped, what the button
says and which message it was on, so the webhook checks just those fields (pydantic, as lax
as aiogram's own models) and hands them to the handler through the same
UpdateContextMiddleware the dispatcher runs, skipping the dispatcher, whose routers would only
find answers.on_button for a tap. Every other update goes through aiogram (and polling sends
taps there too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NotRequired

from pydantic import TypeAdapter, ValidationError

# pydantic reads TypedDicts from typing only on Python 3.12 and later.
from typing_extensions import TypedDict

from bot.telegram.context import Sender, Tapped, UpdateContextMiddleware
from bot.telegram.handlers import answers


class _Chat(TypedDict):
    id: int
    type: str


class _Message(TypedDict):
    # The date is required of a message (0 for one too old to be shown: still its chat's).
    message_id: int
    date: int
    chat: _Chat


class _User(TypedDict):
    id: int
    is_bot: bool
    first_name: str
    language_code: NotRequired[str]


# "from" is a keyword, hence the functional form.
_Query = TypedDict(
    "_Query",
    {
        "id": str,
        "from": _User,
        "chat_instance": str,
        "message": NotRequired[_Message],
        "data": NotRequired[str],
    },
)


class _TapUpdate(TypedDict):
    update_id: int
    callback_query: _Query


_TAP_UPDATE = TypeAdapter(_TapUpdate)


@dataclass(frozen=True)
class ButtonTap:
    """What a tap's handler needs of a callback_query update."""

    sender: Sender
    query_id: str
    data: str
    tapped: Tapped | None


def read_tap(body: bytes) -> ButtonTap | None:
    """The tap in an update's JSON; None when the update is no tap (aiogram reads it then).

    Read straight from the bytes: pydantic's JSON parser skips what is not asked for (the
    tapped message's text and keyboard) without building it. A ValueError (pydantic's
    ValidationError) when the body is not JSON or the tap is not a well-formed one."""
    try:
        checked = _TAP_UPDATE.validate_json(body)
    except ValidationError as error:
        if any(e["type"] == "missing" and e["loc"] == ("callback_query",) for e in error.errors()):
            return None
        raise
    query = checked["callback_query"]
    user = query["from"]
    message = query.get("message")
    sender = Sender(
        update_id=checked["update_id"],
        user_id=user["id"],
        is_bot=user["is_bot"],
        language_code=user.get("language_code"),
        chat_type=None if message is None else message["chat"]["type"],
    )
    return ButtonTap(
        sender=sender,
        query_id=query["id"],
        data=query.get("data", ""),
        tapped=None if message is None else Tapped(message["chat"]["id"], message["message_id"]),
    )


async def feed_tap(middleware: UpdateContextMiddleware, tap: ButtonTap, **data: Any) -> Any:
    """What Dispatcher.feed_update returns for the tap's update."""
    context = middleware.context_for(tap.sender)
    if context is None:
        return None
    result = await answers.take_button(context, tap.query_id, tap.data, tap.tapped)
    return await middleware.hand_over(context, result, data)
