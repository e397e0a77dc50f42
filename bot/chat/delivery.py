"""One event of a chat app, one transaction: the rule every chat channel shares.

The event is recorded by its id (Telegram's update_id, Zalo's msg_id) in the same transaction
as what it changes, so a repeated delivery changes nothing. A repeated delivery is still
answered, with what the chat shows now (conversation.repeat): the first answer may never
have reached the citizen. A polite refusal (an unknown code, a closed period) is a reply and
changes nothing; a storage failure raises DeliveryFailed, so the chat app's edge answers with
an error and the app delivers the event again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.chat import words
from bot.chat.conversation import Reply, Turn, recall_language, repeat
from bot.chat.screens import Screen
from hailong.errors import HailongError
from hailong.responses.service import record_event

# Never the event's content or the chat's ids: only what went wrong, by kind.
logger = logging.getLogger(__name__)

Work = Callable[[Session, Turn], Reply]


class DeliveryFailed(Exception):
    """Storage failed while handling an event: the chat app must deliver it again."""


@dataclass(frozen=True)
class Delivered:
    reply: Reply
    repeated: bool  # the event had been handled before; the reply is the current screen


def deliver(
    sessions: sessionmaker[Session],
    turn: Turn,
    work: Work,
    *,
    event_id: str,
    tapped: bool = False,
    notice_limit: int | None = None,
) -> Delivered:
    """Run `work` for one event in its own transaction and say what to reply.

    `tapped`: the event is a button's, so a refusal is a note on the button (shortened to
    one language past `notice_limit` characters) rather than a message.
    """
    try:
        return _transact(sessions, turn, work, event_id)
    except HailongError as error:
        # An unknown code, a closed period...: polite words, nothing stored.
        text = words.refusal_in_both(error, turn.catalogs)
        if tapped:
            if notice_limit is not None and len(text) > notice_limit:
                text = words.refusal_text(error, turn.gettext())
            return Delivered(Reply(notice=text, alert=True, keep=False), repeated=False)
        return Delivered(Reply(message=Screen(text), keep=False), repeated=False)
    except SQLAlchemyError as error:
        logger.error("chat event: storage failed (%s)", type(error).__name__)
        raise DeliveryFailed(type(error).__name__) from None


def _transact(sessions: sessionmaker[Session], turn: Turn, work: Work, event_id: str) -> Delivered:
    with sessions() as session:
        try:
            channel = turn.citizen.channel
            if not record_event(session, channel=channel, event_id=event_id):
                # Handled before (the insert waited for that transaction to end, so what it
                # stored is visible now): show the citizen where they are.
                recall_language(session, turn)
                reply = repeat(session, turn)
                session.rollback()
                return Delivered(reply, repeated=True)
            recall_language(session, turn)
            reply = work(session, turn)
            if reply.keep:
                session.commit()
            else:
                session.rollback()
            return Delivered(reply, repeated=False)
        except BaseException:
            session.rollback()
            raise
