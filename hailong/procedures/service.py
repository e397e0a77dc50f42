from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from hailong.models import Procedure, procedure_unit


def for_unit(session: Session, unit_id: int) -> Sequence[Procedure]:
    """The procedures a citizen can pick at this unit: those of every unit and its own."""
    linked = exists().where(
        procedure_unit.c.procedure_id == Procedure.id, procedure_unit.c.unit_id == unit_id
    )
    return session.scalars(
        select(Procedure).where(or_(Procedure.all_units, linked)).order_by(Procedure.name)
    ).all()
