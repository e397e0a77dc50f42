"""Counters (quầy) and their tokens: reaching a counter from a scan or a typed code, adding,
listing, rotating and revoking them. The one home of counter logic for commands and routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Row, Select, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hailong.counters.tokens import (
    looks_like_token,
    new_short_code,
    new_token,
    normalise_short_code,
)
from hailong.errors import BadInput, Gone, NotFound
from hailong.i18n import N_
from hailong.models import Counter, CounterToken, TokenState, Unit
from hailong.models.base import utcnow
from hailong.units.importing import column_length

COUNTER_NAME_LIMIT = column_length(Counter.__table__.c.name)


class UnknownCounter(NotFound):
    message = N_(
        "This QR code is not one of ours. Please scan the code on the poster at the counter."
    )


class ReplacedCounterCode(Gone):
    message = N_(
        "This QR code has been replaced by a new one. Please scan the new poster at the counter."
    )


class RevokedCounterCode(Gone):
    message = N_("This QR code is no longer in use. Please ask at the counter for the current one.")


class CounterNotFound(NotFound):
    message = N_("There is no counter with id {counter_id}.")


class CounterRevoked(Gone):
    message = N_("Counter {counter_id} has been revoked: it has no QR code any more.")


class UnitClosed(Gone):
    message = N_(
        "Counter {counter_id} belongs to {unit}, which no longer takes surveys: "
        "its QR code would not work."
    )


class BadCounterName(BadInput):
    message = N_("The counter's name must be 1 to {limit} characters.")


@dataclass(frozen=True)
class CounterAccess:
    """A live counter reached through one of its tokens."""

    counter: Counter
    unit: Unit
    token: CounterToken


# A counter in service with its current token, as officials see it (the same three things).
LiveCounter = CounterAccess


def survey_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/q/{token}"


def typed_survey_url(base_url: str, short_code: str) -> str:
    """The address printed for typing: the short code instead of the QR code's long token."""
    return f"{base_url.rstrip('/')}/c/{short_code}"


# Citizens: a scan or a typed code -------------------------------------------------------------


def _access(found: Row[tuple[CounterToken, Counter, Unit]] | None) -> CounterAccess:
    if found is None:
        raise UnknownCounter()
    token_row, counter, unit = found
    if token_row.state == TokenState.replaced:
        raise ReplacedCounterCode()
    if token_row.state != TokenState.active or not counter.active or not unit.active:
        raise RevokedCounterCode()
    return CounterAccess(counter=counter, unit=unit, token=token_row)


def _lookup() -> Select[tuple[CounterToken, Counter, Unit]]:
    # A token with its counter and unit in one query, whatever the answer: an unknown code and
    # a revoked one take the same time, so timing tells a guesser nothing more than the page.
    return (
        select(CounterToken, Counter, Unit)
        .join(Counter, Counter.id == CounterToken.counter_id)
        .join(Unit, Unit.id == Counter.unit_id)
    )


def resolve_token(session: Session, token: str) -> CounterAccess:
    """The counter behind a QR token, or a polite 404/410 error; never anything else."""
    if not looks_like_token(token):
        raise UnknownCounter()
    return _access(session.execute(_lookup().where(CounterToken.token == token)).first())


def resolve_short_code(session: Session, typed: str) -> CounterAccess:
    """The counter whose live short code was typed into a chat."""
    code = normalise_short_code(typed)
    if code is None:
        raise UnknownCounter()
    # The live token when there is one; else an old poster's code, so the page says it was
    # replaced or revoked rather than "unknown". One query either way.
    query = (
        _lookup()
        .where(CounterToken.short_code == code)
        .order_by((CounterToken.state == TokenState.active).desc(), CounterToken.id.desc())
        .limit(1)
    )
    return _access(session.execute(query).first())


# Tokens ---------------------------------------------------------------------------------------


def current_token(session: Session, counter: Counter) -> CounterToken | None:
    return session.scalar(
        select(CounterToken).where(
            CounterToken.counter_id == counter.id, CounterToken.state == TokenState.active
        )
    )


def issue_token(
    session: Session,
    counter: Counter,
    *,
    attempts: int = 20,
    short_codes: Callable[[], str] = new_short_code,
) -> CounterToken:
    """A fresh token and short code for a counter; retries the rare short-code collision
    (unique among live tokens only, by a partial index, so retired codes may come back)."""
    for _ in range(attempts):
        row = CounterToken(counter_id=counter.id, token=new_token(), short_code=short_codes())
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        return row
    raise RuntimeError("could not find a free short code; the alphabet is exhausted")


def retire_tokens(session: Session, counter: Counter, state: TokenState) -> None:
    for row in session.scalars(
        select(CounterToken).where(
            CounterToken.counter_id == counter.id, CounterToken.state == TokenState.active
        )
    ):
        row.state = state
        row.retired_at = utcnow()
    session.flush()


def rotate(session: Session, counter: Counter) -> CounterToken:
    """Replace token and short code; the old poster then says it was replaced."""
    retire_tokens(session, counter, TokenState.replaced)
    return issue_token(session, counter)


def revoke(session: Session, counter: Counter) -> None:
    retire_tokens(session, counter, TokenState.revoked)
    counter.active = False
    session.flush()


# Officials: adding, listing, rotating and revoking by id --------------------------------------


def counter_name(name: str) -> str:
    """A counter's name as stored: stripped, and short enough for its column."""
    name = name.strip()
    if not 0 < len(name) <= COUNTER_NAME_LIMIT:
        raise BadCounterName(limit=COUNTER_NAME_LIMIT)
    return name


def add_counter(session: Session, *, unit: Unit, name: str) -> tuple[Counter, CounterToken]:
    counter = Counter(unit_id=unit.id, name=name)
    session.add(counter)
    session.flush()
    return counter, issue_token(session, counter)


def live_counter(session: Session, counter_id: int) -> LiveCounter:
    """The counter with this id and its current token; a polite error if it has none."""
    counter = session.get(Counter, counter_id)
    if counter is None:
        raise CounterNotFound(counter_id=counter_id)
    token = current_token(session, counter)
    unit = session.get(Unit, counter.unit_id)
    if not counter.active or token is None or unit is None:
        raise CounterRevoked(counter_id=counter_id)
    return LiveCounter(counter=counter, unit=unit, token=token)


def printable_counter(session: Session, counter_id: int) -> LiveCounter:
    """A live counter whose code is worth printing: its unit still takes surveys."""
    live = live_counter(session, counter_id)
    if not live.unit.active:
        # A scan would only meet the "no longer in use" page: printing it helps nobody.
        raise UnitClosed(counter_id=counter_id, unit=live.unit.name)
    return live


def existing_counters(session: Session, ids: list[int]) -> tuple[int, ...]:
    """The ids, each checked to name a counter (in service or not)."""
    found = set(session.scalars(select(Counter.id).where(Counter.id.in_(ids))))
    for counter_id in ids:
        if counter_id not in found:
            raise CounterNotFound(counter_id=counter_id)
    return tuple(ids)


def counter_rows(
    session: Session, *, base_url: str, unit: Unit | None = None
) -> list[dict[str, object]]:
    """Active counters with their live token; with `unit`, its whole subtree."""
    query = (
        select(
            Counter.id,
            Counter.name,
            Unit.code,
            Unit.name,
            CounterToken.token,
            CounterToken.short_code,
        )
        .join(Unit, Counter.unit_id == Unit.id)
        .outerjoin(
            CounterToken,
            and_(CounterToken.counter_id == Counter.id, CounterToken.state == TokenState.active),
        )
        .where(Counter.active.is_(True))
        .order_by(Unit.code, Counter.id)
    )
    if unit is not None:
        query = query.where(Unit.path.startswith(unit.path))
    return [
        {
            "id": counter_id,
            "unit_code": unit_code,
            "unit_name": unit_name,
            "name": name,
            "short_code": short_code,
            "survey_url": survey_url(base_url, token) if token else None,
        }
        for counter_id, name, unit_code, unit_name, token, short_code in session.execute(
            query
        ).tuples()
    ]
