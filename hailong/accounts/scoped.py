"""Accounts as an actor manages them (the office's Users page): the accounts of the units it
reaches, added with a role no higher than its own, disabled, enabled, given a new password.

An account is found by id only among the accounts of the actor's units; any other id is
"not found", like one that does not exist. Every change is audited (hailong.accounts.service
does the change and writes its line); a disabled account or a new password ends the
account's sessions there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session, aliased

from hailong.accounts import service
from hailong.accounts.passwords import PasswordsDiffer, check_strength
from hailong.accounts.scope import (
    Action,
    Actor,
    NotAllowed,
    require,
    unit_ids_in_scope,
    unit_in_scope,
)
from hailong.audit.service import Who
from hailong.errors import BadInput, NotFound
from hailong.i18n import N_
from hailong.models import Account, LoginSession, Role, Unit

# Highest first: an actor grants its own role and those below it, never one above.
ROLE_ORDER = (Role.admin, Role.official, Role.ward_staff, Role.enumerator)
# Letters and digits nobody misreads when copying from a screen (no 0/o, 1/l/i).
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS = 4
LIST_LIMIT = 500


class AccountNotFound(NotFound):
    message = N_("There is no such account among yours.")


class NotYourself(BadInput):
    message = N_("You cannot disable your own account; ask another official.")


class UnitMissing(BadInput):
    message = N_("Choose the unit of the account: only an administrator has none.")


class RoleNotGranted(NotAllowed):
    message = N_("Your account may not give the role {role}.")


@dataclass(frozen=True)
class AccountView:
    """An account as the Users page shows it (never its password's hash)."""

    id: int
    username: str
    role: Role
    unit_code: str | None
    unit_name: str | None
    active: bool
    created_at: datetime
    disabled_at: datetime | None
    last_sign_in_at: datetime | None

    @property
    def audit_target(self) -> str:
        return f"account:{self.username}"


def grantable_roles(actor: Actor) -> list[Role]:
    """The roles this actor may give: its own and those below it (none without the right)."""
    if actor.role not in ROLE_ORDER[:2]:
        return []
    return list(ROLE_ORDER[ROLE_ORDER.index(actor.role) :])


def _reached_accounts(actor: Actor) -> ColumnElement[bool]:
    """Accounts of the units the actor reaches; an admin also reaches unit-less admins."""
    if actor.role is Role.admin:
        return true()
    condition: ColumnElement[bool] = Account.unit_id.in_(unit_ids_in_scope(actor))
    return condition


def _view_query(actor: Actor) -> Select[Any]:
    unit = aliased(Unit)
    last_sign_in = (
        select(func.max(LoginSession.created_at))
        .where(LoginSession.account_id == Account.id)
        .correlate(Account)
        .scalar_subquery()
    )
    return (
        select(Account, unit.code, unit.name, last_sign_in)
        .outerjoin(unit, Account.unit_id == unit.id)
        .where(_reached_accounts(actor))
    )


def _view(
    account: Account, code: str | None, name: str | None, last: datetime | None
) -> AccountView:
    return AccountView(
        id=account.id,
        username=account.username,
        role=Role(account.role),
        unit_code=code,
        unit_name=name,
        active=account.active,
        created_at=account.created_at,
        disabled_at=account.disabled_at,
        last_sign_in_at=last,
    )


def list_accounts(session: Session, actor: Actor, *, unit_code: str | None) -> list[AccountView]:
    """The accounts of the unit's subtree (the actor's whole reach without one), by unit
    then username; at most LIST_LIMIT."""
    require(actor, Action.manage_users)
    query = _view_query(actor)
    if unit_code:
        unit = unit_in_scope(session, actor, unit_code, Action.manage_users)
        below = select(Unit.id).where(Unit.path.startswith(unit.path))
        query = query.where(Account.unit_id.in_(below))
    rows = session.execute(query.order_by(Account.unit_id, Account.username).limit(LIST_LIMIT))
    return [_view(*row) for row in rows.tuples()]


def get_account(session: Session, actor: Actor, account_id: int) -> AccountView:
    require(actor, Action.manage_users)
    row = session.execute(_view_query(actor).where(Account.id == account_id)).tuples().first()
    if row is None:
        raise AccountNotFound()
    return _view(*row)


def _account(session: Session, actor: Actor, account_id: int) -> Account:
    """The account to change: within reach, and of a role the actor may give."""
    require(actor, Action.manage_users)
    account = session.scalar(
        select(Account).where(Account.id == account_id, _reached_accounts(actor))
    )
    if account is None:
        raise AccountNotFound()
    if Role(account.role) not in grantable_roles(actor):
        raise RoleNotGranted(role=account.role)
    return account


def add_account(
    session: Session,
    actor: Actor,
    *,
    username: str,
    role: Role,
    unit_code: str | None,
    password: str,
    repeated: str,
    by: Who,
) -> tuple[Account, str | None]:
    """A new account of a role the actor may give, at a unit it reaches, with the password
    typed (twice) or, when none was, one made here: returned to be shown once."""
    require(actor, Action.manage_users)
    if role not in grantable_roles(actor):
        raise RoleNotGranted(role=role.value)
    if unit_code:
        unit_in_scope(session, actor, unit_code, Action.manage_users)
    elif role is not Role.admin:
        raise UnitMissing()
    generated = None
    if not password and not repeated:
        password = generated = generated_password(service.normalise_username(username))
    elif password != repeated:
        raise PasswordsDiffer()
    account = service.add_account(
        session, username=username, role=role, unit_code=unit_code, password=password, by=by
    )
    return account, generated


def disable_account(session: Session, actor: Actor, account_id: int, *, by: Who) -> Account:
    account = _account(session, actor, account_id)
    if account.id == actor.account_id:
        raise NotYourself()
    service.disable(session, account, by=by)
    return account


def enable_account(session: Session, actor: Actor, account_id: int, *, by: Who) -> Account:
    account = _account(session, actor, account_id)
    service.enable(session, account, by=by)
    return account


def reset_password(
    session: Session, actor: Actor, account_id: int, *, password: str, repeated: str, by: Who
) -> Account:
    """A password the actor typed (twice, the same)."""
    account = _account(session, actor, account_id)
    if password != repeated:
        raise PasswordsDiffer()
    service.set_password(session, account, password, by=by)
    return account


def reset_to_generated(session: Session, actor: Actor, account_id: int, *, by: Who) -> str:
    """A new password made here; returned to be shown once, and stored only as its hash."""
    account = _account(session, actor, account_id)
    password = generated_password(account.username)
    service.set_password(session, account, password, by=by)
    return password


def generated_password(username: str) -> str:
    """Four groups of four easy-to-read characters (about 79 bits): passes the password rule."""
    while True:
        groups = (
            "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4))
            for _ in range(PASSWORD_GROUPS)
        )
        password = "-".join(groups)
        try:
            check_strength(password, username=username)
        except BadInput:
            continue
        return password
