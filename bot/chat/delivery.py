"""One event of a chat app, one transaction: the rule every chat channel shares.

The event is recorded by its id (Telegram's update_id, Zalo's msg_id) in the same transaction
as what it changes, so a repeated delivery changes nothing. A repeated delivery is still
answered, with what the chat shows now (conversation.repeat): the first answer may never
have reached the citizen. A polite refusal (an unknown code, a closed period) is a reply and
changes nothing; a storage failure raises DeliveryFailed, so the chat app's edge answers with
an error and the app delivers the event again.

A chat app whose replies go through the outbox (Zalo) hands in `queue`: the reply is queued
in the event's own transaction, so it goes out if and only if the event is recorded. A reply
that changes nothing (a nudge, a refusal, another page) is queued with the event alone, in a
transaction of its own once the conversation's was rolled back. A repeated delivery queues
what the chat shows now under the first delivery's key: when the first reply was queued, that
adds nothing, so no message goes out twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.chat import words
from bot.chat.conversation import Reply, Turn, recall_language, repeat, use_language
from bot.chat.screens import Screen
from hailong.errors import HailongError
from hailong.responses.service import record_chat_event, record_event

# Never the event's content or the chat's ids: only what went wrong, by kind.
logger = logging.getLogger(__name__)

Work = Callable[[Session, Turn], Reply]
# Queues a reply (in the session's transaction) under the event's id.
Queue = Callable[[Session, Turn, Reply], None]


class DeliveryFailed(Exception):
    """Storage failed while handling an event: the chat app must deliver it again."""


@dataclass(frozen=True)
class Delivered:
    reply: Reply
    repeated: bool  # the event had been handled before; the reply is the current screen
    # The polite error the event was refused with (an unknown code...), if it was.
    refusal: HailongError | None = None


def deliver(
    sessions: sessionmaker[Session],
    turn: Turn,
    work: Work,
    *,
    event_id: str,
    tapped: bool = False,
    notice_limit: int | None = None,
    queue: Queue | None = None,
) -> Delivered:
    """Run `work` for one event in its own transaction and say what to reply.

    `tapped`: the event is a button's, so a refusal is a note on the button (shortened to
    one language past `notice_limit` characters) rather than a message.
    """
    try:
        try:
            return _transact(sessions, turn, work, event_id, queue)
        except HailongError as error:
            # An unknown code, a closed period...: polite words, nothing stored.
            delivered = _refused(error, turn, tapped=tapped, notice_limit=notice_limit)
            if queue is not None:
                _queue_alone(sessions, turn, delivered.reply, event_id, queue)
            return delivered
    except SQLAlchemyError as error:
        logger.error("chat event: storage failed (%s)", type(error).__name__)
        raise DeliveryFailed(type(error).__name__) from None


def _refused(
    error: HailongError, turn: Turn, *, tapped: bool, notice_limit: int | None
) -> Delivered:
    text = words.refusal_in_both(error, turn.catalogs)
    if tapped:
        if notice_limit is not None and len(text) > notice_limit:
            text = words.refusal_text(error, turn.gettext())
        reply = Reply(notice=text, alert=True, keep=False)
    else:
        reply = Reply(message=Screen(text), keep=False)
    return Delivered(reply, repeated=False, refusal=error)


def _transact(
    sessions: sessionmaker[Session],
    turn: Turn,
    work: Work,
    event_id: str,
    queue: Queue | None,
) -> Delivered:
    with sessions() as session:
        try:
            citizen = turn.citizen
            event = record_chat_event(
                session, channel=citizen.channel, event_id=event_id, respondent_ref=citizen.ref
            )
            if not event.new:
                # Handled before (the insert waited for that transaction to end, so what it
                # stored is visible now): show the citizen where they are.
                recall_language(session, turn)
                reply = repeat(session, turn)
                if queue is not None:
                    queue(session, turn, reply)
                    session.commit()
                else:
                    session.rollback()
                return Delivered(reply, repeated=True)
            use_language(turn, event.language)
            reply = work(session, turn)
            if reply.keep:
                if queue is not None:
                    queue(session, turn, reply)
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
    if not reply.keep and queue is not None:
        _queue_alone(sessions, turn, reply, event_id, queue)
    return Delivered(reply, repeated=False)


def _queue_alone(
    sessions: sessionmaker[Session], turn: Turn, reply: Reply, event_id: str, queue: Queue
) -> None:
    """A reply that changes nothing, queued with its event in a transaction of its own (the
    conversation's was rolled back). A second delivery that recorded the event meanwhile
    queued its own reply: this one is dropped."""
    with sessions() as session:
        try:
            if record_event(session, channel=turn.citizen.channel, event_id=event_id):
                queue(session, turn, reply)
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
