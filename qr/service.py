"""Reading what posters need from the database, in the order a person files them: the unit
tree from its top (each unit before the units below it, brothers by code), and the counters of
a unit by name ("Quầy số 2" before "Quầy số 10").

Batches of posters are read in short transactions rather than by one long cursor: with SQLite
every transaction takes the write lock (BEGIN IMMEDIATE), and a province's batch must not keep
citizens' answers waiting for a minute. The plan (the subtree's units in order, with how many
posters each has) is read once: O(units), never O(counters).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from hailong.counters.service import survey_url, typed_survey_url
from hailong.errors import NotFound
from hailong.i18n import N_
from hailong.models import Counter, CounterToken, Period, TokenState, Unit
from hailong.periods import service as periods
from hailong.units.service import unit_by_code
from qr.content import PeriodNote, Poster

# Posters read per short transaction when listing a unit's posters.
POSTER_BATCH = 200


class NothingToPrint(NotFound):
    message = N_("Unit {code} has no active counters to print.")


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
        url=survey_url(base_url, token),
        typed_url=typed_survey_url(base_url, short_code),
    )


def period_for_posters(
    session: Session, *, today: date, code: str | None = None
) -> PeriodNote | None:
    """The named period, else the one open today, else the next one: posters go up early."""
    if code is not None:
        return _note(periods.period_by_code(session, code))
    try:
        return _note(periods.open_period(session, today))
    except periods.PeriodNotOpen:
        upcoming = periods.next_period(session, today)
        return _note(upcoming) if upcoming is not None else None
    except (periods.PeriodClosed, periods.NoPeriod):
        return None


def _note(period: Period) -> PeriodNote:
    return PeriodNote(
        code=period.code, start_date=period.start_date, end_date=period.end_date, id=period.id
    )


def natural_key(text: str) -> tuple[Any, ...]:
    """Sorts "Quầy số 2" before "Quầy số 10", and code "306" before "11413"."""
    parts = re.split(r"(\d+)", text.casefold())
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


def tree_order(units: Iterable[tuple[int, int | None, str]], root_id: int) -> list[int]:
    """The ids of (id, parent id, code) units from the root down, depth first: each unit
    before the units below it, brothers by code."""
    children: dict[int | None, list[tuple[tuple[Any, ...], int]]] = {}
    for unit_id, parent_id, code in units:
        children.setdefault(parent_id, []).append((natural_key(code), unit_id))
    ordered: list[int] = []
    waiting = [root_id]
    while waiting:
        unit_id = waiting.pop()
        ordered.append(unit_id)
        below = sorted(children.get(unit_id, ()), reverse=True)
        waiting.extend(child for _key, child in below)
    return ordered


def _live_counters() -> Select[Any]:
    """Active counters with their live token, in units that still take surveys."""
    return (
        select(Counter.unit_id)
        .join(Unit, Counter.unit_id == Unit.id)
        .join(
            CounterToken,
            (CounterToken.counter_id == Counter.id) & (CounterToken.state == TokenState.active),
        )
        .where(Unit.active.is_(True), Counter.active.is_(True))
    )


@dataclass(frozen=True)
class PosterPlan:
    """The units of a subtree that have posters, in print order, with how many each has."""

    units: list[tuple[int, int]]  # (unit id, posters)

    @property
    def total(self) -> int:
        return sum(count for _unit, count in self.units)

    def batches(self, size: int) -> Iterator[list[int]]:
        """Unit ids in print order, grouped so that a group holds about `size` posters."""
        group: list[int] = []
        held = 0
        for unit_id, count in self.units:
            if group and held + count > size:
                yield group
                group, held = [], 0
            group.append(unit_id)
            held += count
        if group:
            yield group


def poster_plan(session: Session, unit: Unit) -> PosterPlan:
    subtree = session.execute(
        select(Unit.id, Unit.parent_id, Unit.code).where(Unit.path.startswith(unit.path))
    ).tuples()
    order = tree_order(subtree, unit.id)
    counted = session.execute(
        _live_counters()
        .where(Unit.path.startswith(unit.path))
        .with_only_columns(Counter.unit_id, func.count(Counter.id))
        .group_by(Counter.unit_id)
    )
    # Not dict(result): a Result has keys(), so dict() would index it like a mapping.
    counts = {unit_id: count for unit_id, count in counted}
    return PosterPlan([(unit_id, counts[unit_id]) for unit_id in order if unit_id in counts])


def count_unit_posters(session: Session, unit: Unit) -> int:
    return poster_plan(session, unit).total


def posters_of_units(session: Session, unit_ids: Sequence[int], *, base_url: str) -> list[Poster]:
    """The posters of these units, in the order given, each unit's counters by name."""
    parent = aliased(Unit)
    rows = list(
        session.execute(
            _live_counters()
            .add_columns(
                Counter.id,
                Counter.name,
                Unit.name,
                parent.name,
                CounterToken.token,
                CounterToken.short_code,
            )
            .outerjoin(parent, parent.id == Unit.parent_id)
            .where(Counter.unit_id.in_(unit_ids))
        )
    )
    position = {unit_id: index for index, unit_id in enumerate(unit_ids)}
    rows.sort(key=lambda row: (position[row[0]], natural_key(row[2]), row[1]))
    return [
        counter_poster(
            base_url,
            unit_name=unit_name,
            parent_unit_name=parent_name,
            counter_name=counter_name,
            token=token,
            short_code=short_code,
        )
        for _unit, _id, counter_name, unit_name, parent_name, token, short_code in rows
    ]


def unit_posters(
    transaction: Callable[[], AbstractContextManager[Session]],
    unit_code: str,
    *,
    base_url: str,
    batch: int = POSTER_BATCH,
    plan: PosterPlan | None = None,
) -> Iterator[Poster]:
    """Every poster of the unit's subtree in print order, one short transaction per `batch`
    posters or so (a unit's counters are never split between two)."""
    if plan is None:
        with transaction() as session:
            plan = poster_plan(session, unit_by_code(session, unit_code))
    for unit_ids in plan.batches(batch):
        with transaction() as session:
            posters = posters_of_units(session, unit_ids, base_url=base_url)
        yield from posters
