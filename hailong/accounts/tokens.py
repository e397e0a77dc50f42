"""Personal API tokens: shown once, stored as a hash, carrying their owner's scope.

A token reads `hl_<8 characters>_<secret>`; its first part (`hl_xxxxxxxx`) is the prefix
that names it in listings, the audit log and `hailong users revoke-token`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.accounts.sessions import touch_due
from hailong.audit.service import AuditAction, Who, record
from hailong.errors import BadInput, NotFound
from hailong.i18n import N_
from hailong.models import Account, ApiToken
from hailong.models.base import utcnow

TOKEN_START = "hl_"
PREFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
PREFIX_LENGTH = 8
NAME_LENGTH = 100


class UnknownToken(NotFound):
    message = N_("There is no API token {prefix}.")


class TokenAlreadyRevoked(BadInput):
    message = N_("The API token {prefix} is already revoked.")


class BadExpiry(BadInput):
    message = N_("A token lasts 1 to 3650 days.")


class DisabledAccount(BadInput):
    message = N_("The account {username} is disabled.")


def digest(token: str) -> str:
    # The secret has 256 random bits: a plain SHA-256 is as good as a slow hash here.
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str:
    """The part of a token that names it (the secret after it may hold underscores too)."""
    return token[: len(TOKEN_START) + PREFIX_LENGTH]


def _new_token() -> tuple[str, str]:
    short = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    prefix = f"{TOKEN_START}{short}"
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def create_token(
    session: Session,
    *,
    account: Account,
    name: str,
    expires_days: int | None,
    by: Who,
) -> tuple[ApiToken, str]:
    """A new token for the account, and its full text, which is never shown again."""
    if not account.active:
        raise DisabledAccount(username=account.username)
    if expires_days is not None and not 0 < expires_days <= 3650:
        raise BadExpiry()
    prefix, token = _new_token()
    while session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix)) is not None:
        prefix, token = _new_token()  # one in a trillion; cheaper to check than to explain
    created = ApiToken(
        account_id=account.id,
        name=(name.strip() or prefix)[:NAME_LENGTH],
        prefix=prefix,
        secret_hash=digest(token),
        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(created)
    session.flush()
    record(
        session,
        by=by,
        action=AuditAction.token_create,
        unit_id=account.unit_id,
        target=f"token:{prefix}",
        details={"account": account.username, "name": created.name},
    )
    return created, token


def find_token(
    session: Session, token: str, *, now: datetime | None = None
) -> tuple[ApiToken, Account] | None:
    """The live token of an active account, or None (unknown, revoked, expired, disabled)."""
    if not token.startswith(TOKEN_START):
        return None
    now = now or utcnow()
    found = session.execute(
        select(ApiToken, Account)
        .join(Account, ApiToken.account_id == Account.id)
        .where(
            ApiToken.secret_hash == digest(token),
            ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
            Account.active.is_(True),
        )
    ).first()
    if found is None:
        return None
    api_token, account = found
    if touch_due(api_token.last_used_at, now):
        api_token.last_used_at = now
    return api_token, account


def tokens_of(session: Session, account: Account) -> Sequence[ApiToken]:
    return session.scalars(
        select(ApiToken).where(ApiToken.account_id == account.id).order_by(ApiToken.id)
    ).all()


def revoke_token(session: Session, *, prefix: str, by: Who) -> ApiToken:
    api_token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix.strip()))
    if api_token is None:
        raise UnknownToken(prefix=prefix)
    if api_token.revoked_at is not None:
        raise TokenAlreadyRevoked(prefix=prefix)
    api_token.revoked_at = utcnow()
    owner = session.get_one(Account, api_token.account_id)
    record(
        session,
        by=by,
        action=AuditAction.token_revoke,
        unit_id=owner.unit_id,
        target=f"token:{api_token.prefix}",
        details={"account": owner.username},
    )
    return api_token
