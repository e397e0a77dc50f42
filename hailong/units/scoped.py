"""Units as an actor sees them: only those of its scope (accounts.scope)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session, aliased

from hailong.accounts.scope import Action, Actor, may_do, reached_units, unit_in_scope
from hailong.models import Unit


def _unit_rows() -> Select[Any]:
    parent = aliased(Unit)
    return select(
        Unit.code, Unit.name, Unit.level, parent.code.label("parent_code"), Unit.active
    ).outerjoin(parent, Unit.parent_id == parent.id)


def visible_units(actor: Actor) -> Select[Any]:
    """code, name, level, parent_code, active of every unit the actor may view."""
    if not may_do(actor, Action.view_units):
        return _unit_rows().where(false())
    return _unit_rows().where(reached_units(actor))


def visible_unit(session: Session, actor: Actor, code: str) -> Any:
    """One unit of the actor's scope with its parent's code; 404 outside it."""
    unit = unit_in_scope(session, actor, code, Action.view_units)
    return session.execute(_unit_rows().where(Unit.id == unit.id)).one()


def own_unit(session: Session, actor: Actor) -> Any | None:
    """The unit the account belongs to (an enumerator's too, though it works elsewhere);
    None for an admin."""
    if actor.unit_id is None:
        return None
    return session.execute(_unit_rows().where(Unit.id == actor.unit_id)).one()
