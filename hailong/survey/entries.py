"""The ways into a survey (entries) and who answers (respondents), and where they lead.

An entry says where the response is given: a counter reached by its QR token or its short
code (typed on the web, sent to a chat), an e-mail invitation's link, or an enumerator's
assignment. A respondent says whose response it is, so a second start resumes it: a browser
(by a secret in its cookie), a chat user (by a keyed hash of the chat's id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from hailong.counters.service import (
    CounterAccess,
    RevokedCounterCode,
    UnknownCounter,
    resolve_short_code,
    resolve_token,
)
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import Channel, Counter, Invitation, Period, Unit
from hailong.reference import cached, detached_copy
from hailong.responses.service import PROCEDURE_KEY
from hailong.survey import invitations
from survey_flows.engine import OTHER_PROCEDURE


@dataclass(frozen=True)
class CounterCode:
    """A counter reached by its QR token, or by its short code as typed (a poster's /c/
    address, a code sent to a chat)."""

    token: str | None = None
    short_code: str | None = None


@dataclass(frozen=True)
class InvitationLink:
    """The one-time link of an e-mail invitation."""

    token: str


@dataclass(frozen=True)
class Assignment:
    """An enumerator interviewing at a counter, with the procedure already picked."""

    enumerator_id: int
    unit_id: int
    counter_id: int
    procedure_code: str


Entry = CounterCode | InvitationLink | Assignment


@dataclass(frozen=True)
class Browser:
    """A web browser (or an enumerator's phone). `start_id` is the id the page made for one
    start (a double tap makes one response); `resume_key` is the secret kept only in the
    browser's signed, HttpOnly cookie: only the browser that holds it may go on."""

    start_id: str
    resume_key: str


@dataclass(frozen=True)
class ChatUser:
    """A chat's user, known only by a keyed hash of the chat's own id."""

    channel: str
    ref: str


Respondent = Browser | ChatUser


class UnknownProcedure(BadInput):
    message = N_("The procedure {code} is not one of this unit's.")


class CounterNotOfUnit(BadInput):
    message = N_("This counter does not belong to the unit chosen.")


@dataclass(frozen=True)
class Place:
    """Where a response is given, and what the entry already knows of it."""

    unit: Unit
    counter: Counter | None
    period: Period
    channel: str
    known: Mapping[str, str] = field(default_factory=dict)  # answers given by the entry
    invitation: Invitation | None = None
    enumerator_id: int | None = None
    access: CounterAccess | None = None  # the token or code it was reached by, if a counter


def counter_access(session: Session, entry: CounterCode) -> CounterAccess:
    """The live counter behind a token or a typed code, or the polite 404/410 error.

    Read through the reference cache: its rows are shared with other requests, to be read,
    never changed (a refusal is not kept, so it is looked up every time)."""
    return cached(session, ("counter_access", entry), lambda: _resolve(session, entry))


def _resolve(session: Session, entry: CounterCode) -> CounterAccess:
    if entry.token is not None:
        access = resolve_token(session, entry.token)
    elif entry.short_code is not None:
        access = resolve_short_code(session, entry.short_code)
    else:
        raise UnknownCounter()
    return CounterAccess(
        counter=detached_copy(access.counter),
        unit=detached_copy(access.unit),
        token=detached_copy(access.token),
    )


def channel_of(entry: Entry, respondent: Respondent | None) -> str:
    if isinstance(entry, InvitationLink):
        return Channel.email.value
    if isinstance(entry, Assignment):
        return Channel.interview.value
    if isinstance(respondent, ChatUser):
        return respondent.channel
    return Channel.web.value


def assignment_place(
    session: Session, entry: Assignment, period: Period, procedures: set[str]
) -> Place:
    counter = session.get(Counter, entry.counter_id)
    unit = session.get(Unit, entry.unit_id)
    if counter is None or unit is None or not counter.active or not unit.active:
        raise RevokedCounterCode()
    if counter.unit_id != unit.id:
        raise CounterNotOfUnit()
    code = entry.procedure_code.strip()
    if code not in procedures and code != OTHER_PROCEDURE:
        raise UnknownProcedure(code=code)
    return Place(
        unit=unit,
        counter=counter,
        period=period,
        channel=Channel.interview.value,
        known={PROCEDURE_KEY: code},
        enumerator_id=entry.enumerator_id,
    )


def invitation_place(session: Session, invitation: Invitation) -> Place:
    unit = session.get(Unit, invitation.unit_id)
    period = session.get(Period, invitation.period_id)
    if unit is None or period is None:
        raise invitations.UnknownInvitation()
    return Place(
        unit=unit,
        counter=None,
        period=period,
        channel=Channel.email.value,
        known={PROCEDURE_KEY: invitation.procedure_code},
        invitation=invitation,
    )
