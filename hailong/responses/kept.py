"""In-progress responses kept in memory by the process that last committed them.

Every request of a survey, a chat's tap or a form's page, read its response's answers again,
all of them, to answer one more question or page. The process that commits a survey's work
keeps the response as it committed it (the row's values and the answers), and a later request
uses that copy only once its own transaction has found the response's row at the very write
the copy was made at (its updated_at). Every write to a response moves updated_at (the answer
write sets it; the ORM's onupdate covers the rest), and answers are only written with it: so
another process that stored an answer in between, a cancel or an official's change make the
copy stale, and the request reads the answers as before. A copy is only ever a shortcut to
what the database holds at that moment: a stale or missing one costs the read it saves.

What finds the row, under the lock the transaction would have taken anyway:
- a chat's event on SQLite: the event's own insert returns the chat's current response and
  its updated_at (the transaction holds the write lock from its first statement), so the
  row is not read at all;
- otherwise (a form's page, a chat on PostgreSQL): the row is read as before, and only its
  answers come from the copy.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.base import instance_dict

from hailong.db import column_names
from hailong.models import Response, ResponseStatus

if TYPE_CHECKING:
    from hailong.responses.service import SurveyState

# Keys of Session.info (KEPT: the sessionmaker's, shared by its sessions).
KEPT = "hailong_kept_responses"
CURRENT = "hailong_chat_current"
REGISTERED = "hailong_kept_registered"
# Responses kept per process: those being answered now. A few kB each (a row and ~30 short
# answers), so at most a few MB.
KEPT_RESPONSES = 2048

Chat = tuple[str, str]  # (channel, respondent_ref)


def instant(value: datetime) -> datetime:
    """An updated_at as one comparable value: SQLite gives back the UTC time without its zone,
    PostgreSQL with the session's zone."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Written:
    """A response as of one write."""

    response_id: int
    updated_at: datetime  # an instant()

    @classmethod
    def of(cls, response_id: int | None, updated_at: datetime | None) -> Written | None:
        if response_id is None or updated_at is None:
            return None
        return cls(response_id, instant(updated_at))


@dataclass(frozen=True)
class Kept:
    written: Written
    row: Mapping[str, Any]  # the response's columns, by column name, as committed
    answers: Mapping[str, str | None]


class KeptResponses:
    """One process's copies, shared by the sessions of one sessionmaker and their threads;
    the least recently used go first."""

    def __init__(self, size: int = KEPT_RESPONSES) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._responses: OrderedDict[int, Kept] = OrderedDict()

    def get(self, written: Written) -> Kept | None:
        """The copy made at exactly that write, if there is one."""
        with self._lock:
            kept = self._responses.get(written.response_id)
            if kept is None or kept.written != written:
                return None
            self._responses.move_to_end(written.response_id)
            return kept

    def put(self, kept: Kept) -> None:
        with self._lock:
            self._responses[kept.written.response_id] = kept
            self._responses.move_to_end(kept.written.response_id)
            while len(self._responses) > self._size:
                self._responses.popitem(last=False)

    def drop(self, response_id: int) -> None:
        with self._lock:
            self._responses.pop(response_id, None)


def keep_responses(factory: sessionmaker[Session]) -> None:
    """Give `factory`'s sessions one store, filled as their transactions commit."""
    factory.kw.setdefault("info", {})[KEPT] = KeptResponses()
    event.listen(factory, "after_commit", _after_commit)


def _store(session: Session) -> KeptResponses | None:
    store: KeptResponses | None = session.info.get(KEPT)
    return store


# A chat's current response, noted by its event's record (SQLite) ------------------------------


def note_current(session: Session, chat: Chat, written: Written | None) -> None:
    """What this transaction found the chat answering (SQLite: read with the event's record,
    under the write lock)."""
    session.info[CURRENT] = (session.get_transaction(), chat, written)


def noted_current(session: Session, chat: Chat) -> tuple[bool, Written | None]:
    """(whether this transaction noted the chat's current response, and which write). Taken
    once: a later read in the transaction may come after its own writes, and reads them."""
    noted = session.info.pop(CURRENT, None)
    if noted is None or noted[0] is not session.get_transaction() or noted[1] != chat:
        return False, None
    return True, noted[2]


# Using a copy -----------------------------------------------------------------------------


def kept_at(session: Session, written: Written | None) -> Kept | None:
    """The copy made at `written`, the write the transaction found the response at."""
    store = _store(session)
    return None if store is None or written is None else store.get(written)


def kept_answers(session: Session, response: Response) -> dict[str, str | None] | None:
    """The answers of `response` as read by this transaction, if a copy was made at its
    write: a copy the caller may change."""
    kept = kept_at(session, Written.of(response.id, response.updated_at))
    return None if kept is None else dict(kept.answers)


# Making a copy ----------------------------------------------------------------------------


def register(session: Session, state: SurveyState) -> None:
    """`state` as this transaction has it: copied once the transaction commits."""
    transaction = session.get_transaction()
    registered: tuple[Any, dict[int, SurveyState]] | None = session.info.get(REGISTERED)
    if registered is None or registered[0] is not transaction:
        registered = (transaction, {})
        session.info[REGISTERED] = registered
    # By instance: a response registered again (read twice) is copied once, as it ends.
    registered[1][id(state.response)] = state


def _after_commit(session: Session) -> None:
    """Copy the states the committed transaction registered; forget those finished."""
    store = _store(session)
    registered = session.info.pop(REGISTERED, None)
    if store is None or registered is None or registered[0] is not session.get_transaction():
        return
    for state in registered[1].values():
        values = instance_dict(state.response)
        written = Written.of(values.get("id"), values.get("updated_at"))
        if written is None:
            continue
        if values.get("status") != ResponseStatus.in_progress:
            store.drop(written.response_id)
        elif store.get(written) is None:
            # A copy at this very write holds this row and these answers already (a page
            # drawn, a tap that changed nothing): made only when the response moved.
            kept = _copy(values, written, state.answers)
            if kept is None:
                store.drop(written.response_id)
            else:
                store.put(kept)


def _copy(
    values: Mapping[str, Any], written: Written, answers: Mapping[str, str | None]
) -> Kept | None:
    """The response's loaded values by column, and its answers, as committed; None when a
    column is not loaded (never a read after the commit)."""
    try:
        row = {column: values[attr] for attr, column in column_names(inspect(Response)).items()}
    except KeyError:  # expired or never loaded
        return None
    return Kept(written=written, row=row, answers=dict(answers))
