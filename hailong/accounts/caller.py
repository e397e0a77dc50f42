"""Who is calling: an API token or a session cookie, resolved into an `Actor` (or nobody)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.accounts.scope import Actor
from hailong.accounts.sessions import Lifetimes, find_session
from hailong.accounts.tokens import find_token
from hailong.models import Account, Role, Unit


def actor_for(session: Session, account: Account, *, via: str, credential_id: int) -> Actor:
    path = None
    if account.unit_id is not None:
        path = session.scalar(select(Unit.path).where(Unit.id == account.unit_id))
    return Actor(
        account_id=account.id,
        username=account.username,
        role=Role(account.role),
        unit_id=account.unit_id,
        unit_path=path,
        via="token" if via == "token" else "session",
        credential_id=credential_id,
    )


def resolve_caller(
    session: Session, *, bearer: str | None, cookie: str | None, lifetimes: Lifetimes
) -> Actor | None:
    """The actor behind a bearer token or, without one, a session cookie; None for nobody.

    A bearer token that does not work is never rescued by a cookie sent along with it.
    """
    if bearer is not None:
        found_token = find_token(session, bearer)
        if found_token is None:
            return None
        api_token, account = found_token
        return actor_for(session, account, via="token", credential_id=api_token.id)
    if cookie:
        found_session = find_session(session, cookie, lifetimes=lifetimes)
        if found_session is not None:
            login, account = found_session
            return actor_for(session, account, via="session", credential_id=login.id)
    return None
