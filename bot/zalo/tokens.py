"""The OA's tokens in the database: seeded from the settings, renewed by one writer at a time.

Zalo's refresh token is single use: each renewal returns a new pair, and the old refresh
token is dead from that moment. So a renewal takes the credential row's lock first (an UPDATE,
which serialises writers on PostgreSQL and SQLite alike), looks whether another worker renewed
meanwhile, and only then asks Zalo; the new pair is committed before the new access token is
used. Tokens never reach a log or an error text.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.zalo import api
from bot.zalo.client import TokenPair, ZaloClient
from hailong.db import dialect_insert
from hailong.models import Channel, ChannelCredential
from hailong.models.base import utcnow
from hailong.settings import Settings

CHANNEL = Channel.zalo.value


class NoZaloToken(Exception):
    """Neither the settings nor the database hold a token to send with."""


@dataclass(frozen=True)
class Seed:
    """The first pair, from the settings."""

    app_id: str
    app_secret: str
    access_token: str
    refresh_token: str
    fingerprint: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Seed:
        def value(secret: object) -> str:
            getter = getattr(secret, "get_secret_value", None)
            return getter() if getter is not None else ""

        access = value(settings.zalo_access_token)
        refresh = value(settings.zalo_refresh_token)
        key = settings.secret().encode()
        fingerprint = hmac.new(key, f"{access}\n{refresh}".encode(), hashlib.sha256).hexdigest()
        return cls(
            app_id=settings.zalo_app_id or "",
            app_secret=value(settings.zalo_app_secret),
            access_token=access,
            refresh_token=refresh,
            fingerprint=fingerprint,
        )


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=utcnow().tzinfo)


def _pair(row: ChannelCredential) -> TokenPair:
    return TokenPair(row.access_token, row.refresh_token or "", _aware(row.expires_at))


def seed(session: Session, first: Seed) -> None:
    """The settings' pair in the database, unless it is there already; a new pair in the
    settings (the OA authorised again) replaces whatever was stored."""
    if not first.access_token and not first.refresh_token:
        return
    values = {
        "channel": CHANNEL,
        "access_token": first.access_token,
        "refresh_token": first.refresh_token or None,
        # Not told: assume little, so the worker renews it soon and learns the real expiry.
        "expires_at": utcnow() + timedelta(seconds=api.ASSUMED_LIFETIME_SECONDS)
        if first.access_token
        else utcnow(),
        "seeded_from": first.fingerprint,
        "updated_at": utcnow(),
    }
    insert = dialect_insert(session, ChannelCredential.__table__).values(**values)
    session.execute(insert.on_conflict_do_nothing(index_elements=["channel"]))
    session.execute(
        update(ChannelCredential)
        .where(
            ChannelCredential.channel == CHANNEL,
            ChannelCredential.seeded_from != first.fingerprint,
        )
        .values(**values)
    )


def current(sessions: sessionmaker[Session], first: Seed) -> TokenPair:
    with sessions() as session:
        seed(session, first)
        row = session.get(ChannelCredential, CHANNEL)
        session.commit()
        if row is None:
            raise NoZaloToken()
        return _pair(row)


def due(pair: TokenPair, *, now: datetime | None = None) -> bool:
    """Less than RENEW_BEFORE_SECONDS left (or never told how long)."""
    if pair.expires_at is None:
        return True
    left = pair.expires_at - (now or utcnow())
    return left < timedelta(seconds=api.RENEW_BEFORE_SECONDS)


def renew(
    sessions: sessionmaker[Session],
    client: ZaloClient,
    first: Seed,
    *,
    refused: str | None = None,
) -> TokenPair:
    """Renew the pair if it still needs it once the lock is ours: `refused` is the access token
    Zalo just refused (renew unless another worker already did); without it, renew when due."""
    with sessions() as session:
        try:
            seed(session, first)
            # The lock: every renewal waits here for the one before it to commit.
            session.execute(
                update(ChannelCredential)
                .where(ChannelCredential.channel == CHANNEL)
                .values(updated_at=utcnow())
            )
            row = session.scalars(
                select(ChannelCredential).where(ChannelCredential.channel == CHANNEL)
            ).one_or_none()
            if row is None:
                raise NoZaloToken()
            stored = _pair(row)
            renewed_elsewhere = refused is not None and stored.access_token != refused
            if renewed_elsewhere or (refused is None and not due(stored)) or not row.refresh_token:
                session.commit()
                return stored
            fresh = client.renew(
                app_id=first.app_id, app_secret=first.app_secret, refresh_token=row.refresh_token
            )
            row.access_token = fresh.access_token
            row.refresh_token = fresh.refresh_token or None
            row.expires_at = fresh.expires_at
            row.updated_at = utcnow()
            # Stored before it is used: the old refresh token is already dead.
            session.commit()
            return fresh
        except BaseException:
            session.rollback()
            raise
