from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.models import Unit


def get_by_code(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code))


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
