"""Writing and reading the audit log.

`record()` is the one way in: call it in the transaction of the change it describes, so the
change and its line are committed together or not at all. There is no way to change or
remove a line, here or anywhere in the product (and the database refuses it, see migration
0006).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from hailong.models import AuditEntry, Unit
from hailong.periods.service import VIETNAM

ACTOR_LENGTH = 100
TARGET_LENGTH = 200


class AuditAction(StrEnum):
    """What happened. Stored as text, so a new action needs no migration."""

    login_ok = "login.ok"
    login_failed = "login.failed"
    # An attempt refused unchecked because the account or the address is locked.
    login_locked = "login.locked"
    logout = "logout"
    user_add = "user.add"
    user_disable = "user.disable"
    user_enable = "user.enable"
    user_password = "user.password"
    token_create = "token.create"
    token_revoke = "token.revoke"
    # For the services that come next (periods, quotas, counters, reviews, downloads).
    period_add = "period.add"
    period_change = "period.change"
    period_close = "period.close"
    quota_set = "quota.set"
    counter_add = "counter.add"
    counter_change = "counter.change"
    counter_rotate = "counter.rotate"
    counter_revoke = "counter.revoke"
    counter_deactivate = "counter.deactivate"
    response_review = "response.review"
    download = "download"
    enumerator_assign = "enumerator.assign"
    enumerator_unassign = "enumerator.unassign"
    enumerator_own = "enumerator.own"


@dataclass(frozen=True)
class Who:
    """Who acted, as the log names them."""

    name: str
    account_id: int | None = None
    address: str | None = None

    @classmethod
    def console(cls) -> Who:
        """An operator's `hailong` command on the server, named by the system user."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # a container user without a passwd entry
            user = "?"
        return cls(name=f"console:{user}")


def record(
    session: Session,
    *,
    by: Who,
    action: AuditAction,
    unit_id: int | None = None,
    target: str | None = None,
    comment: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one line in the caller's transaction."""
    entry = AuditEntry(
        account_id=by.account_id,
        actor=by.name[:ACTOR_LENGTH],
        action=str(action),
        unit_id=unit_id,
        target=target[:TARGET_LENGTH] if target else None,
        comment=comment,
        address=by.address,
        details=dict(details) if details else None,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Line:
    """An entry as people read it: the unit by its code."""

    id: int
    at: datetime
    actor: str
    action: str
    unit_code: str | None
    target: str | None
    comment: str | None
    address: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": in_vietnam(self.at).isoformat(),
            "actor": self.actor,
            "action": self.action,
            "unit_code": self.unit_code,
            "target": self.target,
            "comment": self.comment,
            "address": self.address,
        }


def in_vietnam(moment: datetime) -> datetime:
    # SQLite hands back the stored UTC time without its zone.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM)


def lines(
    session: Session,
    *,
    unit: Unit | None = None,
    since: datetime | None = None,
    batch: int = 1000,
) -> Iterator[Line]:
    """Entries oldest first, streamed in batches: with `unit`, those on its subtree; with
    `since`, those at or after it."""
    on_unit = aliased(Unit)
    query = (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            on_unit.code,
            AuditEntry.target,
            AuditEntry.comment,
            AuditEntry.address,
        )
        .outerjoin(on_unit, AuditEntry.unit_id == on_unit.id)
        .order_by(AuditEntry.id)
    )
    if unit is not None:
        query = query.where(on_unit.path.startswith(unit.path))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    for row in session.execute(query.execution_options(yield_per=batch)):
        yield Line(*row)


def _line_rows() -> tuple[Any, Select[Any]]:
    on_unit = aliased(Unit)
    query = select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        on_unit.code,
        AuditEntry.target,
        AuditEntry.comment,
        AuditEntry.address,
    ).outerjoin(on_unit, AuditEntry.unit_id == on_unit.id)
    return on_unit, query


def trail(session: Session, *, target: str, actions: Iterable[AuditAction]) -> list[Line]:
    """The entries about one thing (a response's public id, say), oldest first; the caller
    has already found that thing within the actor's reach."""
    _unit, query = _line_rows()
    query = query.where(
        AuditEntry.target == target, AuditEntry.action.in_([str(a) for a in actions])
    )
    return [Line(*row) for row in session.execute(query.order_by(AuditEntry.id))]


def recent_lines(
    session: Session,
    *,
    unit: Unit | None,
    since: datetime | None = None,
    action: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    limit: int = 200,
) -> list[Line]:
    """The latest entries first: on the unit's subtree (None: every entry), at or after
    `since`, of one action (or a family: "counter" for counter.*), by one actor, about one
    thing (`target`, such as "account:motcua")."""
    on_unit, query = _line_rows()
    if unit is not None:
        query = query.where(on_unit.path.startswith(unit.path))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if action:
        query = query.where(
            (AuditEntry.action == action) | AuditEntry.action.startswith(f"{action}.")
        )
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if target:
        query = query.where(AuditEntry.target == target)
    rows = session.execute(query.order_by(AuditEntry.id.desc()).limit(limit))
    return [Line(*row) for row in rows]
