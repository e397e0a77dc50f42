"""Scope, checked once: who the caller is, and "may this actor do this action on this unit?".

An `Actor` is the caller resolved from a session cookie or an API token. Its role says which
actions it may take; its reach says on which units: an admin reaches every unit, an official
its unit and the subtree below it, ward staff exactly their unit, an enumerator the units it
is assigned to (assignments arrive with enumerator interviews; until then, none).

Services that read or change a unit's data take the actor and filter with `in_scope()`; an
object addressed by id or code is looked up within the scope, so a foreign one is "not
found" (404), never another unit's data, and never a hint that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from hailong.audit.service import Who
from hailong.errors import Forbidden, NotFound
from hailong.i18n import N_
from hailong.models import Role, Unit


class Action(StrEnum):
    view_units = "view_units"
    view_progress = "view_progress"
    view_index = "view_index"
    manage_periods = "manage_periods"
    manage_quotas = "manage_quotas"
    manage_counters = "manage_counters"
    print_posters = "print_posters"
    view_responses = "view_responses"
    verify_responses = "verify_responses"
    download = "download"
    manage_users = "manage_users"
    view_audit = "view_audit"
    run_interviews = "run_interviews"


# Ward staff run their one-stop office: progress, counters, posters, downloads; they do not
# verify responses (those are about their own counters). Enumerators only interview.
WARD_STAFF_ACTIONS = frozenset(
    {
        Action.view_units,
        Action.view_progress,
        Action.view_index,
        Action.manage_counters,
        Action.print_posters,
        Action.download,
    }
)
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.admin: frozenset(Action),
    Role.official: frozenset(Action) - {Action.run_interviews},
    Role.ward_staff: WARD_STAFF_ACTIONS,
    Role.enumerator: frozenset({Action.view_units, Action.run_interviews}),
}
ROLE_LABELS = {
    Role.admin: N_("Administrator"),
    Role.official: N_("Official"),
    Role.ward_staff: N_("Ward staff"),
    Role.enumerator: N_("Enumerator"),
}


class UnitNotFound(NotFound):
    message = N_("There is no unit with the code {code} among yours.")


class NotAllowed(Forbidden):
    message = N_("Your account may not do this.")


@dataclass(frozen=True)
class Actor:
    """The caller of a request: an active account, through a session or an API token."""

    account_id: int
    username: str
    role: Role
    # None for an admin: the whole country, whatever provinces the tree holds.
    unit_id: int | None
    unit_path: str | None
    via: Literal["session", "token", "console"]
    # The login session's or the API token's id: what the caller signed in with.
    credential_id: int

    def who(self, address: str | None = None) -> Who:
        if self.via == "console":
            return Who.console()
        return Who(name=self.username, account_id=self.account_id, address=address)


def console_actor() -> Actor:
    """The operator of a `hailong` command on the server: an administrator's reach, named
    in the audit log by the system user (accounts are for the office and the API)."""
    return Actor(
        account_id=0,
        username="console",
        role=Role.admin,
        unit_id=None,
        unit_path=None,
        via="console",
        credential_id=0,
    )


def may_do(actor: Actor, action: Action) -> bool:
    """Whether the role allows the action at all, on some unit."""
    return action in ROLE_ACTIONS[actor.role]


def reaches(actor: Actor, unit: Unit) -> bool:
    if actor.role is Role.admin:
        return True
    if actor.role is Role.official:
        return actor.unit_path is not None and unit.path.startswith(actor.unit_path)
    if actor.role is Role.ward_staff:
        return unit.id == actor.unit_id
    return False  # enumerators: their assignments, which do not exist yet


def may(actor: Actor, action: Action, unit: Unit) -> bool:
    """May this actor do this action on this unit? The one answer every check uses."""
    return may_do(actor, action) and reaches(actor, unit)


def reached_units(actor: Actor) -> ColumnElement[bool]:
    """A condition on `Unit`: the units the actor reaches."""
    if actor.role is Role.admin:
        return true()
    if actor.role is Role.official and actor.unit_path is not None:
        return Unit.path.startswith(actor.unit_path)
    if actor.role is Role.ward_staff and actor.unit_id is not None:
        return Unit.id == actor.unit_id
    return false()


def unit_ids_in_scope(actor: Actor) -> Select[tuple[int]]:
    """The ids of the units the actor reaches, as a subquery for any SELECT."""
    return select(Unit.id).where(reached_units(actor))


def in_scope(actor: Actor, unit_id_column: Any, action: Action) -> ColumnElement[bool]:
    """A condition for a query of rows belonging to units (responses, counters, quotas…):
    only rows of the actor's units, and none at all if the role may not take the action.

        select(Counter).where(in_scope(actor, Counter.unit_id, Action.manage_counters))
    """
    if not may_do(actor, action):
        return false()
    if actor.role is Role.admin:
        return true()
    condition: ColumnElement[bool] = unit_id_column.in_(unit_ids_in_scope(actor))
    return condition


def require(actor: Actor, action: Action) -> None:
    """Refuse (403) an action the role never takes, whatever the unit."""
    if not may_do(actor, action):
        raise NotAllowed()


def unit_in_scope(session: Session, actor: Actor, code: str, action: Action) -> Unit:
    """The unit with this code if the actor may do the action on it.

    A unit outside the actor's reach is not found (404), exactly like a code that does not
    exist; a reached unit the role may not act on is refused (403).
    """
    unit = session.scalar(select(Unit).where(Unit.code == code, reached_units(actor)))
    if unit is None:
        raise UnitNotFound(code=code)
    if not may(actor, action, unit):
        raise NotAllowed()
    return unit
