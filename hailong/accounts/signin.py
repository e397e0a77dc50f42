"""Signing in and out of the office, with the throttle and the audit log.

Outcomes are returned, not raised: a refused attempt is audited, and its audit line must be
committed with the rest of the request even though the visitor is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hailong.accounts import sessions as login_sessions
from hailong.accounts.scope import Actor
from hailong.accounts.service import check_password, normalise_username, valid_username
from hailong.accounts.throttle import LoginThrottle
from hailong.audit.service import AuditAction, Who, record
from hailong.errors import HailongError
from hailong.i18n import N_
from hailong.models import Account, LoginSession


class WrongCredentials(HailongError):
    status_code = 401
    message = N_("The username or the password is not right. Please check them and try again.")


class AccountDisabled(HailongError):
    status_code = 403
    message = N_("This account is disabled. Please ask your administrator.")


class SignInLocked(HailongError):
    status_code = 429
    message = N_(
        "Too many failed sign-ins: signing in here is locked for {minutes} minutes. "
        "Please try again after that, or ask your administrator."
    )


@dataclass(frozen=True)
class SignedIn:
    account: Account
    login: LoginSession
    # For the cookie only: never stored, never logged.
    secret: str


@dataclass(frozen=True)
class Refused:
    error: HailongError
    # Seconds to wait before answering (the slow-down), and before trying again (a lock).
    delay: float = 0.0
    retry_after: int = 0


def sign_in(
    session: Session,
    *,
    throttle: LoginThrottle,
    username: str,
    password: str,
    address: str,
    replacing_secret: str | None = None,
) -> SignedIn | Refused:
    """Check a username and password; on success a new session (the one of the cookie the
    browser brought, `replacing_secret`, is revoked: the id changes at every sign-in).
    Every attempt is audited, never with the password."""
    username = normalise_username(username)
    # What was typed as a username is logged only if it could be one: a password typed
    # into the wrong field must not end up in the log.
    typed = Who(name=username if valid_username(username) else "?", address=address)
    locked = throttle.locked_for(username=username, address=address)
    if locked:
        record(session, by=typed, action=AuditAction.login_locked)
        return _locked(locked)
    account, valid = check_password(session, username=username, password=password)
    who = typed if account is None else Who(username, account.id, address)
    unit_id = account.unit_id if account else None
    if account is None or not valid or not account.active:
        verdict = throttle.failed(username=username, address=address)
        reason = "disabled" if account is not None and valid else "wrong password"
        record(
            session,
            by=who,
            action=AuditAction.login_failed,
            unit_id=unit_id,
            details={"reason": reason if account else "unknown username"},
        )
        if verdict.locked_for:
            return _locked(verdict.locked_for)
        error = AccountDisabled() if reason == "disabled" else WrongCredentials()
        return Refused(error, delay=verdict.delay)
    throttle.succeeded(username=username, address=address)
    if replacing_secret:
        login_sessions.revoke_secret(session, replacing_secret)
    login, secret = login_sessions.open_session(session, account=account)
    record(session, by=who, action=AuditAction.login_ok, unit_id=unit_id)
    return SignedIn(account=account, login=login, secret=secret)


def _locked(seconds: int) -> Refused:
    return Refused(SignInLocked(minutes=math.ceil(seconds / 60)), retry_after=seconds)


def sign_out(session: Session, *, actor: Actor, address: str) -> None:
    """End the session the actor signed in with."""
    login = session.get_one(LoginSession, actor.credential_id)
    login_sessions.revoke(session, login)
    record(session, by=actor.who(address), action=AuditAction.logout, unit_id=actor.unit_id)
