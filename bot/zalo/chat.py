"""One Zalo event through the shared conversation: which call it is, and its reply queued.

Synchronous (the webhook runs it in a worker thread): the event is recorded, the survey
changed and the reply queued in the outbox in one transaction (bot.chat.delivery). The raw
Zalo user id goes only into the queued message's recipient, which the outbox erases once the
message is sent; everything stored about the citizen is keyed by a keyed hash of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from bot.chat import conversation, payloads
from bot.chat.conversation import Citizen, Reply, Turn
from bot.chat.delivery import Delivered, Queue, Work, deliver
from bot.chat.guessing import CodeGuesses
from bot.zalo import api, renderer
from bot.zalo.parser import Event, EventKind
from hailong.i18n import Catalogs
from hailong.models import Channel
from hailong.outbox import enqueue
from hailong.ratelimit import RateLimiter
from hailong.responses.privacy import respondent_ref

CHANNEL = Channel.zalo.value
CANCEL = frozenset({"/huy", "/cancel", "#huy"})
LANGUAGE = frozenset({"/ngonngu", "/language", "#ngonngu"})
# Procedures per page of the compact layout: three, "More" and "Other" make Zalo's five.
PAGE_SIZE = api.MAX_BUTTONS - 2


@dataclass(frozen=True)
class ZaloChat:
    """What every event needs, built once by the webhook."""

    sessions: sessionmaker[Session]
    catalogs: Catalogs
    secret: str
    language: str
    limiter: RateLimiter | None = None

    def handle(self, event: Event) -> Delivered:
        citizen = Citizen(
            channel=CHANNEL,
            ref=respondent_ref(self.secret, CHANNEL, event.user_id),
            language=self.language,
        )
        turn = Turn(
            citizen=citizen,
            catalogs=self.catalogs,
            secret=self.secret,
            limiter=self.limiter,
            page_size=PAGE_SIZE,
            max_buttons=api.MAX_BUTTONS,
            guesses=None
            if self.limiter is None
            else CodeGuesses.of(self.limiter, channel=CHANNEL, ref=citizen.ref),
        )
        work, tapped = work_for(event)
        return deliver(
            self.sessions,
            turn,
            work,
            event_id=event.event_id,
            tapped=tapped,
            queue=queue_for(event),
        )


def work_for(event: Event) -> tuple[Work, bool]:
    """The conversation's call for an event, and whether it is a button's."""
    if event.kind is EventKind.follow:
        return conversation.start_plain, False
    if event.kind is EventKind.other:
        return conversation.other_message, False
    text = event.text.strip()
    if event.tapped:
        payload = payloads.parse(text, prefix=api.PAYLOAD_PREFIX) or payloads.parse(text)
        return partial(conversation.take_button, payload=payload), True
    words = text.split()
    command = words[0].lower() if words else ""
    if command in CANCEL:
        return conversation.cancel, False
    if command in LANGUAGE:
        wanted = words[1].lower() if len(words) > 1 else None
        return partial(conversation.switch_language, wanted=wanted), False
    if command.startswith("/"):
        # Never stored as a comment: resumes the survey or asks for the code.
        return conversation.start_plain, False
    return partial(conversation.take_text, text=text), False


def queue_for(event: Event) -> Queue:
    def queue(session: Session, turn: Turn, reply: Reply) -> None:
        for number, message in enumerate(renderer.messages(reply)):
            enqueue(
                session,
                channel=CHANNEL,
                kind="reply",
                recipient=event.user_id,
                payload=message,
                # The same key for a redelivery's reply: it adds nothing.
                idempotency_key=f"zalo:{event.event_id}:{number}",
                # One citizen's messages go out one after another, in order.
                ordering_key=turn.citizen.ref,
            )

    return queue
