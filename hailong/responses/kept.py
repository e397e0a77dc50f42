"""Chat responses kept in memory between a chat's events, by the process that stored them.

A chat answers one question an event, and each event read its response and every answer
again: on SQLite the heaviest statement of a tap. The process that commits an event's work
keeps the chat's in-progress response as it committed it (the row's values and the answers);
the chat's next event uses that copy only once its own transaction has found that the chat's
in-progress response is still that row at that updated_at. Every write to a response moves
updated_at (the answer write sets it; the ORM's onupdate covers the rest), so another process
that stored an answer in between, a cancel, a new start or an official's change all make the
copy stale, and the event reads the response as before.

Where the check comes from (hailong.responses.service):
- SQLite: the event's own insert returns the chat's current response id and updated_at; the
  transaction holds the write lock from its first statement, so nothing changes after.
- PostgreSQL: the row is read and locked as before, without its answers, which the copy gives.

The copy is only ever a shortcut to what the database holds at that moment: a stale or missing
copy costs the read it saves, never a wrong answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect
from sqlalchemy.orm.base import instance_dict

from hailong.db import column_names
from hailong.models import Response, ResponseStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from hailong.responses.service import SurveyState

# Keys of Session.info (KEPT: the sessionmaker's, shared by its sessions).
KEPT = "hailong_kept_chats"
CURRENT = "hailong_chat_current"
REGISTERED = "hailong_chat_registered"
# Chats kept per process: those answering now. A few kB each (a row and ~30 short answers).
KEPT_CHATS = 2048

Chat = tuple[str, str]  # (channel, respondent_ref)


def instant(value: datetime) -> datetime:
    """An updated_at as one comparable value: SQLite gives back the UTC time without its zone,
    PostgreSQL with the session's zone."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class ChatKey:
    """Which response a chat is answering, and as of which write."""

    response_id: int
    updated_at: datetime  # an instant()

    @classmethod
    def of(cls, response_id: int | None, updated_at: datetime | None) -> ChatKey | None:
        if response_id is None or updated_at is None:
            return None
        return cls(response_id, instant(updated_at))


@dataclass(frozen=True)
class KeptChat:
    key: ChatKey
    row: Mapping[str, Any]  # the response's columns, by column name, as committed
    answers: Mapping[str, str | None]


class KeptChats:
    """One process's copies, shared by the sessions of one sessionmaker and their threads;
    the least recently used go first."""

    def __init__(self, size: int = KEPT_CHATS) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._chats: OrderedDict[Chat, KeptChat] = OrderedDict()

    def get(self, chat: Chat) -> KeptChat | None:
        with self._lock:
            kept = self._chats.get(chat)
            if kept is not None:
                self._chats.move_to_end(chat)
            return kept

    def put(self, chat: Chat, kept: KeptChat) -> None:
        with self._lock:
            self._chats[chat] = kept
            self._chats.move_to_end(chat)
            while len(self._chats) > self._size:
                self._chats.popitem(last=False)

    def drop(self, chat: Chat) -> None:
        with self._lock:
            self._chats.pop(chat, None)

    def __len__(self) -> int:
        return len(self._chats)


def kept_info() -> dict[str, Any]:
    """What a sessionmaker's `info` holds so its sessions share one store (make_sessionmaker)."""
    return {KEPT: KeptChats()}


def _store(session: Session) -> KeptChats | None:
    store: KeptChats | None = session.info.get(KEPT)
    return store


def note_current(session: Session, chat: Chat, key: ChatKey | None) -> None:
    """What this transaction found the chat answering (SQLite: read with the event's record,
    under the write lock)."""
    session.info[CURRENT] = (session.get_transaction(), chat, key)


def noted_current(session: Session, chat: Chat) -> tuple[bool, ChatKey | None]:
    """(whether this transaction noted the chat's current response, and its key). Taken
    once: a later read in the transaction may come after its own writes, and reads them."""
    noted = session.info.pop(CURRENT, None)
    if noted is None or noted[0] is not session.get_transaction() or noted[1] != chat:
        return False, None
    return True, noted[2]


def kept_for(session: Session, chat: Chat, key: ChatKey | None) -> KeptChat | None:
    """The chat's kept copy if it is of the response `key` names, as of that write."""
    store = _store(session)
    kept = None if store is None or key is None else store.get(chat)
    if kept is None or kept.key != key:
        return None
    return kept


def register(session: Session, chat: Chat, state: SurveyState) -> None:
    """The chat's state as this transaction has it: kept once the transaction commits."""
    session.info[REGISTERED] = (session.get_transaction(), chat, state)


def keep_committed(session: Session, transaction: Any) -> None:
    """After `transaction` committed: keep the chat state it registered, or forget the chat
    when its response is finished (or was never read)."""
    store = _store(session)
    registered = session.info.pop(REGISTERED, None)
    if store is None or registered is None or registered[0] is not transaction:
        return
    _, chat, state = registered
    kept = _copy(state)
    if kept is None:
        store.drop(chat)
    else:
        store.put(chat, kept)


def _copy(state: SurveyState) -> KeptChat | None:
    """The state's response and answers as committed; None when it is not in progress, or
    when a column is not loaded (never a read after the commit)."""
    response = state.response
    if response.status != ResponseStatus.in_progress:
        return None
    values = instance_dict(response)
    try:
        row = {column: values[attr] for attr, column in column_names(inspect(Response)).items()}
    except KeyError:  # expired or never loaded
        return None
    key = ChatKey.of(row["id"], row["updated_at"])
    if key is None:
        return None
    return KeptChat(key=key, row=row, answers=dict(state.answers))
