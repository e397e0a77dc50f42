"""What every route (and later every worker job) needs, built once per app from the settings.

Its own module, so that routers, adapters and the app factory can all name it without importing
each other: `hailong.app` puts the app together from modules that import this one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import make_engine, make_sessionmaker
from hailong.i18n import Catalogs
from hailong.live.notices import LocalNotices, RedisNotices, make_notices, publish_after_commit
from hailong.ratelimit import RateLimiter, make_rate_limiter
from hailong.settings import Settings


@dataclass
class AppContext:
    """What every route needs, built once per app (never at import time)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    catalogs: Catalogs
    # One per app: every route's limits share its Redis connections (or its process windows).
    limiter: RateLimiter
    # "A unit's counted responses changed", for open progress pages (Redis pub/sub or local).
    notices: LocalNotices | RedisNotices


def build_context(settings: Settings) -> AppContext:
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    notices = make_notices(settings.redis_url, settings.redis_prefix)
    publish_after_commit(sessions, notices)
    return AppContext(
        settings=settings,
        engine=engine,
        sessions=sessions,
        catalogs=Catalogs("messages"),
        limiter=make_rate_limiter(
            settings.redis_url, settings.redis_prefix, secret=settings.secret()
        ),
        notices=notices,
    )
