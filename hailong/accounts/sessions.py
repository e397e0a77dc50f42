"""Sign-in sessions of the office: a random secret in an HttpOnly cookie, its hash in a row.

A new secret at every sign-in (never one the browser brought), revoked at sign-out, at a
password change and when the account is disabled; it also ends after a time unused (idle)
and after a time at all (absolute), whatever the browser keeps.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hailong.models import Account, LoginSession
from hailong.models.base import utcnow

# Writing last_seen_at on every request would turn each page view into a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(session: Session, *, account: Account) -> tuple[LoginSession, str]:
    """A new session for the account, and the secret for its cookie (shown only here)."""
    secret = secrets.token_urlsafe(32)
    login = LoginSession(account_id=account.id, secret_hash=digest(secret))
    session.add(login)
    session.flush()
    return login, secret


def find_session(
    session: Session, secret: str, *, lifetimes: Lifetimes, now: datetime | None = None
) -> tuple[LoginSession, Account] | None:
    """The live session of an active account behind this cookie secret, or None."""
    now = now or utcnow()
    found = session.execute(
        select(LoginSession, Account)
        .join(Account, LoginSession.account_id == Account.id)
        .where(
            LoginSession.secret_hash == digest(secret),
            LoginSession.revoked_at.is_(None),
            LoginSession.last_seen_at > now - lifetimes.idle,
            LoginSession.created_at > now - lifetimes.absolute,
            Account.active.is_(True),
        )
    ).first()
    if found is None:
        return None
    login, account = found
    if touch_due(login.last_seen_at, now):
        login.last_seen_at = now
    return login, account


def touch_due(last: datetime | None, now: datetime) -> bool:
    """Whether a last-seen time is old enough to be worth writing again."""
    if last is None:
        return True
    # SQLite hands back stored times without their zone (they are UTC).
    limit = now - TOUCH_EVERY
    return last < (limit.replace(tzinfo=None) if last.tzinfo is None else limit)


def revoke(session: Session, login: LoginSession) -> None:
    if login.revoked_at is None:
        login.revoked_at = utcnow()
        session.flush()


def revoke_secret(session: Session, secret: str) -> None:
    """Revoke the session behind a cookie's secret, whatever its state (or none)."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.secret_hash == digest(secret), LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all(session: Session, *, account_id: int) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.account_id == account_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
