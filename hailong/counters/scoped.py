"""Counters (quầy) as an actor sees and changes them: the API, the office and the commands.

A counter is found by id only among the counters of the units the actor reaches (with the
right to manage counters); any other id is "not found", like one that does not exist. Every
change is audited in its own transaction, through one function per change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, aliased

from hailong.accounts.scope import Action, Actor, in_scope, require, unit_in_scope
from hailong.audit.service import AuditAction, Who, record
from hailong.counters import bulk
from hailong.counters.service import (
    CounterNotFound,
    CounterRevoked,
    UnitClosed,
    add_counter,
    counter_name,
    current_token,
    retire_tokens,
    rotate,
    survey_url,
    typed_survey_url,
)
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import Counter, CounterToken, TokenState, Unit
from hailong.units.service import InactiveUnit


class NothingToChange(BadInput):
    message = N_("Say what to change: a new name, or active true or false.")


@dataclass(frozen=True)
class CounterView:
    """A counter as people and programs read it. A revoked counter has no codes any more;
    a deactivated one keeps them (its poster works again once it is active again)."""

    id: int
    unit_code: str
    unit_name: str
    name: str
    active: bool
    revoked: bool
    short_code: str | None
    survey_url: str | None
    typed_url: str | None
    created_at: datetime


@dataclass(frozen=True)
class CounterFilter:
    unit_code: str | None = None  # that unit and the units below it (within reach)
    active: bool | None = None


def counters_query(session: Session, actor: Actor, filters: CounterFilter) -> Select[Any]:
    """Rows for `counter_view` of the counters the actor manages, narrowed by `filters`."""
    retired = aliased(CounterToken)
    query = (
        select(
            Counter.id,
            Unit.code.label("unit_code"),
            Unit.name.label("unit_name"),
            Counter.name,
            Counter.active,
            Counter.created_at,
            CounterToken.token,
            CounterToken.short_code,
            select(retired.id)
            .where(retired.counter_id == Counter.id, retired.state == TokenState.revoked)
            .limit(1)
            .scalar_subquery()
            .label("revoked_token"),
        )
        .join(Unit, Counter.unit_id == Unit.id)
        .outerjoin(
            CounterToken,
            and_(CounterToken.counter_id == Counter.id, CounterToken.state == TokenState.active),
        )
        .where(in_scope(actor, Counter.unit_id, Action.manage_counters))
    )
    if filters.unit_code is not None:
        unit = unit_in_scope(session, actor, filters.unit_code, Action.manage_counters)
        query = query.where(Unit.path.startswith(unit.path))
    if filters.active is not None:
        query = query.where(Counter.active.is_(filters.active))
    return query


def counter_view(row: Any, *, base_url: str) -> CounterView:
    token, short_code = row.token, row.short_code
    return CounterView(
        id=row.id,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        name=row.name,
        active=row.active,
        revoked=row.revoked_token is not None and token is None,
        short_code=short_code,
        survey_url=survey_url(base_url, token) if token else None,
        typed_url=typed_survey_url(base_url, short_code) if short_code else None,
        created_at=row.created_at,
    )


def list_counters(
    session: Session, actor: Actor, filters: CounterFilter, *, base_url: str
) -> list[CounterView]:
    """The counters the actor manages, by unit code then id."""
    query = counters_query(session, actor, filters).order_by(Unit.code, Counter.id)
    return [counter_view(row, base_url=base_url) for row in session.execute(query)]


def get_counter(session: Session, actor: Actor, counter_id: int, *, base_url: str) -> CounterView:
    row = session.execute(
        counters_query(session, actor, CounterFilter()).where(Counter.id == counter_id)
    ).first()
    if row is None:
        raise CounterNotFound(counter_id=counter_id)
    return counter_view(row, base_url=base_url)


def _managed(session: Session, actor: Actor, counter_id: int) -> tuple[Counter, Unit]:
    """The counter with this id among those the actor manages, locked for the change."""
    require(actor, Action.manage_counters)
    found = session.execute(
        select(Counter, Unit)
        .join(Unit, Counter.unit_id == Unit.id)
        .where(Counter.id == counter_id, in_scope(actor, Counter.unit_id, Action.manage_counters))
        .with_for_update(of=Counter)
    ).first()
    if found is None:
        raise CounterNotFound(counter_id=counter_id)
    counter, unit = found
    return counter, unit


def _revoked(session: Session, counter: Counter) -> bool:
    return not counter.active and current_token(session, counter) is None


def create_counter(
    session: Session, actor: Actor, *, unit_code: str, name: str, by: Who, base_url: str
) -> CounterView:
    """A new counter at a unit the actor reaches that takes surveys, with its first codes."""
    unit = unit_in_scope(session, actor, unit_code, Action.manage_counters)
    if not unit.active:
        raise InactiveUnit(code=unit.code)
    counter, _token = add_counter(session, unit=unit, name=counter_name(name))
    record(
        session,
        by=by,
        action=AuditAction.counter_add,
        unit_id=unit.id,
        target=str(counter.id),
        details={"name": counter.name},
    )
    return get_counter(session, actor, counter.id, base_url=base_url)


def create_counters_per_unit(
    session: Session,
    actor: Actor,
    *,
    unit_code: str,
    per_unit: int,
    subtree: bool,
    by: Who,
) -> bulk.CounterPlan:
    """Counters "Quầy số 1"… until each unit has `per_unit` in service: the unit, and with
    `subtree` every unit below it that the actor reaches. One audit line per unit."""
    unit = unit_in_scope(session, actor, unit_code, Action.manage_counters)
    plan = bulk.plan_units(session, unit_code=unit.code, per_unit=per_unit, subtree=subtree)
    reached = set(
        session.scalars(select(Unit.id).where(in_scope(actor, Unit.id, Action.manage_counters)))
    )
    plan.planned = [p for p in plan.planned if p.unit_id in reached]
    bulk.add_counters(session, plan.planned)
    for unit_id in sorted({p.unit_id for p in plan.planned}):
        names = [p.name for p in plan.planned if p.unit_id == unit_id]
        record(
            session,
            by=by,
            action=AuditAction.counter_add,
            unit_id=unit_id,
            details={"names": names},
        )
    return plan


def change_counter(
    session: Session,
    actor: Actor,
    counter_id: int,
    *,
    name: str | None = None,
    active: bool | None = None,
    comment: str | None = None,
    by: Who,
    base_url: str,
) -> CounterView:
    """Rename, deactivate (its codes answer "no longer in use" until it is active again) or
    reactivate a counter. A revoked counter cannot come back: its codes are gone."""
    if name is None and active is None:
        raise NothingToChange()
    counter, unit = _managed(session, actor, counter_id)
    if _revoked(session, counter):
        raise CounterRevoked(counter_id=counter_id)
    if name is not None and counter_name(name) != counter.name:
        old = counter.name
        counter.name = counter_name(name)
        session.flush()
        record(
            session,
            by=by,
            action=AuditAction.counter_change,
            unit_id=unit.id,
            target=str(counter.id),
            comment=comment,
            details={"name": [old, counter.name]},
        )
    if active is not None and active != counter.active:
        if active and not unit.active:
            raise UnitClosed(counter_id=counter_id, unit=unit.name)
        counter.active = active
        session.flush()
        record(
            session,
            by=by,
            action=AuditAction.counter_change if active else AuditAction.counter_deactivate,
            unit_id=unit.id,
            target=str(counter.id),
            comment=comment,
            details={"active": active},
        )
    return get_counter(session, actor, counter.id, base_url=base_url)


def rotate_counter(
    session: Session,
    actor: Actor,
    counter_id: int,
    *,
    comment: str | None = None,
    by: Who,
    base_url: str,
) -> CounterView:
    """New QR token and short code; the old poster then opens the "replaced" page."""
    counter, unit = _managed(session, actor, counter_id)
    if not counter.active or current_token(session, counter) is None:
        raise CounterRevoked(counter_id=counter_id)
    if not unit.active:
        raise UnitClosed(counter_id=counter_id, unit=unit.name)
    rotate(session, counter)
    record(
        session,
        by=by,
        action=AuditAction.counter_rotate,
        unit_id=unit.id,
        target=str(counter.id),
        comment=comment,
    )
    return get_counter(session, actor, counter.id, base_url=base_url)


def revoke_counter(
    session: Session,
    actor: Actor,
    counter_id: int,
    *,
    comment: str | None = None,
    by: Who,
    base_url: str,
) -> CounterView:
    """Out of service for good: its QR code and short code stop working (old posters say
    "no longer in use"). Revoking a revoked counter changes nothing."""
    counter, unit = _managed(session, actor, counter_id)
    if not _revoked(session, counter):
        retire_tokens(session, counter, TokenState.revoked)
        counter.active = False
        session.flush()
        record(
            session,
            by=by,
            action=AuditAction.counter_revoke,
            unit_id=unit.id,
            target=str(counter.id),
            comment=comment,
        )
    return get_counter(session, actor, counter.id, base_url=base_url)
