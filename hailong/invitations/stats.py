"""Invitations per unit, as the office sees them: invited, sent, failed, answered, rate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from hailong.accounts.scope import Action, Actor, in_scope
from hailong.models import Invitation, OutboxMessage, OutboxState, Period, Response, Unit
from hailong.models import ResponseStatus as Status

ANSWERED = (Status.completed, Status.unrated, Status.screened_out)


@dataclass(frozen=True)
class UnitInvitations:
    unit_code: str
    unit_name: str
    invited: int
    sent: int
    failed: int
    answered: int

    @property
    def response_rate(self) -> float | None:
        """Answered per e-mail sent, in percent."""
        return round(100 * self.answered / self.sent, 1) if self.sent else None


def per_unit(session: Session, actor: Actor, period: Period) -> list[UnitInvitations]:
    def counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = session.execute(
        select(
            Unit.code,
            Unit.name,
            func.count(Invitation.id),
            counted(OutboxMessage.state == OutboxState.sent),
            counted(OutboxMessage.state == OutboxState.failed),
            counted(Response.status.in_(ANSWERED)),
        )
        .join(Unit, Unit.id == Invitation.unit_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == Invitation.message_id)
        .outerjoin(Response, Response.id == Invitation.response_id)
        .where(
            Invitation.period_id == period.id,
            in_scope(actor, Invitation.unit_id, Action.view_progress),
        )
        .group_by(Unit.code, Unit.name)
        .order_by(Unit.code)
    ).all()
    return [UnitInvitations(*row) for row in rows]
