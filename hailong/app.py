"""The application factory: the only place where the web app's parts are put together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hailong.context import AppContext, build_context
from hailong.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    # Cookies and chat-id hashes are keyed by the secret: refuse to serve without one.
    settings.secret()
    context = build_context(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        context.engine.dispose()

    # The API describes itself at /api/v1/openapi.json; pages and forms need no description.
    app = FastAPI(
        title="hailong", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
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
    from hailong.api.app import PREFIX, create_api
    from hailong.channels import channel_routers
    from hailong.web.callers import Callers
    from hailong.web.citizen.invited import invited_router
    from hailong.web.errors import install_error_handlers
    from hailong.web.interview.routes import interview_router
    from hailong.web.office.enumerators import modes_router
    from hailong.web.office.routes import office_router
    from qr.routes import qr_router

    install_error_handlers(app, context)
    app.include_router(qr_router(context))  # before the form: /q/{token}/qr.svg is not a page
    # Telegram's routes ask getMe at startup when the settings do not name the bot.
    app.state.telegram_username = context.settings.telegram_bot_username
    # Each enabled channel brings its routes: the web form always, Telegram with its token.
    for router in channel_routers(context):
        app.include_router(router)
    callers = Callers(context)
    app.include_router(office_router(context, callers))
    # The two official modes: an e-mail invitation's link and an enumerator's interviews.
    app.include_router(invited_router(context))
    app.include_router(interview_router(context, callers))
    app.include_router(modes_router(context, callers))
    app.mount(PREFIX, create_api(context, callers))
