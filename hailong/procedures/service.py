from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from hailong.models import Procedure, procedure_unit
from hailong.reference import cached
from hailong.units.service import unit_by_code


def for_unit(session: Session, unit_id: int) -> Sequence[Procedure]:
    """The procedures a citizen can pick at this unit: those of every unit and its own."""
    linked = exists().where(
        procedure_unit.c.procedure_id == Procedure.id, procedure_unit.c.unit_id == unit_id
    )
    return session.scalars(
        select(Procedure).where(or_(Procedure.all_units, linked)).order_by(Procedure.name)
    ).all()


def procedures_at(session: Session, unit_code: str | None = None) -> Sequence[Procedure]:
    """Every procedure by code; with a unit, those a citizen can pick there."""
    if unit_code is None:
        return session.scalars(select(Procedure).order_by(Procedure.code)).all()
    return for_unit(session, unit_by_code(session, unit_code).id)


def procedure_names(session: Session) -> Mapping[str, str]:
    """Every procedure's name by its code, kept in the reference cache: a page that lists
    responses names each one's procedure without a query per row (or per page)."""

    def load() -> Mapping[str, str]:
        rows = session.execute(select(Procedure.code, Procedure.name)).tuples()
        return MappingProxyType(dict(rows.all()))

    return cached(session, ("procedure_names",), load)
