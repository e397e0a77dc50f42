"""Every failure a visitor can cause ends on a polite page, in Vietnamese with English below.

Also installs the web edge's middleware (body bound, guessing limit, security headers,
compression) and the access log's redaction: the body bound raises an error that only these
handlers can turn into its page, and the guessing limit refuses with one of these pages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import exc as database
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect

from hailong.errors import BadInput, HailongError, NotFound
from hailong.i18n import N_, Catalogs, catalogs_for
from hailong.web.guessing import MISS_WINDOW_SECONDS, GuessingLimitMiddleware
from hailong.web.redaction import masked_path, redact_access_log
from hailong.web.rendering import Renderer, format_date, other_language, request_language
from hailong.web.security import BodyLimitMiddleware, SecurityHeadersMiddleware

if TYPE_CHECKING:
    from hailong.context import AppContext

log = logging.getLogger(__name__)

# Statuses that Starlette itself raises (no route, wrong method, unreadable form).
HTTP_MESSAGES = {
    404: N_("We could not find this page. Please scan the QR code at the counter again."),
    405: N_("We could not find this page. Please scan the QR code at the counter again."),
}
UNEXPECTED = N_(
    "Something went wrong on our side. Your earlier answers are kept; please try again."
)
# The database is down, restarting or too busy: the same request will work again soon.
DATABASE_UNAVAILABLE = (
    database.OperationalError,
    database.InterfaceError,
    database.DisconnectionError,
    database.TimeoutError,
)
DATABASE_RETRY_SECONDS = 30


class ServiceUnavailable(HailongError):
    status_code = 503
    message = N_(
        "The survey is briefly unavailable. Your earlier answers are kept; "
        "please try again in a minute."
    )


class TooManyGuesses(HailongError):
    status_code = 429
    message = N_(
        "Many addresses that do not exist were asked for from this network. "
        "Please wait a few minutes, then scan the QR code at the counter again."
    )


API_PATHS = ("/api/v1/", "/api/v1?")


def install_error_handlers(app: FastAPI, context: AppContext) -> None:
    """Render HailongError (and every other failure) as a polite page."""
    renderer = Renderer(context.settings, context.catalogs)
    redact_access_log(context.settings.log_client_addresses_until)

    def refuse_guesser(request: Request) -> Response:
        refusal = error_page(renderer, request, 429, TooManyGuesses.message, {})
        refusal.headers["retry-after"] = str(MISS_WINDOW_SECONDS)
        return refusal

    app.add_middleware(GuessingLimitMiddleware, limiter=context.limiter, refuse=refuse_guesser)
    app.add_middleware(BodyLimitMiddleware, max_bytes=context.settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    # Slow 3G: pages are small, and smaller still compressed.
    app.add_middleware(GZipMiddleware, minimum_size=500)

    async def on_hailong_error(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, HailongError)
        # An error is worded in its own module's domain (see hailong/i18n.py).
        words = catalogs_for(exc.domain)
        return error_page(renderer, request, exc.status_code, exc.message, exc.params, words)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = HTTP_MESSAGES.get(exc.status_code, BadInput.message)
        if request.url.path.startswith(API_PATHS):
            # An address under the API that its mount does not take (a newline in it, say):
            # a program asked, so it gets the API's JSON, not a page.
            from hailong.api.errors import error_response  # the API builds on this module

            return error_response(context.catalogs, exc.status_code, NotFound.message, {})
        return error_page(renderer, request, exc.status_code, message, {})

    async def on_invalid_request(request: Request, exc: Exception) -> HTMLResponse:
        return error_page(renderer, request, BadInput.status_code, BadInput.message, {})

    async def on_database_unavailable(request: Request, exc: Exception) -> HTMLResponse:
        # One line, no traceback: an outage would otherwise fill the log with the same one.
        log.warning("database unavailable on %s: %s", masked_path(request.url.path), _kind(exc))
        page = error_page(renderer, request, 503, ServiceUnavailable.message, {})
        page.headers["retry-after"] = str(DATABASE_RETRY_SECONDS)
        return page

    async def on_client_gone(request: Request, exc: Exception) -> Response:
        # The browser closed the connection mid-body: nobody reads an answer, nothing to fix.
        log.info("client went away during %s %s", request.method, masked_path(request.url.path))
        return Response(status_code=400)

    async def on_unexpected(request: Request, exc: Exception) -> HTMLResponse:
        log.exception("unexpected error on %s", masked_path(request.url.path), exc_info=exc)
        return error_page(renderer, request, 500, UNEXPECTED, {})

    app.add_exception_handler(HailongError, on_hailong_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, on_database_unavailable)
    app.add_exception_handler(ClientDisconnect, on_client_gone)
    app.add_exception_handler(Exception, on_unexpected)


def _kind(exc: Exception) -> str:
    """The driver's error class (psycopg.OperationalError...): says what failed, holds no data."""
    original = getattr(exc, "orig", None) or exc
    return f"{type(original).__module__}.{type(original).__name__}"


def error_page(
    renderer: Renderer,
    request: Request,
    status_code: int,
    message: str,
    params: Mapping[str, Any],
    catalogs: Catalogs | None = None,
) -> HTMLResponse:
    """A polite page; `message` is looked up in `catalogs` (the renderer's by default)."""
    language = request_language(request)
    second = other_language(language)
    words = catalogs or renderer.catalogs
    return renderer.render(
        request,
        "error.html",
        {
            "message": _translate(words, language, message, params),
            "message_other": _translate(words, second, message, params),
            "status_code": status_code,
        },
        status_code=status_code,
        language=language,
    )


def _translate(catalogs: Catalogs, language: str, message: str, params: Mapping[str, Any]) -> str:
    shown = {k: format_date(v) if isinstance(v, date) else v for k, v in params.items()}
    text = catalogs.gettext(language, message)
    try:
        return text.format(**shown)
    except (KeyError, IndexError, ValueError):
        # A catalog entry that lost a placeholder must not turn a polite page into a 500.
        return text
