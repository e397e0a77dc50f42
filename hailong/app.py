"""The application factory: the only place where the web app's parts are put together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hailong.context import AppContext, build_context
from hailong.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    # Cookies and chat-id hashes are keyed by the secret: refuse to serve without one.
    settings.secret()
    context = build_context(settings)

    # The lifespans of the routers served first (_serve_first), entered in their order.
    lifespans: list[Any] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as routers:
            for each in lifespans:
                await routers.enter_async_context(each(app))
            yield
        context.engine.dispose()

    # The API describes itself at /api/v1/openapi.json; pages and forms need no description.
    app = FastAPI(
        title="hailong", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.context = context
    _include_routers(app, context, lifespans)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        try:
            with context.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not healthy", never a 500 page
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return app


def _include_routers(app: FastAPI, context: AppContext, lifespans: list[Any]) -> None:
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
    # Before the form: /q/{token}/qr.svg is not a page.
    _serve_first(app, qr_router(context), lifespans)
    # Telegram's routes ask getMe at startup when the settings do not name the bot.
    app.state.telegram_username = context.settings.telegram_bot_username
    # Each enabled channel brings its routes: the web form always, Telegram with its token.
    for router in channel_routers(context):
        _serve_first(app, router, lifespans)
    callers = Callers(context)
    app.include_router(office_router(context, callers))
    # The two official modes: an e-mail invitation's link and an enumerator's interviews.
    app.include_router(invited_router(context))
    app.include_router(interview_router(context, callers))
    app.include_router(modes_router(context, callers))
    app.mount(PREFIX, create_api(context, callers))


def _serve_first(app: FastAPI, router: APIRouter, lifespans: list[Any]) -> None:
    """`router`'s routes put in the app's own list of routes, its lifespan kept to enter with
    the app's: the citizens' routes, where every answer comes in.

    FastAPI's include_router (0.16x) keeps an included router as one nested route, which
    matches each request twice with bookkeeping on every route it passes: 8 % of a web page
    POST's Python, for the form's routes. These routers are included without a prefix or
    dependencies, so their routes serve as they are."""
    app.router.routes.extend(router.routes)
    lifespans.append(router.lifespan_context)
