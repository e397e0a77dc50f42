"""The application factory: the only place where the web app's parts are put together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import make_engine, make_sessionmaker
from hailong.i18n import Catalogs
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


def build_context(settings: Settings) -> AppContext:
    engine = make_engine(settings.database_url)
    return AppContext(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        catalogs=Catalogs("messages"),
        limiter=make_rate_limiter(
            settings.redis_url, settings.redis_prefix, secret=settings.secret()
        ),
    )


def create_app(settings: Settings) -> FastAPI:
    # Cookies and chat-id hashes are keyed by the secret: refuse to serve without one.
    settings.secret()
    context = build_context(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        context.engine.dispose()

    app = FastAPI(title="hailong", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.context = context
    _include_routers(app, context)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        try:
            with context.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not healthy", never a 500 page
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return app


def _include_routers(app: FastAPI, context: AppContext) -> None:
    from hailong.web.citizen.routes import citizen_router
    from hailong.web.errors import install_error_handlers
    from qr.routes import qr_router

    install_error_handlers(app, context)
    app.include_router(qr_router(context))  # before the form: /q/{token}/qr.svg is not a page
    app.include_router(citizen_router(context))
    app.state.telegram_username = context.settings.telegram_bot_username
    if context.settings.telegram_token is not None:
        # Telegram is on whenever a token is set; its router asks getMe for a missing username.
        from webhook.telegram import telegram_router

        app.include_router(telegram_router(context))
