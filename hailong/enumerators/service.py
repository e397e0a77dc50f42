"""Which units an enumerator interviews at, and the rule of the plans: never one's own unit.

An enumerator's own units are where they work or live (Ngô Quyền 2023): a unit there, or
below it, is never theirs to survey. Assigning one is refused, and so is an interview.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.audit.service import AuditAction, Who, record
from hailong.errors import BadInput, Forbidden, NotFound
from hailong.i18n import N_
from hailong.models import Account, EnumeratorTie, EnumeratorUnit, Role, Unit


class NotAnEnumerator(BadInput):
    message = N_("The account {username} is not an enumerator's.")


class OwnUnit(Forbidden):
    message = N_(
        "{unit} is where this enumerator works or lives: the plan forbids surveying one's own "
        "unit. Please choose another unit."
    )


class NotAssigned(NotFound):
    message = N_("You are not assigned to this unit. Ask the office to assign you first.")


class AlreadyAssigned(BadInput):
    message = N_("{unit} is assigned to this enumerator already: it cannot be their own too.")


@dataclass(frozen=True)
class Tie:
    unit_id: int
    code: str
    name: str
    tie: EnumeratorTie


def ties(session: Session, account_id: int) -> list[Tie]:
    rows = session.execute(
        select(Unit.id, Unit.code, Unit.name, EnumeratorUnit.tie)
        .join(EnumeratorUnit, EnumeratorUnit.unit_id == Unit.id)
        .where(EnumeratorUnit.account_id == account_id)
        .order_by(EnumeratorUnit.tie, Unit.code)
    )
    return [Tie(row.id, row.code, row.name, EnumeratorTie(row.tie)) for row in rows]


def own_unit_over(session: Session, account_id: int, unit: Unit) -> Unit | None:
    """The enumerator's own unit that `unit` is, or lies below; None when it is not theirs."""
    owns = session.scalars(
        select(Unit)
        .join(EnumeratorUnit, EnumeratorUnit.unit_id == Unit.id)
        .where(EnumeratorUnit.account_id == account_id, EnumeratorUnit.tie == EnumeratorTie.own)
    )
    return next((own for own in owns if unit.path.startswith(own.path)), None)


def enumerator(session: Session, username: str) -> Account:
    account = session.scalar(select(Account).where(Account.username == username.strip()))
    if account is None or account.role != Role.enumerator:
        raise NotAnEnumerator(username=username.strip()[:64])
    return account


def assign(session: Session, account: Account, unit: Unit, *, by: Who) -> bool:
    """Assign the enumerator to the unit; False when they were already. Refused for a unit
    of their own."""
    if own_unit_over(session, account.id, unit) is not None:
        raise OwnUnit(unit=unit.name)
    tie = _tie(session, account.id, unit.id)
    if tie is not None:
        if tie.tie == EnumeratorTie.own:
            raise OwnUnit(unit=unit.name)
        return False
    session.add(EnumeratorUnit(account_id=account.id, unit_id=unit.id, tie=EnumeratorTie.assigned))
    session.flush()
    record(
        session,
        by=by,
        action=AuditAction.enumerator_assign,
        unit_id=unit.id,
        target=account.username,
    )
    return True


def declare_own(session: Session, account: Account, unit: Unit, *, by: Who) -> bool:
    """Record a unit where the enumerator works or lives; False when it was already."""
    tie = _tie(session, account.id, unit.id)
    if tie is not None:
        if tie.tie == EnumeratorTie.assigned:
            raise AlreadyAssigned(unit=unit.name)
        return False
    session.add(EnumeratorUnit(account_id=account.id, unit_id=unit.id, tie=EnumeratorTie.own))
    session.flush()
    _audit(session, by, AuditAction.enumerator_own, account, unit)
    return True


def unassign(session: Session, account: Account, unit: Unit, *, by: Who) -> bool:
    tie = _tie(session, account.id, unit.id)
    removed = tie is not None and tie.tie == EnumeratorTie.assigned
    if removed:
        session.delete(tie)
        session.flush()
        _audit(session, by, AuditAction.enumerator_unassign, account, unit)
    return bool(removed)


def ensure_may_interview(session: Session, account_id: int, unit: Unit) -> None:
    """An interview at this unit: only where assigned, never at one's own unit."""
    if own_unit_over(session, account_id, unit) is not None:
        raise OwnUnit(unit=unit.name)
    tie = _tie(session, account_id, unit.id)
    if tie is None or tie.tie != EnumeratorTie.assigned:
        raise NotAssigned()


def assigned_units(session: Session, account_id: int) -> list[Unit]:
    """The units the enumerator may interview at now (an own unit is never among them)."""
    units = session.scalars(
        select(Unit)
        .join(EnumeratorUnit, EnumeratorUnit.unit_id == Unit.id)
        .where(
            EnumeratorUnit.account_id == account_id,
            EnumeratorUnit.tie == EnumeratorTie.assigned,
            Unit.active.is_(True),
        )
        .order_by(Unit.name)
    ).all()
    return [u for u in units if own_unit_over(session, account_id, u) is None]


def _tie(session: Session, account_id: int, unit_id: int) -> EnumeratorUnit | None:
    return session.scalar(
        select(EnumeratorUnit).where(
            EnumeratorUnit.account_id == account_id, EnumeratorUnit.unit_id == unit_id
        )
    )


def _audit(session: Session, by: Who, action: AuditAction, account: Account, unit: Unit) -> None:
    record(session, by=by, action=action, unit_id=unit.id, target=account.username)
