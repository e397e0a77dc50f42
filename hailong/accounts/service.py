"""Accounts: add, list, disable, change a password, and check a password at sign-in.

Every change is audited in its own transaction, by the caller's `Who`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from hailong.accounts import sessions as login_sessions
from hailong.accounts.passwords import (
    check_strength,
    hash_password,
    spend_like_a_check,
    verify_password,
)
from hailong.audit.service import AuditAction, Who, record
from hailong.errors import BadInput, NotFound
from hailong.i18n import N_
from hailong.models import Account, Role, Unit
from hailong.models.base import utcnow
from hailong.units.service import unit_by_code

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")


class BadUsername(BadInput):
    message = N_(
        "A username is 3 to 64 characters: lower-case letters without accents, digits, "
        "dots, hyphens and underscores, starting with a letter or digit."
    )


class UsernameTaken(BadInput):
    message = N_("The username {username} is already taken.")


class UnknownAccount(NotFound):
    message = N_("There is no account {username}.")


class UnitNeeded(BadInput):
    message = N_("An account with the role {role} needs a unit (--unit CODE).")


class AdminHasNoUnit(BadInput):
    message = N_("An admin account covers the whole country: give it no unit.")


class AlreadyDisabled(BadInput):
    message = N_("The account {username} is already disabled.")


class AlreadyActive(BadInput):
    message = N_("The account {username} is already active.")


def normalise_username(username: str) -> str:
    return username.strip().lower()


def valid_username(username: str) -> bool:
    return USERNAME.fullmatch(username) is not None


def get_account(session: Session, username: str) -> Account:
    account = session.scalar(
        select(Account).where(Account.username == normalise_username(username))
    )
    if account is None:
        raise UnknownAccount(username=username)
    return account


def _unit_for(session: Session, role: Role, unit_code: str | None) -> Unit | None:
    if role is Role.admin:
        if unit_code:
            raise AdminHasNoUnit()
        return None
    if not unit_code:
        raise UnitNeeded(role=role.value)
    return unit_by_code(session, unit_code)


def add_account(
    session: Session,
    *,
    username: str,
    role: Role,
    unit_code: str | None,
    password: str,
    by: Who,
) -> Account:
    username = normalise_username(username)
    if not valid_username(username):
        raise BadUsername()
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise UsernameTaken(username=username)
    unit = _unit_for(session, role, unit_code)
    check_strength(password, username=username)
    account = Account(
        username=username,
        role=role.value,
        unit_id=unit.id if unit else None,
        password_hash=hash_password(password),
    )
    session.add(account)
    session.flush()
    record(
        session,
        by=by,
        action=AuditAction.user_add,
        unit_id=account.unit_id,
        target=f"account:{username}",
        details={"role": role.value},
    )
    return account


def disable_account(session: Session, *, username: str, by: Who) -> Account:
    """Disable an account: its sessions end now and its API tokens stop working."""
    account = get_account(session, username)
    disable(session, account, by=by)
    return account


def disable(session: Session, account: Account, *, by: Who) -> None:
    """Disable an account found by the caller (the office finds it within a scope)."""
    if not account.active:
        raise AlreadyDisabled(username=account.username)
    account.active = False
    account.disabled_at = utcnow()
    _sign_out_everywhere(session, account, by=by, action=AuditAction.user_disable)


def enable(session: Session, account: Account, *, by: Who) -> None:
    """Let a disabled account sign in again (with its password; no session comes back)."""
    if account.active:
        raise AlreadyActive(username=account.username)
    account.active = True
    account.disabled_at = None
    record(
        session,
        by=by,
        action=AuditAction.user_enable,
        unit_id=account.unit_id,
        target=f"account:{account.username}",
    )


def change_password(session: Session, *, username: str, password: str, by: Who) -> Account:
    """Set a new password; every browser signed in as the account is signed out."""
    account = get_account(session, username)
    set_password(session, account, password, by=by)
    return account


def set_password(session: Session, account: Account, password: str, *, by: Who) -> None:
    check_strength(password, username=account.username)
    account.password_hash = hash_password(password)
    account.password_changed_at = utcnow()
    _sign_out_everywhere(session, account, by=by, action=AuditAction.user_password)


def _sign_out_everywhere(
    session: Session, account: Account, *, by: Who, action: AuditAction
) -> None:
    """End every session of the account, and audit the change that made it necessary."""
    login_sessions.revoke_all(session, account_id=account.id)
    record(
        session,
        by=by,
        action=action,
        unit_id=account.unit_id,
        target=f"account:{account.username}",
    )


def check_password(
    session: Session, *, username: str, password: str
) -> tuple[Account | None, bool]:
    """The account of that username (None if there is none, disabled or not: the caller
    decides) and whether the password is right, in about the same time either way. A hash
    made with older Argon2 parameters is replaced by one with today's."""
    account = session.scalar(
        select(Account).where(Account.username == normalise_username(username))
    )
    if account is None:
        spend_like_a_check(password)
        return None, False
    valid, rehashed = verify_password(password, account.password_hash)
    if valid and rehashed is not None:
        account.password_hash = rehashed
    return account, valid


@dataclass(frozen=True)
class AccountRow:
    username: str
    role: str
    unit_code: str | None
    unit_name: str | None
    active: bool
    created_at: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def list_accounts(session: Session) -> Sequence[AccountRow]:
    unit = aliased(Unit)
    query = (
        select(Account, unit.code, unit.name)
        .outerjoin(unit, Account.unit_id == unit.id)
        .order_by(Account.username)
    )
    return [
        AccountRow(
            username=account.username,
            role=account.role,
            unit_code=code,
            unit_name=name,
            active=account.active,
            created_at=account.created_at.date().isoformat(),
        )
        for account, code, name in session.execute(query).tuples()
    ]
