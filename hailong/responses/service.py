"""Start a response, store answers, move it to its final state. Services flush; edges commit."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Select,
    String,
    Table,
    TextClause,
    bindparam,
    column,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import TextualSelect

from hailong.db import attached, dialect_insert, is_postgresql, typed_text
from hailong.errors import HailongError
from hailong.i18n import N_
from hailong.models import (
    Answer,
    ChatLanguage,
    InboundEvent,
    Period,
    Response,
    ResponseStatus,
)
from hailong.models.base import utcnow
from hailong.models.reference_version import REFERENCE_ROW
from hailong.questionnaires.service import cached_questionnaire
from hailong.reference import remember_version, version_column
from hailong.responses import kept
from hailong.tallies import service as tallies
from survey_flows import (
    Question,
    Questionnaire,
    SurveyStatus,
    applicable_questions,
    rates_a_criterion,
    stale_answers,
)
from survey_flows import status as survey_status
from survey_flows.engine import path_signature, possible_questions

PROCEDURE_KEY = "procedure"


class ResponseFinished(HailongError):
    status_code = 409
    message = N_("This survey has already been sent. Thank you!")


@dataclass
class SurveyState:
    """A response with its questionnaire and the answers stored so far."""

    response: Response
    questionnaire: Questionnaire
    answers: dict[str, str | None]

    def applicable(self) -> list[Question]:
        """applicable_questions of the answers as they stand, worked out once for them."""
        found: list[Question] = self.derived(
            "applicable", lambda: applicable_questions(self.questionnaire, self.answers)
        )
        return found

    def possible(self) -> list[Question]:
        """possible_questions of the answers as they stand, worked out once for them."""
        found: list[Question] = self.derived(
            "possible", lambda: possible_questions(self.questionnaire, self.answers)
        )
        return found

    def derived(self, name: str, work_out: Callable[[], Any]) -> Any:
        """`work_out()`, a value that depends only on the questionnaire, the channel and the
        answers the path hangs on (survey_flows.engine.path_signature): the engine's paths
        and the pages they lead through. Worked out once per process for each path, as
        every request of every citizen asks for them; the value is shared, never changed."""
        key = (name, self.response.channel, path_signature(self.questionnaire, self.answers))
        return self.questionnaire.remembered(key, work_out)


def start(
    session: Session,
    *,
    unit_id: int,
    counter_id: int | None,
    period: Period,
    channel: str,
    public_id: str | None = None,
    respondent_ref: str | None = None,
    resume_key_hash: str | None = None,
    enumerator_id: int | None = None,
    language: str = "vi",
    looked_up: bool = False,
) -> Response:
    """A new in-progress response. With a public_id, a repeated start returns the same one
    (`looked_up`: the caller has just looked for it in this transaction, by_public_id)."""
    if public_id is not None and not looked_up:
        existing = session.execute(_by_public_id(False), {"public_id": public_id}).first()
        if existing is not None:
            return attached(session, Response, existing._mapping)
    response = Response(
        public_id=public_id or str(uuid.uuid4()),
        unit_id=unit_id,
        counter_id=counter_id,
        period_id=period.id,
        questionnaire_id=period.questionnaire_id,
        channel=channel,
        status=ResponseStatus.in_progress,
        respondent_ref=respondent_ref,
        resume_key_hash=resume_key_hash,
        enumerator_id=enumerator_id,
        language=language,
    )
    session.add(response)
    session.flush()
    return response


def by_public_id(session: Session, public_id: str, *, for_update: bool = False) -> Response | None:
    """The response, and the reference data's version with it (hailong.reference). Every
    request of the web form starts here: read by a Core statement built once (it keeps its
    cache key) and made the session's instance without the ORM's loading machinery
    (hailong.db.attached)."""
    found = _read_by_public_id(session, public_id, for_update=for_update, with_answers=False)
    return None if found is None else found[0]


def _read_by_public_id(
    session: Session, public_id: str, *, for_update: bool, with_answers: bool
) -> tuple[Response, dict[str, str | None] | None] | None:
    if session.autoflush:
        session.flush()  # as the ORM's query would
    query = _by_public_id(for_update, with_answers)
    found = session.execute(query, {"public_id": public_id}).first()
    if found is None:
        return None
    remember_version(session, found.reference_version)
    answers = json.loads(found.answers or "{}") if with_answers else None
    return attached(session, Response, found._mapping), answers


@cache
def _by_public_id(for_update: bool, with_answers: bool = False) -> Select[Any]:
    table = cast(Table, Response.__table__)
    query = select(*_response_columns(with_answers)).where(
        table.c.public_id == bindparam("public_id")
    )
    return query.with_for_update(of=table) if for_update else query


def _response_columns(with_answers: bool) -> list[Any]:
    """A response's columns, the reference data's version and, `with_answers` (SQLite), its
    answers as JSON: {"question key": "value" or null}."""
    table = cast(Table, Response.__table__)
    columns: list[Any] = [table, version_column()]
    if with_answers:
        answer = cast(Table, Answer.__table__)
        columns.append(
            select(func.json_group_object(answer.c.question_key, answer.c.value))
            .where(answer.c.response_id == table.c.id)
            .scalar_subquery()
            .label("answers")
        )
    return columns


def latest_in_progress(
    session: Session, *, channel: str, respondent_ref: str, for_update: bool = False
) -> tuple[Response, dict[str, str | None] | None] | None:
    """The chat respondent's unfinished response, to resume it; on SQLite its answers with it,
    in the same statement (None on PostgreSQL: they are read after the row's lock)."""
    with_answers = not is_postgresql(session)
    parameters = {"channel": channel, "respondent_ref": respondent_ref}
    found = session.execute(_latest_in_progress(for_update, with_answers), parameters).first()
    if found is None:
        return None
    # The reference data's version comes along with the response (hailong.reference).
    remember_version(session, found.reference_version)
    answers = json.loads(found.answers or "{}") if with_answers else None
    return attached(session, Response, found._mapping), answers


@cache
def _latest_in_progress(for_update: bool, with_answers: bool) -> Select[Any]:
    """Built once, like _by_public_id: every chat event reads it."""
    table = cast(Table, Response.__table__)
    query = (
        select(*_response_columns(with_answers))
        .where(
            table.c.channel == bindparam("channel"),
            table.c.respondent_ref == bindparam("respondent_ref"),
            table.c.status == ResponseStatus.in_progress.value,
        )
        .order_by(table.c.id.desc())
        .limit(1)
    )
    return query.with_for_update(of=table) if for_update else query


def latest(session: Session, *, channel: str, respondent_ref: str) -> Response | None:
    """A chat respondent's most recent response, whatever its state."""
    return session.scalar(
        select(Response)
        .where(Response.channel == channel, Response.respondent_ref == respondent_ref)
        .order_by(Response.id.desc())
        .limit(1)
    )


def stored_answers(session: Session, response_id: int) -> dict[str, str | None]:
    rows = session.execute(_answers_of(), {"response_id": response_id})
    return {key: value for key, value in rows}


@cache
def _answers_of() -> Select[tuple[str, str | None]]:
    table = cast(Table, Answer.__table__)
    return select(table.c.question_key, table.c.value).where(
        table.c.response_id == bindparam("response_id")
    )


def load(
    session: Session, response: Response, *, answers: dict[str, str | None] | None = None
) -> SurveyState:
    """The response's state; `answers` when they are known without a read (a response just
    inserted has none)."""
    return SurveyState(
        response=response,
        questionnaire=cached_questionnaire(session, response.questionnaire_id),
        answers=stored_answers(session, response.id) if answers is None else answers,
    )


def save_answers(
    session: Session,
    state: SurveyState,
    values: Mapping[str, str | None],
    *,
    now: datetime | None = None,
) -> SurveyStatus:
    """Store validated answers (an idempotent upsert) and settle the response's status.

    A finished response is final: its answers are counted and no channel may change them.
    Only the survey session (hailong.survey) calls this: it checks the counter, the period
    and the answers first.
    """
    response = state.response
    if response.status != ResponseStatus.in_progress:
        raise ResponseFinished()
    now = now or utcnow()
    state.answers.update(values)
    stale = stale_answers(state.questionnaire, state.answers, state.applicable())
    for key in stale:
        state.answers.pop(key, None)
    result = survey_status(state.questionnaire, state.answers, state.applicable())
    changes: dict[str, object] = {"updated_at": now}
    if PROCEDURE_KEY in values:
        changes["procedure_code"] = values[PROCEDURE_KEY]
    if result is SurveyStatus.completed and not rates_a_criterion(
        state.questionnaire, state.answers
    ):
        changes.update(status=ResponseStatus.unrated, submitted_at=now)
    elif result is SurveyStatus.completed:
        changes.update(status=ResponseStatus.completed, submitted_at=now)
    elif result is SurveyStatus.screened_out:
        changes.update(status=ResponseStatus.screened_out, submitted_at=now)
    _write(session, response, values, changes, now)
    if stale:
        session.execute(
            delete(Answer).where(Answer.response_id == response.id, Answer.question_key.in_(stale))
        )
    if changes.get("status") == ResponseStatus.completed:
        tallies.apply_response(session, response, state.answers, sign=1)
    if changes.get("status") in (ResponseStatus.completed, ResponseStatus.unrated):
        # _write moves the response by a Core statement, which the ORM's change tracking
        # never sees: say so for whoever reports progress once this transaction commits.
        session.info.setdefault(FINISHED_KEY, set()).add((response.period_id, response.unit_id))
    session.flush()
    return result


# session.info key: (period id, unit id) of each response this transaction finished.
FINISHED_KEY = "hailong_finished_responses"


def _write(
    session: Session,
    response: Response,
    values: Mapping[str, str | None],
    changes: Mapping[str, object],
    now: datetime,
) -> None:
    """The page's answers upserted and the response moved on, by statements of one fixed
    shape (compiled once): one on PostgreSQL (the upsert as a WITH of the UPDATE), two on
    SQLite. The response object is given the new values as already stored, so no flush
    writes them again."""
    moved = {
        "response_id": response.id,
        "updated_at": now,
        "status": str(changes.get("status", response.status)),
        "submitted_at": changes.get("submitted_at", response.submitted_at),
        "procedure_code": changes.get("procedure_code", response.procedure_code),
    }
    if is_postgresql(session):
        session.execute(
            _PG_WRITE, {**moved, "now": now, "keys": list(values), "values": list(values.values())}
        )
    else:
        if values:
            page = {"response_id": response.id, "answers": json.dumps(values), "answered_at": now}
            session.execute(_sqlite_answer_upsert(), page)
        session.execute(_response_move(), moved)
    for key, value in changes.items():
        set_committed_value(response, key, value)


# The row is locked by then (the survey session selects it FOR UPDATE), so writing back the
# columns that did not change is safe, and keeps the statement's shape fixed.
_PG_WRITE = text(
    "WITH upserted AS ("
    " INSERT INTO answer (response_id, question_key, value, answered_at)"
    " SELECT :response_id, k, v, :now"
    " FROM unnest(CAST(:keys AS varchar[]), CAST(:values AS text[])) AS page(k, v)"
    " ON CONFLICT (response_id, question_key)"
    " DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at"
    " RETURNING 1)"
    " UPDATE response SET updated_at = :updated_at, status = :status,"
    " submitted_at = :submitted_at, procedure_code = :procedure_code"
    " WHERE id = :response_id"
)


@cache
def _sqlite_answer_upsert() -> TextClause:
    """The page's answers, sent as one JSON object (key: value or null), upserted by one
    statement with one set of parameters, as _PG_WRITE sends them as two arrays. Written once
    (hailong.db.typed_text: a built ON CONFLICT statement is compiled on every execution);
    `WHERE true` keeps SQLite from reading ON CONFLICT as a join's ON."""
    return typed_text(
        "INSERT INTO answer (response_id, question_key, value, answered_at)"
        " SELECT :response_id, page.key, page.value, :answered_at"
        " FROM json_each(:answers) AS page WHERE true"
        " ON CONFLICT (response_id, question_key)"
        " DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at",
        Answer.__table__,
    )


@cache
def _response_move() -> Any:
    table = cast(Table, Response.__table__)
    return (
        update(table)
        .where(table.c.id == bindparam("response_id"))
        .values(
            updated_at=bindparam("updated_at"),
            status=bindparam("status"),
            submitted_at=bindparam("submitted_at"),
            procedure_code=bindparam("procedure_code"),
        )
    )


def record_event(session: Session, *, channel: str, event_id: str) -> bool:
    """Record an inbound delivery; False when it was seen before (a duplicate changes nothing)."""
    row = {"channel": channel, "event_id": event_id, "received_at": utcnow()}
    return session.execute(_event_insert(), row).first() is not None


@dataclass(frozen=True)
class ChatEvent:
    """A chat event as recorded: whether it is new and, if so, the respondent's language."""

    new: bool
    # The language the respondent chose (preferred_language), read with the record; None
    # for a repeated event (nothing was inserted, so nothing was read).
    language: str | None = None


def record_chat_event(
    session: Session, *, channel: str, event_id: str, respondent_ref: str
) -> ChatEvent:
    """record_event and preferred_language in one statement: every chat event needs both.

    The statement brings along what the event's reads would otherwise ask for first: the
    reference data's version (hailong.reference) and, on SQLite, which response the chat is
    answering as of which write (hailong.responses.kept)."""
    row = {
        "channel": channel,
        "event_id": event_id,
        "received_at": utcnow(),
        "respondent_ref": respondent_ref,
    }
    sqlite = not is_postgresql(session)
    found = session.execute(_chat_event_insert(sqlite), row).first()
    if found is None:
        return ChatEvent(new=False)
    remember_version(session, found.reference_version)
    if sqlite:
        written = kept.Written.of(found.current_id, found.current_updated_at)
        kept.note_current(session, (channel, respondent_ref), written)
    return ChatEvent(new=True, language=found.language)


@cache
def _event_insert() -> TextClause:
    """INSERT INTO inbound_event ... ON CONFLICT DO NOTHING RETURNING id, written once
    (hailong.db.typed_text); both databases speak it."""
    return typed_text(
        "INSERT INTO inbound_event (channel, event_id, received_at)"
        " VALUES (:channel, :event_id, :received_at)"
        " ON CONFLICT (channel, event_id) DO NOTHING RETURNING id",
        InboundEvent.__table__,
    )


# The chat's in-progress response, as latest_in_progress finds it.
_CURRENT = (
    "FROM response WHERE response.channel = :channel"
    " AND response.respondent_ref = :respondent_ref"
    f" AND response.status = '{ResponseStatus.in_progress.value}'"
    " ORDER BY response.id DESC LIMIT 1"
)


@cache
def _chat_event_insert(with_current: bool) -> TextualSelect:
    """_event_insert returning the respondent's chosen language and the reference data's
    version too, and `with_current` the chat's current response's id and updated_at (both
    databases allow a subquery in RETURNING)."""
    returning = [
        "id",
        "(SELECT language FROM chat_language WHERE chat_language.channel = :channel"
        " AND chat_language.respondent_ref = :respondent_ref) AS language",
        f"(SELECT version FROM reference_version WHERE id = {REFERENCE_ROW}) AS reference_version",
    ]
    columns: list[ColumnClause[Any]] = [
        column("id", Integer),
        column("language", String),
        column("reference_version", Integer),
    ]
    if with_current:
        returning += [
            f"(SELECT response.id {_CURRENT}) AS current_id",
            f"(SELECT response.updated_at {_CURRENT}) AS current_updated_at",
        ]
        updated_at = cast(Table, Response.__table__).c.updated_at
        columns += [column("current_id", Integer), column("current_updated_at", updated_at.type)]
    statement = typed_text(
        "INSERT INTO inbound_event (channel, event_id, received_at)"
        " VALUES (:channel, :event_id, :received_at)"
        " ON CONFLICT (channel, event_id) DO NOTHING RETURNING " + ", ".join(returning),
        InboundEvent.__table__,
    )
    return statement.columns(*columns)


def preferred_language(session: Session, *, channel: str, respondent_ref: str) -> str | None:
    """The language a chat respondent chose last, if they ever chose one."""
    return session.scalar(
        select(ChatLanguage.language).where(
            ChatLanguage.channel == channel, ChatLanguage.respondent_ref == respondent_ref
        )
    )


def remember_language(
    session: Session, *, channel: str, respondent_ref: str, language: str
) -> None:
    """Keep a chat respondent's choice of language for their next survey too."""
    statement = dialect_insert(session, ChatLanguage.__table__).values(
        channel=channel, respondent_ref=respondent_ref, language=language, updated_at=utcnow()
    )
    statement = statement.on_conflict_do_update(
        index_elements=["channel", "respondent_ref"],
        set_={"language": statement.excluded.language, "updated_at": statement.excluded.updated_at},
    )
    session.execute(statement)
