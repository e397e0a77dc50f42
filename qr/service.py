"""Reading what posters and QR images need from the database; rotating and revoking counters.

Batches of posters are read by keyset pages in short transactions rather than by one long cursor:
with SQLite every transaction takes the write lock (BEGIN IMMEDIATE), and a province's batch must
not keep citizens' answers waiting for a minute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from hailong.counters import service as counters
from hailong.errors import Gone, NotFound
from hailong.i18n import N_
from hailong.models import Counter, CounterToken, Period, TokenState, Unit
from hailong.periods import service as periods
from hailong.units import service as units
from qr.content import PeriodNote, Poster

# Counters read per short transaction when listing a unit's posters.
POSTER_BATCH = 200


class CounterNotFound(NotFound):
    message = N_("There is no counter with id {counter_id}.")


class CounterRevoked(Gone):
    message = N_("Counter {counter_id} has been revoked: it has no QR code any more.")


class UnitClosed(Gone):
    message = N_(
        "Counter {counter_id} belongs to {unit}, which no longer takes surveys: "
        "its QR code would not work."
    )


class UnitNotFound(NotFound):
    message = N_("There is no unit with code {code}.")


class PeriodNotFound(NotFound):
    message = N_("There is no period with code {code}.")


class NothingToPrint(NotFound):
    message = N_("Unit {code} has no active counters to print.")


@dataclass(frozen=True)
class LiveCounter:
    """A counter in service with its current token."""

    counter: Counter
    unit: Unit
    token: CounterToken

    def url(self, base_url: str) -> str:
        return counters.survey_url(base_url, self.token.token)

    def poster(self, base_url: str, parent_unit_name: str | None = None) -> Poster:
        return counter_poster(
            base_url,
            unit_name=self.unit.name,
            parent_unit_name=parent_unit_name,
            counter_name=self.counter.name,
            token=self.token.token,
            short_code=self.token.short_code,
        )


def counter_poster(
    base_url: str,
    *,
    unit_name: str,
    parent_unit_name: str | None,
    counter_name: str,
    token: str,
    short_code: str,
) -> Poster:
    """A counter's poster: its QR code's address and the short one printed for typing."""
    return Poster(
        unit_name=unit_name,
        parent_unit_name=parent_unit_name,
        counter_name=counter_name,
        short_code=short_code,
        url=counters.survey_url(base_url, token),
        typed_url=counters.typed_survey_url(base_url, short_code),
    )


def live_counter(session: Session, counter_id: int) -> LiveCounter:
    """The counter with this id and its current token; a polite error if it has none."""
    counter = session.get(Counter, counter_id)
    if counter is None:
        raise CounterNotFound(counter_id=counter_id)
    token = counters.current_token(session, counter)
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


def rotate_counter(session: Session, counter_id: int) -> LiveCounter:
    """New token and short code; the old poster then opens the "replaced" page."""
    live = printable_counter(session, counter_id)
    token = counters.rotate(session, live.counter)
    return LiveCounter(counter=live.counter, unit=live.unit, token=token)


def revoke_counter(session: Session, counter_id: int) -> LiveCounter:
    """Takes the counter out of service; returns it as it was, for the operator's message."""
    live = live_counter(session, counter_id)
    counters.revoke(session, live.counter)
    return live


def unit_by_code(session: Session, code: str) -> Unit:
    unit = units.get_by_code(session, code)
    if unit is None:
        raise UnitNotFound(code=code)
    return unit


def period_for_posters(
    session: Session, *, today: date, code: str | None = None
) -> PeriodNote | None:
    """The named period, else the one open today, else the next one: posters go up early."""
    if code is not None:
        period = periods.get_by_code(session, code)
        if period is None:
            raise PeriodNotFound(code=code)
        return _note(period)
    try:
        return _note(periods.open_period(session, today))
    except periods.PeriodNotOpen:
        upcoming = session.scalar(
            select(Period).where(Period.start_date > today).order_by(Period.start_date).limit(1)
        )
        return _note(upcoming) if upcoming is not None else None
    except (periods.PeriodClosed, periods.NoPeriod):
        return None


def _note(period: Period) -> PeriodNote:
    return PeriodNote(code=period.code, start_date=period.start_date, end_date=period.end_date)


def _subtree_counters(unit_path: str) -> Select[Any]:
    """Active counters with their live token, in active units of the subtree."""
    parent = aliased(Unit)
    return (
        select(
            Unit.path,
            parent.name,
            Counter.id,
            Unit.name,
            Counter.name,
            CounterToken.token,
            CounterToken.short_code,
        )
        .join(Counter, Counter.unit_id == Unit.id)
        .join(
            CounterToken,
            (CounterToken.counter_id == Counter.id) & (CounterToken.state == TokenState.active),
        )
        .outerjoin(parent, parent.id == Unit.parent_id)
        .where(Unit.path.startswith(unit_path), Unit.active.is_(True), Counter.active.is_(True))
    )


def count_unit_posters(session: Session, unit: Unit) -> int:
    query = _subtree_counters(unit.path).with_only_columns(func.count(Counter.id))
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class PosterPage:
    posters: list[Poster]
    # Where the next page starts: (unit path, counter id) of the last row, None when done.
    after: tuple[str, int] | None


def poster_page(
    session: Session,
    unit: Unit,
    *,
    base_url: str,
    after: tuple[str, int] | None = None,
    limit: int = POSTER_BATCH,
) -> PosterPage:
    """One keyset page of a unit subtree's posters, ordered by unit then counter."""
    query = _subtree_counters(unit.path).order_by(Unit.path, Counter.id).limit(limit)
    if after is not None:
        path, counter_id = after
        query = query.where((Unit.path > path) | ((Unit.path == path) & (Counter.id > counter_id)))
    rows = session.execute(query).all()
    posters = [
        counter_poster(
            base_url,
            unit_name=unit_name,
            parent_unit_name=parent_name,
            counter_name=counter_name,
            token=token,
            short_code=short_code,
        )
        for _path, parent_name, _id, unit_name, counter_name, token, short_code in rows
    ]
    last = (rows[-1][0], rows[-1][2]) if len(rows) == limit else None
    return PosterPage(posters=posters, after=last)


def unit_posters(
    transaction: Callable[[], AbstractContextManager[Session]],
    unit_code: str,
    *,
    base_url: str,
    batch: int = POSTER_BATCH,
) -> Iterator[Poster]:
    """Every poster of the unit's subtree, one short transaction per `batch` counters."""
    after: tuple[str, int] | None = None
    while True:
        with transaction() as session:
            page = poster_page(
                session,
                unit_by_code(session, unit_code),
                base_url=base_url,
                after=after,
                limit=batch,
            )
        yield from page.posters
        if page.after is None:
            return
        after = page.after
