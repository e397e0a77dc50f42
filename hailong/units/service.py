from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from hailong.errors import BadInput, NotFound
from hailong.i18n import N_
from hailong.models import Unit


class UnknownUnit(NotFound):
    message = N_("There is no unit with the code {code}.")


class InactiveUnit(BadInput):
    message = N_("The unit {code} no longer takes surveys (it is kept for history only).")


def get_by_code(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code))


def unit_by_code(session: Session, code: str) -> Unit:
    """The unit with this code (spaces around it forgiven), or UnknownUnit."""
    unit = get_by_code(session, code.strip())
    if unit is None:
        raise UnknownUnit(code=code)
    return unit


def surveyed_unit_by_code(session: Session, code: str) -> Unit:
    """A unit that still takes surveys; one kept for history only is refused."""
    unit = unit_by_code(session, code)
    if not unit.active:
        raise InactiveUnit(code=unit.code)
    return unit


def unit_rows(session: Session) -> list[dict[str, object]]:
    """Every unit: code, name, level, its parent's code and whether it takes surveys."""
    parent = aliased(Unit)
    query = (
        select(Unit.code, Unit.name, Unit.level, parent.code.label("parent_code"), Unit.active)
        .outerjoin(parent, Unit.parent_id == parent.id)
        .order_by(Unit.code)
    )
    return [
        {
            "code": row.code,
            "name": row.name,
            "level": row.level,
            "parent_code": row.parent_code,
            "active": row.active,
        }
        for row in session.execute(query)
    ]


def subtree_ids(session: Session, unit: Unit) -> Sequence[int]:
    return session.scalars(select(Unit.id).where(Unit.path.startswith(unit.path))).all()


def set_parent(session: Session, unit: Unit, parent: Unit | None) -> None:
    """Place a unit in the tree and keep the materialised paths of its subtree right."""
    if unit.id is None:
        session.flush([unit])
    old_path = unit.path if unit.path and unit.path != "/" else None
    unit.parent_id = parent.id if parent else None
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    if old_path and old_path != unit.path:
        for child in session.scalars(
            select(Unit).where(Unit.path.startswith(old_path), Unit.id != unit.id)
        ):
            child.path = unit.path + child.path[len(old_path) :]


def ancestors(session: Session, unit: Unit) -> list[Unit]:
    """From the root down to the unit's parent."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part][:-1]
    if not ids:
        return []
    by_id = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]
